import { ChatOpenAI } from '@langchain/openai';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveSettings } from '../src/config/settings.js';
import { AdmissionShedError } from '../src/llm/admission-errors.js';
import { admissionSettingSources, admissionSettingsSchema, type AdmissionSettingsInput } from '../src/llm/admission-settings.js';
import { createAdmission, type Admission } from '../src/llm/admission.js';
import { createRunContext, withRunContext } from '../src/llm/run-context.js';
import { startSimServer, type SimServer } from '../src/sim/sim-server.js';

/** One nominal minute lasts 3 real seconds in these tests, on both sides. */
const SCALE = 0.05;

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  while (open.length > 0) await open.pop()!.close();
});

async function sim(options: Parameters<typeof startSimServer>[0]): Promise<SimServer> {
  const server = await startSimServer({ port: 0, latency: 'off', timeScale: SCALE, ...options });
  open.push(server);
  return server;
}

function admission(flags: Partial<Record<keyof AdmissionSettingsInput, unknown>>, log?: (line: string) => void): Admission {
  // Every message here is one call, so tell the gate (it assumes two until it has seen some).
  const settings = resolveSettings(admissionSettingsSchema, admissionSettingSources, { flags: { timeScale: SCALE, callsPerMessage: 1, ...flags }, env: {} });
  const a = createAdmission(settings, log ? { log } : {});
  open.push(a);
  return a;
}

const client = (server: SimServer, a: Admission) => new OpenAI({ apiKey: 'sk-sim', baseURL: `${server.url}/v1`, fetch: a.fetch, maxRetries: 0 });

const message = (customerId: string, deadlineNominalMs: number, scale = SCALE) =>
  createRunContext({ runId: customerId, threadId: customerId, customerId, deadlineAt: Date.now() + deadlineNominalMs * scale, model: 'gpt-4o-mini' });

function rootCause(error: unknown): unknown {
  let current = error;
  while (current instanceof Error && current.cause !== undefined) current = current.cause;
  return current;
}

const hello = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Hello, can I book a haircut?' }] };

describe('admission control against the simulator', () => {
  it('sheds at once, with a Retry-After, the messages that cannot start before their deadline', async () => {
    // 6 RPM: one request every 10 nominal seconds; a bucket 10 s deep holds one. A slower
    // clock than the other tests (a nominal minute is 9 real seconds) keeps the deadline's
    // margin on either side (5 nominal seconds, 0.75 s real) clear of a busy machine's jitter.
    const scale = 0.15;
    const provider = await sim({ rpm: 6, tpm: 1_000_000, timeScale: scale });
    const gate = admission({ llmRpm: 6, llmTpm: 1_000_000, budgetSafety: 1, budgetDepthMs: 10_000, timeScale: scale });
    const openai = client(provider, gate);
    const outcomes = Array.from({ length: 6 }, (_, i) => {
      const context = message(`customer-${i}`, 35_000, scale); // 35 nominal seconds to answer
      return withRunContext(context, () => openai.chat.completions.create(hello)).then(
        () => ({ ok: true as const, context }),
        (error: unknown) => ({ ok: false as const, error: rootCause(error), providerCallsAtShed: provider.stats().requests }),
      );
    });
    const results = await Promise.all(outcomes);
    const served = results.filter((r) => r.ok);
    const shed = results.filter((r) => !r.ok);
    // Calls start at 0, 10, 20 and 30 nominal seconds; the 5th and 6th would start at 40 and 50: shed.
    expect(served).toHaveLength(4);
    expect(shed).toHaveLength(2);
    for (const r of shed) {
      expect(r.error).toBeInstanceOf(AdmissionShedError);
      expect(r.error).toMatchObject({ code: 'OVERLOADED', status: 503, reason: 'deadline' });
      expect((r.error as AdmissionShedError).retryAfterMs).toBeGreaterThan(0);
      // Shed before the second call was even sent: at once, not after waiting for the deadline.
      expect(r.providerCallsAtShed).toBeLessThanOrEqual(1);
    }
    expect(provider.stats().rateLimited).toEqual({ requests: 0, tokens: 0, tooLarge: 0 });
    expect(gate.stats().sheds).toMatchObject({ deadline: 2, total: 2 });
  });

  it('pauses every caller after a 429 and resumes when the pause ends', async () => {
    const provider = await sim({ rpm: 1000, tpm: 10_000 });
    // Someone else on the same key spends most of the TPM behind the gate's back.
    const direct = new OpenAI({ apiKey: 'sk-sim', baseURL: `${provider.url}/v1`, maxRetries: 0 });
    await direct.chat.completions.create({ ...hello, max_completion_tokens: 9000 });

    const gate = admission({ llmRpm: 1000, llmTpm: 10_000, budgetSafety: 1 });
    const openai = client(provider, gate);
    const a = withRunContext(message('a', 600_000), () => openai.chat.completions.create({ ...hello, max_completion_tokens: 2000 }));
    while (gate.stats().provider.rateLimited === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    expect(gate.stats().budget.pausedForMs).toBeGreaterThan(0);
    const bContext = message('b', 600_000);
    const b = withRunContext(bContext, () => openai.chat.completions.create({ ...hello, max_completion_tokens: 2000 }));
    await Promise.all([a, b]);
    const seen = provider.stats();
    // Only a's first attempt met the 429: b waited for the pause instead of spending a request on it.
    expect(seen.rateLimited.tokens).toBe(1);
    expect(seen.completionsOk).toBe(3);
    expect(bContext.usage.queueWaitMs).toBeGreaterThan(0);
    expect(bContext.usage.retries).toBe(0);
    expect(gate.stats().provider).toMatchObject({ rateLimited: 1, retries: 1 });
  });

  it('never retries insufficient_quota: the provider sees exactly one call', async () => {
    const provider = await sim({ insufficientQuota: true });
    const gate = admission({ llmTier: 'tier1' });
    const error = await client(provider, gate).chat.completions.create(hello).catch((e: unknown) => e);
    expect(rootCause(error)).toMatchObject({ code: 'PROVIDER_QUOTA_EXCEEDED' });
    expect(provider.stats().requests).toBe(1);
    expect(gate.stats().provider).toMatchObject({ calls: 1, quotaErrors: 1, retries: 0 });
  });

  it('keeps serving from a local share when Redis is unreachable, and says so', async () => {
    const provider = await sim({ preset: 'tier1' });
    const lines: string[] = [];
    // Nothing listens on 6390: the shared budget cannot be reached.
    const gate = admission({ llmTier: 'tier1', budgetBackend: 'redis', redisUrl: 'redis://127.0.0.1:6390', budgetProcesses: 4 }, (l) => lines.push(l));
    const openai = client(provider, gate);
    for (let i = 0; i < 5; i += 1) {
      const answer = await openai.chat.completions.create(hello);
      expect(answer.choices[0]?.message).toBeDefined();
    }
    const stats = gate.stats();
    expect(stats).toMatchObject({ backend: 'redis', degraded: true, provider: { ok: 5 } });
    // A quarter of Tier 1, times the safety margin.
    expect(stats.budget.requests.allowedPerMinute).toBe(Math.round(500 * 0.95 * 0.25));
    expect(lines.filter((l) => l.includes('unreachable'))).toHaveLength(1);
  });

  it('works under LangChain ChatOpenAI, whose errors keep ours as their cause', async () => {
    const provider = await sim({ rpm: 6, tpm: 1_000_000 });
    const gate = admission({ llmRpm: 6, llmTpm: 1_000_000, budgetSafety: 1, budgetDepthMs: 10_000 });
    const model = new ChatOpenAI({ model: 'gpt-4o-mini', apiKey: 'sk-sim', maxRetries: 0, configuration: { baseURL: `${provider.url}/v1`, fetch: gate.fetch } });
    const reply = await withRunContext(message('lc', 60_000), () => model.invoke('Hello, can I book a haircut?'));
    expect(typeof reply.content).toBe('string');
    const error = await withRunContext(message('lc2', 5_000), () => model.invoke('And a beard trim?')).catch((e: unknown) => e);
    expect(rootCause(error)).toMatchObject({ code: 'OVERLOADED', status: 503 });
    expect(provider.stats().requests).toBe(1);
  });
});
