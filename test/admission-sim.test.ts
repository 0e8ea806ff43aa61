import { ChatOpenAI } from '@langchain/openai';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveSettings } from '../src/config/settings.js';
import { AdmissionShedError } from '../src/llm/admission-errors.js';
import { admissionSettingSources, admissionSettingsSchema, type AdmissionSettingsInput } from '../src/llm/admission-settings.js';
import { createAdmission, type Admission } from '../src/llm/admission.js';
import { createRunContext, withRunContext } from '../src/llm/run-context.js';
import { startSimServer, type SimServer } from '../src/sim/sim-server.js';
import { ManualClock, type Clock } from '../src/shared/clock.js';

/** One nominal minute lasts 3 real seconds in the tests on the real clock, on both sides. */
const SCALE = 0.05;

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  while (open.length > 0) await open.pop()!.close();
});

async function sim(options: Parameters<typeof startSimServer>[0], clock?: Clock): Promise<SimServer> {
  const server = await startSimServer({ port: 0, latency: 'off', timeScale: clock ? 1 : SCALE, ...options }, clock ? { clock } : {});
  open.push(server);
  return server;
}

function admission(flags: Partial<Record<keyof AdmissionSettingsInput, unknown>>, deps: { log?: (line: string) => void; clock?: Clock } = {}): Admission {
  // Every message here is one call, so tell the gate (it assumes two until it has seen some).
  const settings = resolveSettings(admissionSettingsSchema, admissionSettingSources, { flags: { timeScale: deps.clock ? 1 : SCALE, callsPerMessage: 1, ...flags }, env: {} });
  const a = createAdmission(settings, deps);
  open.push(a);
  return a;
}

/**
 * The simulator and the gate on one manual clock: the provider's minute and the message
 * deadlines pass only when the test moves time, and only while no call is on its way (so a
 * busy machine cannot make a deadline pass under an answer).
 */
function manualLab(): { clock: ManualClock; settle: <T>(gate: Admission, work: Promise<T>) => Promise<T> } {
  const clock = new ManualClock();
  return { clock, settle: (gate, work) => clock.settle(work, { idle: () => gate.stats().inFlight === 0 }) };
}

const client = (server: SimServer, a: Admission) => new OpenAI({ apiKey: 'sk-sim', baseURL: `${server.url}/v1`, fetch: a.fetch, maxRetries: 0 });

const message = (customerId: string, deadlineNominalMs: number, clock?: Clock) =>
  createRunContext({
    runId: customerId,
    threadId: customerId,
    customerId,
    deadlineAt: clock ? clock.now() + deadlineNominalMs : Date.now() + deadlineNominalMs * SCALE,
    model: 'gpt-4o-mini',
  });

function rootCause(error: unknown): unknown {
  let current = error;
  while (current instanceof Error && current.cause !== undefined) current = current.cause;
  return current;
}

const hello = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Hello, can I book a haircut?' }] };

describe('admission control against the simulator', () => {
  it('sheds at once, with a Retry-After, the messages that cannot start before their deadline', async () => {
    // 6 RPM: one request every 10 seconds; a bucket 10 s deep holds one.
    const lab = manualLab();
    const provider = await sim({ rpm: 6, tpm: 1_000_000 }, lab.clock);
    const gate = admission({ llmRpm: 6, llmTpm: 1_000_000, budgetSafety: 1, budgetDepthMs: 10_000 }, { clock: lab.clock });
    const openai = client(provider, gate);
    const start = lab.clock.now();
    const outcomes = Array.from({ length: 6 }, (_, i) => {
      const context = message(`customer-${i}`, 35_000, lab.clock); // 35 seconds to answer
      return withRunContext(context, () => openai.chat.completions.create(hello)).then(
        () => ({ ok: true as const, context, at: lab.clock.now() - start }),
        (error: unknown) => ({ ok: false as const, error: rootCause(error), providerCallsAtShed: provider.stats().requests, at: lab.clock.now() - start }),
      );
    });
    const results = await lab.settle(gate, Promise.all(outcomes));
    const served = results.filter((r) => r.ok);
    const shed = results.filter((r) => !r.ok);
    // Calls start at 0, 10, 20 and 30 nominal seconds; the 5th and 6th would start at 40 and 50: shed.
    expect(served).toHaveLength(4);
    expect(served.map((r) => r.at)).toEqual([0, 10_000, 20_000, 30_000]);
    expect(shed).toHaveLength(2);
    for (const r of shed) {
      expect(r.at).toBe(0);
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
    const lab = manualLab();
    const provider = await sim({ rpm: 1000, tpm: 10_000 }, lab.clock);
    // Someone else on the same key spends most of the TPM behind the gate's back.
    const direct = new OpenAI({ apiKey: 'sk-sim', baseURL: `${provider.url}/v1`, maxRetries: 0 });
    await direct.chat.completions.create({ ...hello, max_completion_tokens: 9000 });

    const gate = admission({ llmRpm: 1000, llmTpm: 10_000, budgetSafety: 1 }, { clock: lab.clock });
    const openai = client(provider, gate);
    const a = withRunContext(message('a', 600_000, lab.clock), () => openai.chat.completions.create({ ...hello, max_completion_tokens: 2000 }));
    // Time stands still until a's 429 is in: nothing here waits on the clock yet.
    while (gate.stats().provider.rateLimited === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    const pausedForMs = gate.stats().budget.pausedForMs;
    expect(pausedForMs).toBeGreaterThan(0);
    const bContext = message('b', 600_000, lab.clock);
    const b = withRunContext(bContext, () => openai.chat.completions.create({ ...hello, max_completion_tokens: 2000 }));
    await lab.settle(gate, Promise.all([a, b]));
    const seen = provider.stats();
    // Only a's first attempt met the 429: b waited for the pause instead of spending a request on it.
    expect(seen.rateLimited.tokens).toBe(1);
    expect(seen.completionsOk).toBe(3);
    expect(bContext.usage.queueWaitMs).toBeGreaterThanOrEqual(pausedForMs);
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
    const gate = admission({ llmTier: 'tier1', budgetBackend: 'redis', redisUrl: 'redis://127.0.0.1:6390', budgetProcesses: 4 }, { log: (l) => lines.push(l) });
    const openai = client(provider, gate);
    for (let i = 0; i < 5; i += 1) {
      const answer = await openai.chat.completions.create(hello);
      expect(answer.choices[0]?.message).toBeDefined();
    }
    const stats = gate.stats();
    expect(stats).toMatchObject({ backend: 'redis', degraded: true, provider: { ok: 5 } });
    // A quarter of Tier 1 (no safety margin by default).
    expect(stats.budget.requests.allowedPerMinute).toBe(Math.round(500 * 0.25));
    expect(lines.filter((l) => l.includes('unreachable'))).toHaveLength(1);
  });

  it('works under LangChain ChatOpenAI, whose errors keep ours as their cause', async () => {
    const lab = manualLab();
    const provider = await sim({ rpm: 6, tpm: 1_000_000 }, lab.clock);
    const gate = admission({ llmRpm: 6, llmTpm: 1_000_000, budgetSafety: 1, budgetDepthMs: 10_000 }, { clock: lab.clock });
    const model = new ChatOpenAI({ model: 'gpt-4o-mini', apiKey: 'sk-sim', maxRetries: 0, configuration: { baseURL: `${provider.url}/v1`, fetch: gate.fetch } });
    const reply = await lab.settle(gate, withRunContext(message('lc', 60_000, lab.clock), () => model.invoke('Hello, can I book a haircut?')));
    expect(typeof reply.content).toBe('string');
    // The next request fits in 10 s: a 5 s deadline cannot be met, however fast the machine.
    const error = await lab.settle(gate, withRunContext(message('lc2', 5_000, lab.clock), () => model.invoke('And a beard trim?')).catch((e: unknown) => e));
    expect(rootCause(error)).toMatchObject({ code: 'OVERLOADED', status: 503 });
    expect(provider.stats().requests).toBe(1);
  });
});
