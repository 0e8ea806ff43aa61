import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyUsage } from '../src/llm/run-usage.js';
import { isConciergeError } from '../src/shared/errors.js';
import type { NewRun, RunStore } from '../src/store/run-store.js';
import { runStoreBackends } from './helpers/run-store-backends.js';

/**
 * One contract, two stores: the embedded SQLite store and the shared Postgres one must
 * agree on every rule the executor relies on (one running run per thread, queue order,
 * fenced finishes, leases, cancels). Postgres runs against the real server, in a schema
 * of its own; concurrent calls race inside the database for real.
 */

const MODEL = 'gpt-4o-mini';
const LEASE_MS = 30_000;
const INTERRUPTED = { code: 'RUN_INTERRUPTED', message: 'lease expired', status: 503, retryAfterMs: 1000 };
const SHED = { code: 'OVERLOADED', message: 'no room in time', status: 503, retryAfterMs: 1500, details: { reason: 'deadline' } };

const backends = runStoreBackends('runstore', MODEL);

function newRun(threadId: string, overrides: Partial<NewRun> = {}): NewRun {
  return {
    threadId,
    assistantId: 'concierge',
    metadata: {},
    multitaskStrategy: 'reject',
    payload: { messages: [{ role: 'user', content: 'hello' }], streamModes: [] },
    background: false,
    owner: 'replica-a',
    leaseMs: LEASE_MS,
    ...overrides,
  };
}

function usage(llmCalls: number) {
  return { ...emptyUsage(MODEL), llmCalls, promptTokens: 100 * llmCalls, completionTokens: 10 * llmCalls };
}

async function outcome<T>(promise: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error };
  }
}

describe.each(backends)('$name run store (contract)', (backend) => {
  let store: RunStore;
  let n = 0;
  const thread = async () => (await store.createThread({ customerId: `customer-${(n += 1)}`, metadata: { n } })).thread_id;

  beforeAll(async () => {
    store = await backend.open();
  });
  afterAll(async () => {
    await store?.close();
    await backend.cleanup();
  });

  it('creates threads, refuses a taken id, and keeps metadata and owner', async () => {
    const created = await store.createThread({ threadId: '6a1c7f5e-0000-4000-8000-000000000001', customerId: 'ann', metadata: { source: 'test' } });
    expect(created).toMatchObject({ thread_id: '6a1c7f5e-0000-4000-8000-000000000001', customer_id: 'ann', status: 'idle', metadata: { source: 'test' } });
    expect(created.usage.llmCalls).toBe(0);
    await expect(store.createThread({ threadId: created.thread_id, customerId: 'bob', metadata: {} })).rejects.toMatchObject({ code: 'CONFLICT', status: 409 });
    expect((await store.getThread(created.thread_id))?.customer_id).toBe('ann');
    expect(await store.getThread('6a1c7f5e-0000-4000-8000-00000000ffff')).toBeUndefined();
  });

  it('starts a run on a free thread; reject refuses a second one, enqueue queues it', async () => {
    const t = await thread();
    const first = await store.createRun(newRun(t));
    expect(first.started).toBe(true);
    expect(first.run.status).toBe('running');
    expect((await store.getThread(t))?.status).toBe('busy');
    await expect(store.createRun(newRun(t))).rejects.toMatchObject({ code: 'THREAD_BUSY', status: 409 });
    await expect(store.createRun(newRun(t, { background: true }))).rejects.toMatchObject({ code: 'THREAD_BUSY', status: 409 });
    const queued = await store.createRun(newRun(t, { multitaskStrategy: 'enqueue' }));
    expect(queued).toMatchObject({ started: false, run: { status: 'pending' } });
    // A run is queued: finishing says so, and reject refuses even once nothing runs, until the queue is served.
    expect(await store.finishRun(first.run.run_id, 'replica-a', { status: 'success', usage: usage(1) })).toMatchObject({ queued: true });
    await expect(store.createRun(newRun(t))).rejects.toMatchObject({ code: 'THREAD_BUSY', status: 409 });
    const claimed = await store.claimRun('replica-b', LEASE_MS);
    expect(claimed?.run.run_id).toBe(queued.run.run_id);
    expect(claimed?.customerId).toMatch(/^customer-/);
    expect(claimed?.payload).toEqual({ messages: [{ role: 'user', content: 'hello' }], streamModes: [] });
  });

  it('queues a background run even on a free thread, for whichever replica claims it', async () => {
    const t = await thread();
    const background = await store.createRun(newRun(t, { background: true, payload: { messages: [{ role: 'user', content: 'later', id: 'm1' }], streamModes: ['values'] } }));
    expect(background).toMatchObject({ started: false, run: { status: 'pending' } });
    expect((await store.getThread(t))?.status).toBe('idle');
    const claimed = await store.claimRun('replica-b', LEASE_MS);
    expect(claimed?.run).toMatchObject({ run_id: background.run.run_id, status: 'running' });
    expect(claimed?.payload.streamModes).toEqual(['values']);
    expect((await store.getThread(t))?.status).toBe('busy');
    expect(await store.claimRun('replica-c', LEASE_MS)).toBeUndefined();
    await store.finishRun(background.run.run_id, 'replica-b', { status: 'success', usage: usage(1) });
  });

  it('claims in arrival order, one run per thread at a time', async () => {
    const [a, b] = [await thread(), await thread()];
    const a1 = await store.createRun(newRun(a, { background: true, multitaskStrategy: 'enqueue' }));
    const a2 = await store.createRun(newRun(a, { background: true, multitaskStrategy: 'enqueue' }));
    const b1 = await store.createRun(newRun(b, { background: true, multitaskStrategy: 'enqueue' }));
    const first = await store.claimRun('r1', LEASE_MS);
    const second = await store.claimRun('r2', LEASE_MS);
    // a2 waits for a1 to finish even though r3 has capacity.
    expect(await store.claimRun('r3', LEASE_MS)).toBeUndefined();
    expect([first?.run.run_id, second?.run.run_id]).toEqual([a1.run.run_id, b1.run.run_id]);
    await store.finishRun(a1.run.run_id, 'r1', { status: 'success', usage: usage(1) });
    expect((await store.claimRun('r3', LEASE_MS))?.run.run_id).toBe(a2.run.run_id);
    await store.finishRun(a2.run.run_id, 'r3', { status: 'success', usage: usage(1) });
    await store.finishRun(b1.run.run_id, 'r2', { status: 'success', usage: usage(1) });
  });

  it('fences finishes and renewals by owner, and sums usage into the thread', async () => {
    const t = await thread();
    const { run } = await store.createRun(newRun(t));
    expect(await store.finishRun(run.run_id, 'replica-b', { status: 'success', usage: usage(5) })).toBeUndefined();
    expect(await store.renewLeases('replica-b', [run.run_id], LEASE_MS)).toEqual([]);
    expect(await store.renewLeases('replica-a', [run.run_id], LEASE_MS)).toEqual([{ runId: run.run_id, cancelRequested: false }]);
    const after = await store.finishRun(run.run_id, 'replica-a', { status: 'success', usage: usage(2) });
    expect(after).toMatchObject({ queued: false, thread: { thread_id: t, status: 'idle', usage: { llmCalls: 2, promptTokens: 200, completionTokens: 20 } } });
    expect(after!.thread.usage.costUsd).toBeGreaterThan(0);
    // Finishing twice is a no-op: the run is no longer running.
    expect(await store.finishRun(run.run_id, 'replica-a', { status: 'error', usage: usage(9) })).toBeUndefined();
    const second = await store.createRun(newRun(t));
    const total = await store.finishRun(second.run.run_id, 'replica-a', { status: 'error', usage: usage(3), error: { code: 'AGENT_ERROR', message: 'boom', status: 500 } });
    expect(total).toMatchObject({ thread: { status: 'error', usage: { llmCalls: 5, promptTokens: 500 } } });
    expect(await store.getRun(t, second.run.run_id)).toMatchObject({ status: 'error', error: { code: 'AGENT_ERROR', message: 'boom', status: 500 }, usage: { llmCalls: 3 } });
    expect((await store.listRuns(t, 10, 0)).map((r) => r.run_id)).toEqual([second.run.run_id, run.run_id]);
    expect((await store.listRuns(t, 1, 1)).map((r) => r.run_id)).toEqual([run.run_id]);
  });

  it('interrupts a run whose lease expired, records why, and frees its thread at once', async () => {
    const t = await thread();
    const { run } = await store.createRun(newRun(t, { leaseMs: 1, owner: 'dead-replica' }));
    await sleep(30);
    const swept = await store.interruptRuns({ leaseExpired: true }, INTERRUPTED);
    expect(swept.map((r) => r.run_id)).toContain(run.run_id);
    expect(await store.getRun(t, run.run_id)).toMatchObject({ status: 'interrupted', error: INTERRUPTED });
    expect((await store.getThread(t))?.status).not.toBe('busy');
    // The dead replica, were it only slow, can no longer write over the record.
    expect(await store.renewLeases('dead-replica', [run.run_id], LEASE_MS)).toEqual([]);
    expect(await store.finishRun(run.run_id, 'dead-replica', { status: 'success', usage: usage(1) })).toBeUndefined();
    expect((await store.getRun(t, run.run_id))?.status).toBe('interrupted');
    const next = await store.createRun(newRun(t));
    expect(next.started).toBe(true);
    // A lease being renewed is never swept.
    const swept2 = await store.interruptRuns({ leaseExpired: true }, INTERRUPTED);
    expect(swept2.map((r) => r.run_id)).not.toContain(next.run.run_id);
    await store.finishRun(next.run.run_id, 'replica-a', { status: 'success', usage: usage(1) });
  });

  it("interrupts one owner's runs, or everyone else's", async () => {
    const [a, b] = [await thread(), await thread()];
    const mine = await store.createRun(newRun(a, { owner: 'me' }));
    const theirs = await store.createRun(newRun(b, { owner: 'them' }));
    expect((await store.interruptRuns({ ownerNot: 'me' }, INTERRUPTED)).map((r) => r.run_id)).toContain(theirs.run.run_id);
    expect((await store.getRun(a, mine.run.run_id))?.status).toBe('running');
    expect((await store.interruptRuns({ owner: 'me' }, INTERRUPTED)).map((r) => r.run_id)).toEqual([mine.run.run_id]);
  });

  it('cancels a queued run at once and flags a running one for its owner', async () => {
    const t = await thread();
    const running = await store.createRun(newRun(t));
    const queued = await store.createRun(newRun(t, { multitaskStrategy: 'enqueue' }));
    const cancelled = { code: 'RUN_CANCELLED', message: 'cancelled', status: 409 };
    expect(await store.requestCancel(t, queued.run.run_id, cancelled)).toMatchObject({ status: 'interrupted', error: cancelled });
    expect(await store.requestCancel(t, running.run.run_id, cancelled)).toMatchObject({ status: 'running' });
    expect(await store.renewLeases('replica-a', [running.run.run_id], LEASE_MS)).toEqual([{ runId: running.run.run_id, cancelRequested: true }]);
    expect(await store.requestCancel(t, 'no-such-run', cancelled)).toBeUndefined();
    await store.finishRun(running.run.run_id, 'replica-a', { status: 'interrupted', usage: usage(0), error: cancelled });
    expect(await store.claimRun('replica-b', LEASE_MS)).toBeUndefined();
  });

  it('lets exactly one of many simultaneous runs on a thread start', async () => {
    const t = await thread();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => outcome(store.createRun(newRun(t, { owner: `replica-${i % 3}` })))));
    const started = results.filter((r) => r.ok);
    expect(started).toHaveLength(1);
    expect(results.filter((r) => !r.ok).every((r) => !r.ok && isConciergeError(r.error, 'THREAD_BUSY'))).toBe(true);
  });

  it('hands each queued run to exactly one of many simultaneous claimers, never two on one thread', async () => {
    const threads = [await thread(), await thread(), await thread()];
    const queued: string[] = [];
    for (let i = 0; i < 9; i += 1) queued.push((await store.createRun(newRun(threads[i % 3]!, { background: true, multitaskStrategy: 'enqueue' }))).run.run_id);
    const seen: string[] = [];
    while (seen.length < queued.length) {
      const claims = await Promise.all(Array.from({ length: 6 }, async (_, i) => ({ owner: `claimer-${i}`, claim: await store.claimRun(`claimer-${i}`, LEASE_MS) })));
      const round = claims.filter((c) => c.claim !== undefined);
      expect(round.length).toBeGreaterThan(0);
      // Never two running on one thread within a round.
      expect(new Set(round.map((c) => c.claim!.run.thread_id)).size).toBe(round.length);
      for (const { owner, claim } of round) {
        seen.push(claim!.run.run_id);
        expect(await store.finishRun(claim!.run.run_id, owner, { status: 'success', usage: usage(1) })).toBeDefined();
      }
    }
    expect([...seen].sort()).toEqual([...queued].sort());
    // Within each thread, in the order the runs were queued.
    for (let k = 0; k < 3; k += 1) {
      const ofThread = queued.filter((_, i) => i % 3 === k);
      expect(seen.filter((id) => ofThread.includes(id))).toEqual(ofThread);
    }
    expect((await store.runCounts()).pending).toBe(0);
  });

  it('ends a queued run once its deadline has passed instead of starting it, and records why', async () => {
    const t = await thread();
    const before = await store.runCounts();
    const late = await store.createRun(newRun(t, { background: true, deadlineMs: 1 }));
    const patient = await store.createRun(newRun(await thread(), { background: true }));
    expect(await store.runCounts()).toEqual({ pending: before.pending + 2, running: before.running });
    await sleep(50);
    // Past its deadline the first is never claimed; the one without a deadline is.
    const claimed = await store.claimRun('replica-a', LEASE_MS);
    expect(claimed?.run.run_id).toBe(patient.run.run_id);
    expect(claimed?.deadlineInMs).toBeUndefined();
    expect(await store.runCounts()).toEqual({ pending: before.pending + 1, running: before.running + 1 });
    const expired = await store.expireQueued(SHED);
    expect(expired).toEqual([{ run: expect.objectContaining({ run_id: late.run.run_id, status: 'error', error: SHED }), customerId: expect.stringMatching(/^customer-/) }]);
    expect(await store.getRun(t, late.run.run_id)).toMatchObject({ status: 'error', error: { code: 'OVERLOADED', retryAfterMs: 1500 } });
    // Never started: its thread is as it was, and takes new runs.
    expect((await store.getThread(t))?.status).toBe('idle');
    expect(await store.expireQueued(SHED)).toEqual([]);
    const again = await store.createRun(newRun(t));
    expect(again.started).toBe(true);
    await store.finishRun(again.run.run_id, 'replica-a', { status: 'success', usage: usage(1) });
    await store.finishRun(claimed!.run.run_id, 'replica-a', { status: 'success', usage: usage(1) });
  });

  it("counts a follow-up turn's deadline from the end of its thread's previous run, and hands over what is left", async () => {
    const t = await thread();
    const first = await store.createRun(newRun(t, { deadlineMs: 1 }));
    const followUp = await store.createRun(newRun(t, { multitaskStrategy: 'enqueue', deadlineMs: 2000 }));
    await sleep(2100);
    // Its thread is busy: it waits for its own turn, however long that takes.
    expect(await store.expireQueued(SHED)).toEqual([]);
    await store.finishRun(first.run.run_id, 'replica-a', { status: 'success', usage: usage(1) });
    expect(await store.expireQueued(SHED)).toEqual([]);
    const claimed = await store.claimRun('replica-b', LEASE_MS);
    expect(claimed?.run.run_id).toBe(followUp.run.run_id);
    expect(claimed?.deadlineInMs).toBeGreaterThan(0);
    expect(claimed?.deadlineInMs).toBeLessThanOrEqual(2000);
    await store.finishRun(claimed!.run.run_id, 'replica-b', { status: 'success', usage: usage(1) });
  });

  it('lets the next run on a thread wait its own deadline once the one before it expired', async () => {
    const t = await thread();
    const late = await store.createRun(newRun(t, { background: true, deadlineMs: 1 }));
    const next = await store.createRun(newRun(t, { background: true, multitaskStrategy: 'enqueue', deadlineMs: 60_000 }));
    await sleep(50);
    expect((await store.expireQueued(SHED)).map((e) => e.run.run_id)).toEqual([late.run.run_id]);
    const claimed = await store.claimRun('replica-a', LEASE_MS);
    expect(claimed?.run.run_id).toBe(next.run.run_id);
    expect(claimed?.deadlineInMs).toBeGreaterThan(50_000);
    await store.finishRun(claimed!.run.run_id, 'replica-a', { status: 'success', usage: usage(1) });
    expect((await store.runCounts()).pending).toBe(0);
  });

  it('either starts or expires each queued run, never both, when replicas race', async () => {
    const runs: string[] = [];
    for (let i = 0; i < 12; i += 1) runs.push((await store.createRun(newRun(await thread(), { background: true, deadlineMs: i % 2 === 0 ? 1 : 60_000 }))).run.run_id);
    await sleep(50);
    const rounds = await Promise.all(
      Array.from({ length: 4 }, async (_, i) => {
        const expired = (await store.expireQueued(SHED)).map((e) => e.run.run_id);
        const claimed: string[] = [];
        for (let claim = await store.claimRun(`racer-${i}`, LEASE_MS); claim; claim = await store.claimRun(`racer-${i}`, LEASE_MS)) claimed.push(claim.run.run_id);
        return { expired, claimed };
      }),
    );
    const expired = rounds.flatMap((r) => r.expired);
    const claimed = rounds.flatMap((r) => r.claimed);
    expect([...expired].sort()).toEqual(runs.filter((_, i) => i % 2 === 0).sort());
    expect([...claimed].sort()).toEqual(runs.filter((_, i) => i % 2 === 1).sort());
  });
});
