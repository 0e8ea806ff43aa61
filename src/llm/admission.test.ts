import OpenAI from 'openai';
import { beforeEach, describe, expect, it } from 'vitest';
import { AdmissionShedError } from './admission-errors.js';
import { admissionSettingSources, admissionSettingsSchema, type AdmissionSettingsInput } from './admission-settings.js';
import { createMeteredFetch } from './metered-fetch.js';
import { createAdmission, deriveBudgetKey } from './admission.js';
import { resolveSettings } from '../config/settings.js';
import { createRunContext, withRunContext } from './run-context.js';
import { ManualClock } from '../shared/clock.js';

type Handler = (body: Record<string, unknown>, call: number) => Response | Promise<Response>;

/** Limits only: `remaining` headers would (rightly) lower the budget and blur exact checks. */
const LIMIT_HEADERS = {
  'x-ratelimit-limit-requests': '600',
  'x-ratelimit-limit-tokens': '100000',
};

function completion(usage = { prompt_tokens: 20, completion_tokens: 5, total_tokens: 25 }, headers: Record<string, string> = LIMIT_HEADERS): Response {
  return Response.json(
    {
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1,
      model: 'gpt-4o-mini',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hi!' }, finish_reason: 'stop', logprobs: null }],
      usage,
    },
    { headers },
  );
}

function errorResponse(status: number, error: Record<string, unknown>, headers: Record<string, string> = {}): Response {
  return Response.json({ error: { param: null, ...error } }, { status, headers });
}

/** A provider behind a fetch function: records every request body it receives. */
function fakeProvider(handler: Handler) {
  const bodies: Array<Record<string, unknown>> = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    if (!String(input).endsWith('/chat/completions')) return new Response('{"data":[]}', { headers: { 'content-type': 'application/json' } });
    const body = JSON.parse(String(init?.body)) as Record<string, unknown>;
    bodies.push(body);
    init?.signal?.throwIfAborted();
    return handler(body, bodies.length);
  };
  return { fetch, bodies };
}

function settings(overrides: Partial<Record<keyof AdmissionSettingsInput, unknown>> = {}) {
  return resolveSettings(admissionSettingsSchema, admissionSettingSources, {
    flags: { llmRpm: 600, llmTpm: 100_000, budgetSafety: 1, timeScale: 0.001, llmTimeoutFloorMs: 0, callsPerMessage: 1, ...overrides },
    env: {},
  });
}

function client(fetch: typeof globalThis.fetch) {
  return new OpenAI({ apiKey: 'sk-test', baseURL: 'http://provider.test/v1', fetch, maxRetries: 0 });
}

/** The manual clock of the test in progress: every wait (pauses, backoffs, timeouts) is on it. */
let clock: ManualClock;
beforeEach(() => {
  clock = new ManualClock();
});

/** One chat completion through the SDK, with the clock moved whenever the call waits on it. */
const ask = (openai: OpenAI, extra: Record<string, unknown> = {}) =>
  clock.settle(openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }], ...extra }));

/** The typed error our layer raised, from under the SDK's connection error. */
function rootCause(error: unknown): unknown {
  let current = error;
  while (current instanceof Error && current.cause !== undefined) current = current.cause;
  return current;
}

describe('createAdmission', () => {
  it('passes other requests through untouched', async () => {
    const provider = fakeProvider(() => completion());
    const admission = createAdmission(settings(), { fetch: provider.fetch, clock });
    const res = await admission.fetch('http://provider.test/v1/models');
    expect(await res.json()).toEqual({ data: [] });
    expect(admission.stats().provider.calls).toBe(0);
    await admission.close();
  });

  it('sends max_completion_tokens, reserves prompt plus maximum, and settles with the real prompt', async () => {
    const provider = fakeProvider(() => completion({ prompt_tokens: 20, completion_tokens: 5, total_tokens: 25 }));
    const admission = createAdmission(settings({ maxCompletionTokens: 100, timeScale: 1000 }), { fetch: provider.fetch, clock });
    const answer = await ask(client(admission.fetch));
    expect(answer.choices[0]?.message.content).toBe('Hi!');
    expect(provider.bodies[0]?.max_completion_tokens).toBe(100);
    const stats = admission.stats();
    // OpenAI charges prompt + max_completion_tokens and refunds nothing: 120 tokens, not 25.
    // (Time scale 1000: a nominal minute lasts 1000 real minutes, so refill is negligible.)
    expect(stats.budget.tokens.remaining).toBe(100_000 - 120);
    expect(stats).toMatchObject({ admitted: 1, inFlight: 0, provider: { calls: 1, ok: 1 } });
    await admission.close();
  });

  it('returns unused completion tokens to a provider that charges usage', async () => {
    const provider = fakeProvider(() => completion({ prompt_tokens: 20, completion_tokens: 5, total_tokens: 25 }));
    const admission = createAdmission(settings({ maxCompletionTokens: 1000, chargeBasis: 'usage', timeScale: 1000 }), { fetch: provider.fetch, clock });
    await ask(client(admission.fetch));
    // With a slow clock (time scale 1000) refill is negligible: exactly 25 tokens spent.
    expect(admission.stats().budget.tokens.remaining).toBe(100_000 - 25);
    await admission.close();
  });

  it('keeps a caller-given maximum and counts n choices', async () => {
    const provider = fakeProvider(() => completion());
    const admission = createAdmission(settings({ timeScale: 1000 }), { fetch: provider.fetch, clock });
    await ask(client(admission.fetch), { max_completion_tokens: 40, n: 2 });
    expect(provider.bodies[0]?.max_completion_tokens).toBe(40);
    expect(admission.stats().budget.tokens.remaining).toBe(100_000 - (20 + 80));
    await admission.close();
  });

  it('pauses on a 429, honours retry-after-ms, then retries once through the queue', async () => {
    const provider = fakeProvider((_, call) =>
      call === 1
        ? errorResponse(429, { message: 'Rate limit reached for gpt-4o-mini on requests per min (RPM). Please try again in 20ms.', type: 'requests', code: 'rate_limit_exceeded' }, { 'retry-after-ms': '40' })
        : completion(),
    );
    // As in the server: the metered fetch under the gate counts the run's attempts and retries.
    const admission = createAdmission(settings(), { fetch: createMeteredFetch(provider.fetch), clock });
    const context = createRunContext({ runId: 'r', threadId: 't', customerId: 'c', deadlineAt: clock.now() + 60_000, model: 'gpt-4o-mini' });
    const started = clock.now();
    await withRunContext(context, () => ask(client(admission.fetch)));
    // retry-after-ms (40) beat the message's 20 ms, and the retry waited for it in the queue.
    expect(clock.now() - started).toBe(40);
    expect(provider.bodies).toHaveLength(2);
    expect(context.usage.retries).toBe(1);
    expect(context.usage.queueWaitMs).toBe(40);
    expect(context.llmCallsStarted).toBe(1);
    expect(admission.stats().provider).toMatchObject({ calls: 2, rateLimited: 1, retries: 1, ok: 1 });
    await admission.close();
  });

  it('gives up on 429s that would outlast the deadline, with PROVIDER_RATE_LIMITED', async () => {
    const provider = fakeProvider(() => errorResponse(429, { message: 'Rate limit reached. Please try again in 6m0s.', type: 'tokens', code: 'rate_limit_exceeded' }));
    const admission = createAdmission(settings(), { fetch: provider.fetch, clock });
    const error = await ask(client(admission.fetch)).catch((e: unknown) => e);
    const cause = rootCause(error);
    expect(cause).toMatchObject({ code: 'PROVIDER_RATE_LIMITED', status: 429, retryAfterMs: 360_000 });
    expect(provider.bodies).toHaveLength(1);
    await admission.close();
  });

  it('never retries insufficient_quota: exactly one provider call', async () => {
    const provider = fakeProvider(() =>
      errorResponse(429, { message: 'You exceeded your current quota, please check your plan and billing details.', type: 'insufficient_quota', code: 'insufficient_quota' }),
    );
    const admission = createAdmission(settings(), { fetch: provider.fetch, clock });
    const error = await ask(client(admission.fetch)).catch((e: unknown) => e);
    expect(rootCause(error)).toMatchObject({ code: 'PROVIDER_QUOTA_EXCEEDED' });
    expect(provider.bodies).toHaveLength(1);
    expect(admission.stats().provider).toMatchObject({ calls: 1, quotaErrors: 1, retries: 0 });
    await admission.close();
  });

  it('never retries a request too large', async () => {
    const provider = fakeProvider(() =>
      errorResponse(429, { message: 'Request too large for gpt-4o-mini in organization org-x on tokens per min (TPM): Limit 100000, Requested 150000.', type: 'tokens', code: 'rate_limit_exceeded' }),
    );
    const admission = createAdmission(settings(), { fetch: provider.fetch, clock });
    expect(rootCause(await ask(client(admission.fetch)).catch((e: unknown) => e))).toMatchObject({ code: 'LLM_REQUEST_TOO_LARGE' });
    expect(provider.bodies).toHaveLength(1);
    await admission.close();
  });

  it('refuses up front a call larger than the whole TPM limit', async () => {
    const provider = fakeProvider(() => completion());
    const admission = createAdmission(settings({ llmTpm: 1000, maxCompletionTokens: 2000 }), { fetch: provider.fetch, clock });
    expect(rootCause(await ask(client(admission.fetch)).catch((e: unknown) => e))).toMatchObject({ code: 'LLM_REQUEST_TOO_LARGE' });
    expect(provider.bodies).toHaveLength(0);
    await admission.close();
  });

  it('retries 5xx with backoff, opens the circuit, and then fails fast with PROVIDER_UNAVAILABLE', async () => {
    const provider = fakeProvider(() => errorResponse(500, { message: 'The server had an error while processing your request.', type: 'server_error', code: null }));
    const admission = createAdmission(settings({ circuitFailures: 3, llmMaxRetries: 5, circuitCooldownMs: 600_000 }), { fetch: provider.fetch, random: () => 0.5, clock });
    const first = rootCause(await ask(client(admission.fetch)).catch((e: unknown) => e));
    expect(first).toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
    expect(provider.bodies).toHaveLength(3);
    expect(admission.stats().circuit).toMatchObject({ state: 'open', opens: 1 });
    const second = rootCause(await ask(client(admission.fetch)).catch((e: unknown) => e));
    expect(second).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', status: 503 });
    expect(provider.bodies).toHaveLength(3); // refused without a call
    await admission.close();
  });

  it('uses the fallback model while the main circuit is open', async () => {
    const provider = fakeProvider((body) => (body.model === 'gpt-4o-mini' ? errorResponse(503, { message: 'overloaded', type: 'server_error', code: null }) : completion()));
    const admission = createAdmission(settings({ circuitFailures: 2, fallbackModel: 'gpt-4.1-nano', circuitCooldownMs: 600_000 }), { fetch: provider.fetch, random: () => 0, clock });
    await ask(client(admission.fetch));
    expect(provider.bodies.map((b) => b.model)).toEqual(['gpt-4o-mini', 'gpt-4o-mini', 'gpt-4.1-nano']);
    expect(admission.stats().provider.fallbackCalls).toBe(1);
    await admission.close();
  });

  it('times out a silent attempt and retries it', async () => {
    // The first attempt never answers; it ends only through its signal, as a real fetch would.
    const provider = fakeProvider((_, call) => (call === 1 ? new Promise<Response>(() => {}) : completion()));
    // 20 ms on the clock (the attempt timeout is capped at half the deadline: 30 ms here).
    const admission = createAdmission(settings({ llmTimeoutMs: 20_000 }), { fetch: rejectOnAbort(provider.fetch), random: () => 0, clock });
    const started = clock.now();
    await ask(client(admission.fetch));
    expect(provider.bodies).toHaveLength(2);
    expect(clock.now() - started).toBe(20); // the timeout; the backoff drew 0
    expect(admission.stats().provider).toMatchObject({ timeouts: 1, retries: 1, ok: 1 });
    await admission.close();
  });

  it('settles a stream when its last chunk has been read, passing the bytes through unchanged', async () => {
    const chunks = [
      'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"},"finish_reason":null}],"usage":null}\n\n',
      'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null}\n\n',
      'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":30,"completion_tokens":2,"total_tokens":32}}\n\n',
      'data: [DONE]\n\n',
    ];
    const provider = fakeProvider(
      () =>
        new Response(new Blob(chunks).stream(), {
          headers: { 'content-type': 'text/event-stream', ...LIMIT_HEADERS },
        }),
    );
    const admission = createAdmission(settings({ timeScale: 1000, chargeBasis: 'usage' }), { fetch: provider.fetch, clock });
    const stream = await ask(client(admission.fetch), { stream: true, stream_options: { include_usage: true } });
    expect(admission.stats().inFlight).toBe(1);
    let text = '';
    for await (const chunk of stream as unknown as AsyncIterable<{ choices: Array<{ delta: { content?: string } }> }>) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('Hi');
    const stats = admission.stats();
    expect(stats.inFlight).toBe(0);
    expect(stats.budget.tokens.remaining).toBe(100_000 - 32);
    await admission.close();
  });

  it('sheds with OVERLOADED, reachable under the SDK error, when the deadline cannot be met', async () => {
    const provider = fakeProvider(() => completion());
    const admission = createAdmission(settings({ llmRpm: 1, timeScale: 1 }), { fetch: provider.fetch, clock });
    const openai = client(admission.fetch);
    await ask(openai);
    const context = createRunContext({ runId: 'r', threadId: 't', customerId: 'c', deadlineAt: clock.now() + 5000, model: 'gpt-4o-mini' });
    const started = clock.now();
    const error = await withRunContext(context, () => ask(openai)).catch((e: unknown) => e);
    expect(clock.now() - started).toBe(0); // shed at once, not at the deadline
    const shed = rootCause(error);
    expect(shed).toBeInstanceOf(AdmissionShedError);
    expect(shed).toMatchObject({ code: 'OVERLOADED', status: 503, reason: 'deadline' });
    expect((shed as AdmissionShedError).retryAfterMs).toBeGreaterThan(50_000);
    expect(admission.stats().sheds).toMatchObject({ deadline: 1, total: 1 });
    await admission.close();
  });

  it('learns unknown limits from the headers and lets them lower configured ones', async () => {
    const provider = fakeProvider(() => completion());
    const learned = createAdmission(settings({ llmRpm: undefined, llmTpm: undefined }), { fetch: provider.fetch, clock });
    expect(learned.stats().budget.tokens.limit).toBeNull();
    await ask(client(learned.fetch));
    expect(learned.stats().budget).toMatchObject({ requests: { limit: 600 }, tokens: { limit: 100_000 } });
    const lowered = createAdmission(settings({ llmTier: 'tier5', llmRpm: undefined, llmTpm: undefined }), { fetch: provider.fetch, clock });
    expect(lowered.stats().budget.tokens.limit).toBe(150_000_000);
    await ask(client(lowered.fetch));
    expect(lowered.stats().budget.tokens.limit).toBe(100_000);
    await learned.close();
    await lowered.close();
  });

  it('gives calls continuing a message priority and counts them on the run', async () => {
    const provider = fakeProvider(() => completion());
    const admission = createAdmission(settings(), { fetch: provider.fetch, clock });
    const context = createRunContext({ runId: 'r', threadId: 't', customerId: 'c', deadlineAt: clock.now() + 60_000, model: 'gpt-4o-mini' });
    await withRunContext(context, async () => {
      await ask(client(admission.fetch));
      await ask(client(admission.fetch));
    });
    expect(context.llmCallsStarted).toBe(2);
    expect(admission.stats().callsPerMessage).toBeGreaterThan(1); // learning: one two-call message seen
    await admission.close();
  });

  it('derives the budget key from the provider without containing the API key', async () => {
    const provider = fakeProvider(() => completion());
    const admission = createAdmission(settings(), { fetch: provider.fetch, clock });
    await ask(client(admission.fetch));
    const key = admission.stats().budgetKey;
    expect(key).toBe(deriveBudgetKey('http://provider.test/v1', 'sk-test'));
    expect(key).not.toContain('sk-test');
    await admission.close();
  });

  it('with admission off passes every call straight through and only counts the answers', async () => {
    const provider = fakeProvider((_, call) =>
      call === 1 ? errorResponse(429, { message: 'Rate limit reached for gpt-4o-mini on tokens per min (TPM).', type: 'tokens', code: 'rate_limit_exceeded' }) : completion(),
    );
    const admission = createAdmission(settings({ admission: 'off' }), { fetch: provider.fetch, clock });
    const sdk = client(admission.fetch);
    await expect(ask(sdk)).rejects.toThrow(/429/);
    await ask(sdk);
    expect(provider.bodies).toHaveLength(2);
    expect(admission.stats()).toMatchObject({ admission: 'off', provider: { calls: 2, ok: 1, rateLimited: 1 } });
    expect(() => admission.preflight('c', Date.now())).not.toThrow();
  });
});

/** Wrap a fetch so a pending answer rejects when its signal aborts, as real fetch does. */
function rejectOnAbort(inner: typeof fetch): typeof fetch {
  return (input, init) =>
    new Promise<Response>((resolve, reject) => {
      init?.signal?.addEventListener('abort', () => reject(init.signal?.reason), { once: true });
      inner(input, init).then(resolve, reject);
    });
}
