import OpenAI, { BadRequestError, RateLimitError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_TOOLS, agentSystemPrompt } from '../src/sim/bench/agent-tools.js';
import { ManualClock } from '../src/shared/clock.js';
import { startSimServer, type SimServer } from '../src/sim/sim-server.js';

const SYSTEM = agentSystemPrompt('2026-12-01', 'Tuesday');
const tools = AGENT_TOOLS as unknown as OpenAI.Chat.Completions.ChatCompletionTool[];

function client(sim: SimServer, options: Partial<ConstructorParameters<typeof OpenAI>[0]> = {}): OpenAI {
  return new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'sk-sim', maxRetries: 0, ...options });
}

describe('simulator through the openai SDK', () => {
  let sim: SimServer;
  beforeAll(async () => {
    sim = await startSimServer({ port: 0, latency: 'off' });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('never repeats the ids of an earlier simulator with the same seed (a restart must not reuse them)', async () => {
    const again = await startSimServer({ port: 0, latency: 'off' });
    try {
      const ask = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Book a beard trim tomorrow at 10:00.' }], tools };
      const [a, b] = await Promise.all([client(sim).chat.completions.create(ask), client(again).chat.completions.create(ask)]);
      expect(a.id).not.toBe(b.id);
      const callIds = (c: OpenAI.Chat.Completions.ChatCompletion) => (c.choices[0]!.message.tool_calls ?? []).map((t) => t.id);
      for (const id of callIds(a)) expect(callIds(b)).not.toContain(id);
    } finally {
      await again.close();
    }
  });

  it('answers a plain completion in OpenAI\'s shape, with rate-limit headers', async () => {
    const { data, response } = await client(sim)
      .chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello there!' }] })
      .withResponse();
    expect(data.id).toMatch(/^chatcmpl-[A-Za-z0-9]{29}$/);
    expect(data.object).toBe('chat.completion');
    expect(data.model).toBe('gpt-4o-mini-2024-07-18');
    expect(data.system_fingerprint).toMatch(/^fp_/);
    expect(data.service_tier).toBe('default');
    expect(Math.abs(data.created - Date.now() / 1000)).toBeLessThan(60);
    const choice = data.choices[0]!;
    expect(choice.finish_reason).toBe('stop');
    expect(choice.logprobs).toBeNull();
    expect(choice.message.role).toBe('assistant');
    expect(choice.message.refusal).toBeNull();
    expect(choice.message.content?.length).toBeGreaterThan(10);
    expect(data.usage).toEqual({
      // "Hello there!" is 3 tokens, plus 3 framing, 1 for the role and 3 priming the reply.
      prompt_tokens: 10,
      completion_tokens: expect.any(Number),
      total_tokens: 10 + data.usage!.completion_tokens,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    });
    expect(response.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/);
    for (const h of ['limit-requests', 'limit-tokens', 'remaining-requests', 'remaining-tokens']) expect(response.headers.get(`x-ratelimit-${h}`)).toMatch(/^\d+$/);
    expect(response.headers.get('x-ratelimit-reset-tokens')).toMatch(/^(\d+ms|[\dhm.]+s)$/);
  });

  it('streams through the SDK helper, and finalChatCompletion() matches the deltas', async () => {
    const stream = client(sim).chat.completions.stream({
      model: 'gpt-4o-mini',
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'Could you explain how to plan a small garden?' }],
    });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    let text = '';
    stream.on('chunk', (chunk) => chunks.push(chunk));
    stream.on('content', (delta) => (text += delta));
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]?.message.content).toBe(text);
    expect(final.choices[0]?.finish_reason).toBe('stop');
    expect(chunks[0]?.object).toBe('chat.completion.chunk');
    expect(chunks[0]?.choices[0]?.delta).toMatchObject({ role: 'assistant', content: '' });
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage?.completion_tokens).toBe(chunks.filter((c) => c.choices[0]?.delta.content).length);
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('stop');
    expect(final.usage?.prompt_tokens).toBeGreaterThan(10);
  });

  it('returns tool calls the SDK parses, streamed or not, with the same arguments', async () => {
    const body = {
      model: 'gpt-4o-mini',
      tools,
      messages: [
        { role: 'system' as const, content: SYSTEM },
        { role: 'user' as const, content: 'Can you check availability for a beard trim on 2026-12-03?' },
        {
          role: 'assistant' as const,
          content: null,
          tool_calls: [{ id: 'call_1', type: 'function' as const, function: { name: 'list_services', arguments: '{}' } }],
        },
        { role: 'tool' as const, tool_call_id: 'call_1', content: JSON.stringify({ services: [{ id: 'beard-trim', name: 'Beard trim' }, { id: 'classic-haircut', name: 'Classic haircut' }] }) },
      ],
    };
    const plain = await client(sim).chat.completions.create(body);
    const call = plain.choices[0]?.message.tool_calls?.[0];
    expect(plain.choices[0]?.finish_reason).toBe('tool_calls');
    expect(plain.choices[0]?.message.content).toBeNull();
    expect(call?.id).toMatch(/^call_[A-Za-z0-9]{24}$/);
    expect(call?.type).toBe('function');
    if (call?.type !== 'function') return;
    expect(call.function.name).toBe('check_availability');
    expect(JSON.parse(call.function.arguments)).toEqual({ service: 'beard-trim', date: '2026-12-03' });

    const stream = client(sim).chat.completions.stream({ ...body, stream_options: { include_usage: true } });
    const names: string[] = [];
    stream.on('tool_calls.function.arguments.done', (e) => names.push(e.name));
    const final = await stream.finalChatCompletion();
    const streamed = final.choices[0]?.message.tool_calls?.[0];
    expect(names).toEqual(['check_availability']);
    expect(streamed?.type === 'function' && streamed.function.arguments).toBe(call.function.arguments);
    expect(final.usage?.completion_tokens).toBe(plain.usage?.completion_tokens);
  });

  it('reports a repeated long prefix as cached tokens, in 128-token steps', async () => {
    const c = client(sim);
    // A system prompt no earlier test sent, so the first request finds nothing cached.
    const system = `${SYSTEM}\nYou are speaking with a returning customer.`;
    const first = await c.chat.completions.create({ model: 'gpt-4o-mini', tools, messages: [{ role: 'system', content: system }, { role: 'user', content: 'Hi, which services do you have?' }] });
    expect(first.usage?.prompt_tokens).toBeGreaterThan(1024);
    expect(first.usage?.prompt_tokens_details?.cached_tokens).toBe(0);
    const second = await c.chat.completions.create({
      model: 'gpt-4o-mini',
      tools,
      messages: [
        { role: 'system', content: system },
        { role: 'user', content: 'Hi, which services do you have?' },
        { role: 'assistant', content: 'We offer haircuts and beard trims.' },
        { role: 'user', content: 'And how much is a beard trim?' },
      ],
    });
    const cached = second.usage?.prompt_tokens_details?.cached_tokens ?? 0;
    expect(cached % 128).toBe(0);
    expect(cached).toBeGreaterThanOrEqual(1024);
    expect(cached).toBeLessThanOrEqual(first.usage!.prompt_tokens);
    expect(cached).toBeGreaterThan(first.usage!.prompt_tokens - 3 - 128);
  });

  it('cuts at max_completion_tokens with finish_reason length', async () => {
    const r = await client(sim).chat.completions.create({ model: 'gpt-4o-mini', max_completion_tokens: 5, messages: [{ role: 'user', content: 'Tell me about gardens' }] });
    expect(r.choices[0]?.finish_reason).toBe('length');
    expect(r.usage?.completion_tokens).toBe(5);
  });

  it('surfaces invalid requests as BadRequestError with OpenAI\'s error body', async () => {
    const c = client(sim);
    const cases: Array<[unknown, string | null, RegExp]> = [
      [{ model: 'gpt-4o-mini' }, 'messages', /Missing required parameter: 'messages'/],
      [{ model: 'gpt-4o-mini', messages: [{ role: 'robot', content: 'x' }] }, 'messages[0].role', /Invalid value: 'robot'/],
      [{ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }, { role: 'tool', tool_call_id: 'call_9', content: '{}' }] }, 'messages.[1].role', /preceeding message with 'tool_calls'/],
      [{ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], max_completion_tokens: 0 }, 'max_completion_tokens', /below minimum/],
    ];
    for (const [body, param, message] of cases) {
      const error = await c.chat.completions.create(body as never).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(BadRequestError);
      const e = error as BadRequestError;
      expect(e.status).toBe(400);
      expect(e.type).toBe('invalid_request_error');
      expect(e.param).toBe(param);
      expect(e.message).toMatch(message);
      expect(e.requestID).toMatch(/^req_/);
    }
    const raw = await fetch(`${sim.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model": "gpt-4o-mini", messages' });
    expect(raw.status).toBe(400);
    expect(((await raw.json()) as { error: { message: string } }).error.message).toMatch(/^We could not parse the JSON body/);
    const models = await c.models.list();
    expect(models.data.map((m) => m.id)).toContain('gpt-4o-mini');
  });
});

describe('simulator rate limits through the openai SDK', () => {
  it('raises RateLimitError with OpenAI\'s code, type, message and headers', async () => {
    // Time stands still: nothing refills between the calls however slow the machine, so the figures are exact.
    const sim = await startSimServer({ port: 0, latency: 'off', rpm: 2, tpm: 10_000, organization: 'org-test123' }, { clock: new ManualClock() });
    try {
      const c = client(sim);
      const ask = (max: number) => c.chat.completions.create({ model: 'gpt-4o-mini', max_completion_tokens: max, messages: [{ role: 'user', content: 'hi' }] });
      await ask(6_000);
      const tokens = await ask(6_000).catch((e: unknown) => e);
      expect(tokens).toBeInstanceOf(RateLimitError);
      const t = tokens as RateLimitError;
      expect(t.status).toBe(429);
      expect(t.code).toBe('rate_limit_exceeded');
      expect(t.type).toBe('tokens');
      expect(t.param).toBeNull();
      expect(t.message).toMatch(
        /^429 Rate limit reached for gpt-4o-mini in organization org-test123 on tokens per min \(TPM\): Limit 10000, Used 60\d\d, Requested 60\d\d\. Please try again in [\d.]+s\. Visit https:\/\/platform\.openai\.com\/account\/rate-limits to learn more\.$/,
      );
      expect(t.headers.get('x-ratelimit-limit-tokens')).toBe('10000');
      expect(t.headers.get('x-ratelimit-limit-requests')).toBe('2');
      expect(t.headers.get('x-ratelimit-remaining-requests')).toBe('0');
      expect(Number(t.headers.get('x-ratelimit-remaining-tokens'))).toBeLessThan(4_000);
      expect(t.headers.get('x-ratelimit-reset-tokens')).toMatch(/^\d+(\.\d+)?s$/);
      expect(Number(t.headers.get('retry-after-ms'))).toBeGreaterThan(10_000);
      // The second request was rejected for tokens but still spent its request: RPM is empty now.
      const requests = (await ask(10).catch((e: unknown) => e)) as RateLimitError;
      expect(requests).toBeInstanceOf(RateLimitError);
      expect(requests.type).toBe('requests');
      expect(requests.message).toContain('on requests per min (RPM): Limit 2, Used 2, Requested 1.');
      const stats = sim.stats();
      expect(stats.rateLimited).toEqual({ requests: 1, tokens: 1, tooLarge: 0 });
      expect(stats.completionsOk).toBe(1);
    } finally {
      await sim.close();
    }
  });

  it('refuses a request larger than the TPM limit as "Request too large"', async () => {
    const sim = await startSimServer({ port: 0, latency: 'off', tpm: 1_000 });
    try {
      const e = (await client(sim)
        .chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
        .catch((x: unknown) => x)) as RateLimitError;
      expect(e).toBeInstanceOf(RateLimitError);
      // No max_completion_tokens: charged the model's whole output (16,384).
      expect(e.message).toMatch(/Request too large for gpt-4o-mini in organization org-\w+ on tokens per min \(TPM\): Limit 1000, Requested 16\d{3}\./);
      expect(e.headers.get('retry-after-ms')).toBeNull();
    } finally {
      await sim.close();
    }
  });

  it('lets the SDK retry as the headers say, and the retry gets through', async () => {
    // One scaled minute = 600 ms: 3,000 tokens refill in 600 ms.
    const sim = await startSimServer({ port: 0, latency: 'off', tpm: 3_000, timeScale: 0.01 });
    const attempts: Array<{ at: number; status: number; retryAfterMs: number | undefined }> = [];
    const recordingFetch: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      const retryAfter = response.headers.get('retry-after-ms');
      attempts.push({ at: performance.now(), status: response.status, retryAfterMs: retryAfter ? Number(retryAfter) : undefined });
      return response;
    };
    try {
      const c = client(sim, { maxRetries: 3, fetch: recordingFetch });
      const ask = () => c.chat.completions.create({ model: 'gpt-4o-mini', max_completion_tokens: 2_000, messages: [{ role: 'user', content: 'hi' }] });
      await ask();
      const sentAt = performance.now();
      const second = await ask();
      expect(second.choices[0]?.finish_reason).toBe('stop');
      const statuses = attempts.map((a) => a.status);
      expect(statuses[0]).toBe(200);
      expect(statuses.at(-1)).toBe(200);
      expect(statuses.slice(1, -1).every((s) => s === 429)).toBe(true);
      expect(statuses.length).toBe(3);
      const rejected = attempts[1]!;
      // About 1,000 missing tokens at 5 tokens/ms.
      expect(rejected.retryAfterMs).toBeGreaterThan(100);
      expect(rejected.retryAfterMs).toBeLessThan(400);
      expect(attempts[2]!.at - rejected.at).toBeGreaterThanOrEqual(rejected.retryAfterMs! - 5);
      expect(attempts[2]!.at - sentAt).toBeGreaterThanOrEqual(rejected.retryAfterMs! - 5);
      const stats = sim.stats();
      expect(stats.requests).toBe(3);
      expect(stats.retriedRequests).toBe(1);
      expect(stats.rateLimited.tokens).toBe(1);
      expect(stats.completionsOk).toBe(2);
    } finally {
      await sim.close();
    }
  });

  it('answers insufficient_quota as OpenAI does when the flag is set', async () => {
    const sim = await startSimServer({ port: 0, latency: 'off', insufficientQuota: true });
    try {
      const e = (await client(sim)
        .chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
        .catch((x: unknown) => x)) as RateLimitError;
      expect(e).toBeInstanceOf(RateLimitError);
      expect(e.code).toBe('insufficient_quota');
      expect(e.type).toBe('insufficient_quota');
      expect(sim.stats().insufficientQuota).toBe(1);
    } finally {
      await sim.close();
    }
  });
});
