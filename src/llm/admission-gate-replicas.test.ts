import { describe, expect, it } from 'vitest';
import { ManualClock } from '../shared/clock.js';
import { AdmissionShedError } from './admission-errors.js';
import { AdmissionGate } from './admission-gate.js';
import { MemoryDemandBoards } from './demand-board.js';
import { MemoryBudget } from './memory-budget.js';
import type { BudgetConfig } from './token-bucket.js';

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Replicas sharing one provider budget, each with its own admission queue. A burst of new
 * messages, spread round robin over the replicas, must be shed exactly as one replica would
 * shed it: no more (capacity wasted) and no less (messages that wait, then miss their
 * deadline anyway). The budget is shared in memory here, as Redis shares it between processes.
 */
async function burst(replicas: number, shareDemand: boolean, messages = 200) {
  const clock = new ManualClock();
  // 60 calls a minute: a full bucket of 60 at once, then one a second.
  const config: BudgetConfig = { requests: { configured: 60 }, tokens: { configured: 10_000_000 }, safety: 1, share: 1, periodMs: 60_000, depthMs: 60_000 };
  const budget = new MemoryBudget(config, clock);
  const boards = new MemoryDemandBoards();
  const gates: AdmissionGate[] = [];
  for (let r = 0; r < replicas; r += 1) {
    const board = shareDemand ? boards.board(`replica-${r}`, () => gates[r]!.demand()) : undefined;
    gates.push(new AdmissionGate({ budget, clock, queueMax: 1000, minRetryAfterMs: 1000, ...(board ? { demand: board } : {}) }, false));
  }
  const outcome = { shedAtOnce: 0, shedAfterWaiting: 0, admitted: 0, admittedLate: 0 };
  const start = clock.now();
  const deadlineAt = clock.now() + 30_000;
  const pending: Array<Promise<void>> = [];
  for (let i = 0; i < messages; i += 1) {
    const gate = gates[i % replicas]!;
    const call = gate.admit({ customerId: `customer-${i}`, priority: 'new', need: { requests: 1, tokens: 100 }, deadlineAt }).then(
      async (admitted) => {
        outcome.admitted += 1;
        if (clock.now() > deadlineAt) outcome.admittedLate += 1;
        admitted.delivered();
        await admitted.settle({});
      },
      (error: unknown) => {
        if (!(error instanceof AdmissionShedError)) throw error;
        if (clock.now() === start) outcome.shedAtOnce += 1;
        else outcome.shedAfterWaiting += 1;
      },
    );
    pending.push(call);
    await Promise.resolve();
  }
  for (let t = 0; t < 40; t += 1) {
    await flush();
    clock.advance(1000);
  }
  await flush();
  await Promise.all(pending);
  for (const gate of gates) gate.close();
  return outcome;
}

describe('admission across replicas', () => {
  it('three replicas sharing their demand shed a burst exactly as one replica does, at once', async () => {
    const one = await burst(1, false);
    // The 60 calls the bucket holds and about 30 it refills within the deadline are served;
    // the rest are told at once (Retry-After) instead of waiting to miss the deadline.
    expect(one.admitted).toBeGreaterThanOrEqual(85);
    expect(one.admitted).toBeLessThanOrEqual(90);
    expect(one.admittedLate).toBe(0);
    expect(one.shedAtOnce).toBeGreaterThanOrEqual(105);
    expect(await burst(3, true)).toEqual(one);
  });

  it('without sharing, each replica sees a third of the queue: it sheds too little at once, and messages wait only to miss their deadline', async () => {
    const one = await burst(1, false);
    const blind = await burst(3, false);
    expect(blind.admitted).toBe(one.admitted);
    expect(blind.shedAtOnce).toBeLessThan(one.shedAtOnce - 30);
    expect(blind.shedAfterWaiting).toBeGreaterThan(30);
  });

  it('keeps the fair share between customers across replicas: a newcomer on one replica is not queued behind a flood on another', async () => {
    const clock = new ManualClock();
    const config: BudgetConfig = { requests: { configured: 60 }, tokens: { configured: 10_000_000 }, safety: 1, share: 1, periodMs: 60_000, depthMs: 60_000 };
    const budget = new MemoryBudget(config, clock);
    const boards = new MemoryDemandBoards();
    const gates: AdmissionGate[] = [];
    for (const [index, id] of ['a', 'b'].entries()) {
      const board = boards.board(id, () => gates[index]!.demand());
      gates.push(new AdmissionGate({ budget, clock, queueMax: 1000, minRetryAfterMs: 1000, demand: board }, false));
    }
    const start = clock.now();
    const [a, b] = gates as [AdmissionGate, AdmissionGate];
    const served: Array<{ customer: string; at: number }> = [];
    const ask = (gate: AdmissionGate, customer: string, deadlineMs: number) =>
      gate.admit({ customerId: customer, priority: 'new', need: { requests: 1, tokens: 100 }, deadlineAt: clock.now() + deadlineMs }).then(async (admitted) => {
        served.push({ customer, at: clock.now() });
        admitted.delivered();
        await admitted.settle({});
      });
    // The flood takes the whole bucket and queues 40 more on replica a.
    const flood = Array.from({ length: 100 }, () => ask(a, 'flooder', 600_000));
    await flush();
    // 20 s: it would be shed at once if it counted the whole flood (40 s of budget) as ahead of
    // it; in the round robin only the flooder's next call is.
    const newcomer = ask(b, 'newcomer', 20_000);
    for (let t = 0; t < 45 && !served.some((s) => s.customer === 'newcomer'); t += 1) {
      clock.advance(1000);
      await flush();
    }
    const at = served.find((s) => s.customer === 'newcomer')?.at;
    expect(at).toBeDefined();
    expect(at! - start).toBeLessThanOrEqual(3000);
    for (const gate of gates) gate.close();
    await Promise.allSettled([newcomer, ...flood]);
  });
});
