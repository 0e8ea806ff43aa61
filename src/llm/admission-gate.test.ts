import { describe, expect, it } from 'vitest';
import { AdmissionShedError } from './admission-errors.js';
import { AdmissionGate, type Admitted, type Ticket } from './admission-gate.js';
import { ManualClock } from '../shared/clock.js';
import { MemoryBudget } from './memory-budget.js';
import type { BudgetConfig } from './token-bucket.js';

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

function setup(options: { rpm?: number; tpm?: number; queueMax?: number; learn?: boolean } = {}) {
  const clock = new ManualClock();
  const config: BudgetConfig = {
    requests: { configured: options.learn ? undefined : (options.rpm ?? 6) },
    tokens: { configured: options.learn ? undefined : (options.tpm ?? 1_000_000) },
    safety: 1,
    share: 1,
    periodMs: 60_000,
    depthMs: 60_000,
  };
  const budget = new MemoryBudget(config, clock);
  const gate = new AdmissionGate({ budget, clock, queueMax: options.queueMax ?? 100, minRetryAfterMs: 1000 }, options.learn ?? false);
  return { clock, budget, gate };
}

function track(promise: Promise<Admitted>) {
  const state: { admitted?: Admitted; error?: unknown } = {};
  promise.then(
    (a) => (state.admitted = a),
    (e) => (state.error = e),
  );
  return state;
}

/** `waiting` stays queued until `unblock` has run, and is admitted then. */
async function admittedOnlyAfter(waiting: ReturnType<typeof track>, unblock: () => void): Promise<void> {
  await flush();
  expect(waiting.admitted).toBeUndefined();
  unblock();
  await flush();
  expect(waiting.admitted).toBeDefined();
}

/** Admit a call and let it reach the provider (its answer has started). */
async function sent(gate: AdmissionGate, t: Ticket): Promise<Admitted> {
  const admitted = await gate.admit(t);
  admitted.delivered();
  return admitted;
}

function ticket(clock: ManualClock, overrides: Partial<Ticket> = {}): Ticket {
  return { customerId: 'c', priority: 'new', need: { requests: 1, tokens: 100 }, deadlineAt: clock.now() + 60_000, ...overrides };
}

describe('AdmissionGate', () => {
  it('admits at once while the budget has room', async () => {
    const { gate, clock } = setup();
    const a = await gate.admit(ticket(clock));
    expect(a.waitedMs).toBe(0);
    expect(gate.stats().inFlight).toBe(1);
    await a.settle({ durationMs: 1200 });
    expect(gate.stats()).toMatchObject({ inFlight: 0, admitted: 1, serviceMs: 1200 });
  });

  it('settles an admitted call exactly once: a second settle throws and changes nothing', async () => {
    const { gate, clock, budget } = setup({ rpm: 6 });
    const a = await gate.admit(ticket(clock));
    const b = await gate.admit(ticket(clock));
    a.delivered();
    a.delivered(); // idempotent: the call reached the provider once
    await a.settle({ durationMs: 1000, delta: { requests: -1, tokens: -100 } });
    const after = { stats: gate.stats(), remaining: budget.snapshot().requests.remaining };
    expect(after.stats.inFlight).toBe(1);
    expect(() => a.settle({ durationMs: 1000, delta: { requests: -1, tokens: -100 } })).toThrow(/already been settled/);
    expect(gate.stats()).toEqual(after.stats);
    expect(budget.snapshot().requests.remaining).toBe(after.remaining);
    await b.settle({});
    expect(gate.stats().inFlight).toBe(0);
  });

  it('preflight refuses a new message that could not make its deadline, without queueing or reserving', async () => {
    const { gate, clock, budget } = setup({ rpm: 6 }); // one request every 10 s
    // Nothing learned yet: no opinion.
    expect(gate.preflight('c', clock.now() + 1000)).toBeUndefined();
    for (let i = 0; i < 6; i += 1) await sent(gate, ticket(clock));
    const before = budget.snapshot().requests.remaining;
    // The bucket is empty: the next request fits in about 10 s, so a 5 s deadline cannot be met.
    const shed = gate.preflight('d', clock.now() + 5_000);
    expect(shed).toBeInstanceOf(AdmissionShedError);
    expect(shed?.code).toBe('OVERLOADED');
    expect(shed?.retryAfterMs).toBeGreaterThan(0);
    // A generous deadline passes, and the preflight took nothing from the budget or the queue.
    expect(gate.preflight('d', clock.now() + 600_000)).toBeUndefined();
    expect(budget.snapshot().requests.remaining).toBe(before);
    expect(gate.stats().queue.depth).toBe(0);
    expect(gate.stats().sheds.deadline).toBe(1);
  });

  it('queues when the budget is spent and admits in priority and round-robin order as it refills', async () => {
    const { gate, clock } = setup({ rpm: 6 }); // one request every 10 s
    for (let i = 0; i < 6; i += 1) await sent(gate, ticket(clock));
    const order: string[] = [];
    const wait = (name: string, t: Partial<Ticket>) =>
      gate.admit(ticket(clock, { deadlineAt: clock.now() + 600_000, ...t })).then((a) => {
        a.delivered();
        order.push(name);
      });
    const all = [
      wait('a1', { customerId: 'a' }),
      wait('a2', { customerId: 'a' }),
      wait('b1', { customerId: 'b' }),
      wait('c-continuing', { customerId: 'c', priority: 'continuing' }),
    ];
    await flush();
    expect(gate.stats().queue).toMatchObject({ depth: 4, continuing: 1, new: 3, customers: 3 });
    for (let i = 0; i < 4; i += 1) {
      clock.advance(10_000);
      await flush();
    }
    await Promise.all(all);
    expect(order).toEqual(['c-continuing', 'a1', 'b1', 'a2']);
    expect(gate.stats().queueWaitMs).toMatchObject({ count: 10, max: 40_000 });
  });

  it('sheds at once, with a Retry-After, a call whose predicted wait passes its deadline', async () => {
    const { gate, clock } = setup({ rpm: 6 });
    for (let i = 0; i < 6; i += 1) await sent(gate, ticket(clock));
    const fits = track(gate.admit(ticket(clock, { deadlineAt: clock.now() + 15_000 }))); // starts in 10 s
    const late = track(gate.admit(ticket(clock, { deadlineAt: clock.now() + 15_000 }))); // would start in 20 s
    await flush();
    expect(late.error).toBeInstanceOf(AdmissionShedError);
    const shed = late.error as AdmissionShedError;
    expect(shed).toMatchObject({ code: 'OVERLOADED', status: 503, reason: 'deadline', retryAfterMs: 5000 });
    expect(fits.error).toBeUndefined();
    expect(clock.now()).toBe(1_700_000_000_000); // no time passed: shed without waiting
    clock.advance(10_000);
    await flush();
    expect(fits.admitted?.waitedMs).toBe(10_000);
    expect(gate.stats().sheds).toMatchObject({ deadline: 1, total: 1 });
  });

  it('counts the typical call duration against the deadline', async () => {
    const { gate, clock } = setup({ rpm: 6 });
    for (let i = 0; i < 6; i += 1) {
      await (await sent(gate, ticket(clock))).settle({ durationMs: 6000 });
    }
    // Starts in 10 s, takes 6 s: misses a 15 s deadline by 1 s.
    const late = track(gate.admit(ticket(clock, { deadlineAt: clock.now() + 15_000 })));
    await flush();
    expect(late.error).toMatchObject({ reason: 'deadline', retryAfterMs: 1000 });
  });

  it('bounds the queue of new messages but never refuses a continuing call for it', async () => {
    const { gate, clock } = setup({ rpm: 1, queueMax: 2 });
    await gate.admit(ticket(clock));
    const far = clock.now() + 3_600_000;
    track(gate.admit(ticket(clock, { deadlineAt: far })));
    track(gate.admit(ticket(clock, { deadlineAt: far })));
    const third = track(gate.admit(ticket(clock, { deadlineAt: far })));
    const continuing = track(gate.admit(ticket(clock, { deadlineAt: far, priority: 'continuing' })));
    await flush();
    expect(third.error).toMatchObject({ code: 'OVERLOADED', reason: 'queue-full' });
    expect((third.error as AdmissionShedError).retryAfterMs).toBeGreaterThanOrEqual(1000);
    expect(continuing.error).toBeUndefined();
    expect(gate.stats().queue.depth).toBe(3);
  });

  it('removes an aborted call from the queue and serves the next', async () => {
    const { gate, clock } = setup({ rpm: 6 });
    for (let i = 0; i < 6; i += 1) await sent(gate, ticket(clock));
    const controller = new AbortController();
    const aborted = track(gate.admit(ticket(clock, { signal: controller.signal, customerId: 'x' })));
    const next = track(gate.admit(ticket(clock, { customerId: 'y' })));
    await flush();
    controller.abort();
    await flush();
    expect((aborted.error as Error).name).toBe('AbortError');
    expect(gate.stats().queue.depth).toBe(1);
    clock.advance(10_000);
    await flush();
    expect(next.admitted).toBeDefined();
  });

  it('waits out a pause of the budget, shedding what can no longer make it', async () => {
    const { gate, clock } = setup({ rpm: 600 });
    const first = await gate.admit(ticket(clock));
    // The provider answered 429 with "try again in 30s": everyone pauses.
    await first.settle({ pauseForMs: 30_000 });
    const patient = track(gate.admit(ticket(clock, { deadlineAt: clock.now() + 60_000, customerId: 'p' })));
    const tight = track(gate.admit(ticket(clock, { deadlineAt: clock.now() + 20_000, customerId: 't' })));
    await flush();
    expect(tight.error).toMatchObject({ reason: 'deadline', retryAfterMs: 10_000 });
    clock.advance(29_000);
    await flush();
    expect(patient.admitted).toBeUndefined();
    clock.advance(1000);
    await flush();
    expect(patient.admitted?.waitedMs).toBe(30_000);
  });

  it('refuses a call larger than the whole limit without retrying it', async () => {
    const { gate, clock } = setup({ tpm: 1000 });
    await expect(gate.admit(ticket(clock, { need: { requests: 1, tokens: 5000 } }))).rejects.toMatchObject({ code: 'LLM_REQUEST_TOO_LARGE', status: 413 });
  });

  it('never has more on its way to the provider than one bucket holds', async () => {
    const { gate, clock } = setup({ rpm: 600 }); // bucket of 600 requests, refilling 10 per second
    const first = await gate.admit(ticket(clock, { need: { requests: 1, tokens: 700_000 } }));
    clock.advance(60_000); // the budget is full again, but the first call has not reached the provider
    const second = track(gate.admit(ticket(clock, { need: { requests: 1, tokens: 700_000 }, deadlineAt: clock.now() + 600_000 })));
    await admittedOnlyAfter(second, () => first.delivered());
  });

  it('learns how many calls a message takes, and admits a new message only if all of them fit', async () => {
    const { gate, clock } = setup({ rpm: 60_000 });
    for (let i = 0; i < 400; i += 1) {
      for (const priority of ['new', 'continuing'] as const) {
        await (await sent(gate, ticket(clock, { priority }))).settle({ durationMs: 1000 });
      }
    }
    expect(gate.stats().callsPerMessage).toBeCloseTo(2, 1);
    // Two calls of 1 s each: a new message with 1.5 s left is refused, a next step is not.
    await expect(gate.admit(ticket(clock, { deadlineAt: clock.now() + 1500 }))).rejects.toMatchObject({ reason: 'deadline' });
    await expect(gate.admit(ticket(clock, { deadlineAt: clock.now() + 1500, priority: 'continuing' }))).resolves.toBeDefined();
  });

  it('sends one probe at a time while the limits are unknown', async () => {
    const { gate, clock } = setup({ learn: true });
    await gate.admit(ticket(clock));
    await admittedOnlyAfter(track(gate.admit(ticket(clock))), () => gate.limitsLearned());
  });

  it('sheds everything still waiting when closed', async () => {
    const { gate, clock } = setup({ rpm: 1 });
    await gate.admit(ticket(clock));
    const waiting = track(gate.admit(ticket(clock, { deadlineAt: clock.now() + 3_600_000 })));
    await flush();
    gate.close();
    await flush();
    expect(waiting.error).toMatchObject({ reason: 'closing' });
    await expect(gate.admit(ticket(clock))).rejects.toMatchObject({ reason: 'closing' });
    expect(clock.pendingTimers).toBe(0);
  });
});
