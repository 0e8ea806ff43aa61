import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AgentGraph } from '../src/agent/graph.js';
import { createLocalBus } from '../src/cluster/coordination-bus.js';
import { createPollingRelay } from '../src/cluster/event-relay.js';
import { isEnd, type RunEvent } from '../src/cluster/run-event-log.js';
import { RunExecutor } from '../src/server/run-executor.js';
import { ConciergeError } from '../src/shared/errors.js';
import type { MultitaskStrategy, RunStore } from '../src/store/run-store.js';
import { runStoreBackends } from './helpers/run-store-backends.js';

/**
 * The message deadline covers the time a run waits for a replica with room: the executor on
 * a real store (SQLite, and Postgres with two replicas), with room for two runs and an agent
 * that answers only when the test lets it, so that which run waits, and for how long, is
 * decided by the test and not by the machine's speed.
 */

const MODEL = 'gpt-4o-mini';
const DEADLINE_MS = 400;

/** An agent whose turns end only when released; it notes which threads it was asked to run. */
class HeldAgent {
  readonly invoked: string[] = [];
  hold = true;
  #waiting: Array<() => void> = [];

  readonly graph = {
    invoke: async (_input: unknown, config: { configurable: { thread_id: string } }) => {
      this.invoked.push(config.configurable.thread_id);
      if (this.hold) await new Promise<void>((resolve) => this.#waiting.push(resolve));
      return { messages: [] };
    },
    getState: async () => ({ values: { messages: [] } }),
  } as unknown as AgentGraph;

  release(): void {
    this.hold = false;
    for (const resolve of this.#waiting.splice(0)) resolve();
  }
}

const backends = runStoreBackends('queue-deadline', MODEL);

function executorOn(store: RunStore, agent: HeldAgent, replicaId: string, maxConcurrentRuns = 2): RunExecutor {
  return new RunExecutor({
    graph: agent.graph,
    store,
    replicaId,
    leaseMs: 30_000,
    maxConcurrentRuns,
    relay: createPollingRelay({ pollMs: 50 }),
    bus: createLocalBus(),
    model: MODEL,
    runTimeoutMs: 60_000,
    messageDeadlineMs: DEADLINE_MS,
    minRetryAfterMs: 100,
    recursionLimit: 25,
    pollMs: 50,
    log: (line) => console.error(`[${replicaId}] ${line}`),
  });
}

async function refusal(promise: Promise<unknown>): Promise<ConciergeError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ConciergeError) return error;
    throw error;
  }
  throw new Error('expected a refusal, got an answer');
}

describe.each(backends)('$name: the message deadline covers the wait for a replica', (backend) => {
  let store: RunStore;
  const executors: RunExecutor[] = [];
  const agents: HeldAgent[] = [];
  let n = 0;

  const thread = async () => store.createThread({ customerId: `customer-${(n += 1)}`, metadata: {} });
  const send = async (executor: RunExecutor, threadId?: string, multitaskStrategy: MultitaskStrategy = 'reject') => {
    const t = threadId ? (await store.getThread(threadId))! : await thread();
    return executor.start({ thread: t, assistantId: 'concierge', messages: [{ role: 'user', content: 'hello' }], metadata: {}, multitaskStrategy, streamModes: [], background: false });
  };
  const replica = async (id: string, maxConcurrentRuns = 2) => {
    const agent = new HeldAgent();
    const executor = executorOn(store, agent, id, maxConcurrentRuns);
    await executor.begin();
    executors.push(executor);
    agents.push(agent);
    return { executor, agent };
  };

  beforeAll(async () => {
    store = await backend.open();
  });
  afterEach(async () => {
    for (const agent of agents.splice(0)) agent.release();
    for (const executor of executors.splice(0)) {
      await executor.drain();
      await executor.close();
    }
  });
  afterAll(async () => {
    await store?.close();
    await backend.cleanup();
  });

  it('refuses a queued run with Retry-After once its deadline passes, records it, and never starts it', async () => {
    const { executor, agent } = await replica(`solo-${backend.name}`);
    const running = [await send(executor), await send(executor)];
    expect(running.map((r) => r.status)).toEqual(['running', 'running']);
    const waited = await send(executor);
    const streamed = await send(executor);
    expect([waited.status, streamed.status]).toEqual(['pending', 'pending']);

    const [refused, events] = await Promise.all([
      refusal(executor.answer(waited.thread_id, waited.run_id)),
      (async () => {
        const out: RunEvent[] = [];
        for await (const event of executor.events(streamed.thread_id, streamed.run_id)) out.push(event);
        return out;
      })(),
    ]);
    expect(refused).toMatchObject({ code: 'OVERLOADED', status: 503, details: { reason: 'deadline' } });
    expect(refused.retryable).toBe(true);
    expect(refused.retryAfterMs).toBeGreaterThanOrEqual(100);
    const end = events.at(-1)!;
    expect(isEnd(end) && end.data.error).toMatchObject({ code: 'OVERLOADED', retryAfterMs: expect.any(Number) });
    // Recorded, for join and GET on any replica, and never run.
    for (const run of [waited, streamed]) {
      expect(await store.getRun(run.thread_id, run.run_id)).toMatchObject({ status: 'error', error: { code: 'OVERLOADED', status: 503, retryAfterMs: expect.any(Number) } });
    }
    expect(agent.invoked).not.toContain(waited.thread_id);
    expect(agent.invoked).not.toContain(streamed.thread_id);
    expect((await store.runCounts()).pending).toBe(0);
    expect(executor.stats().runs.expiredInQueue).toBe(2);

    // The runs that had room still answer.
    agent.release();
    for (const run of running) await expect(executor.answer(run.thread_id, run.run_id)).resolves.toMatchObject({ values: { messages: [] } });
  });

  it('once it knows how long runs take, refuses at once, storing nothing, a message the queue would keep past its deadline', async () => {
    const { executor, agent } = await replica(`forecast-${backend.name}`);
    // Two runs held past the deadline teach it that a run takes longer than the deadline.
    const first = [await send(executor), await send(executor)];
    const queued = await send(executor);
    await refusal(executor.answer(queued.thread_id, queued.run_id));
    agent.release();
    for (const run of first) await executor.answer(run.thread_id, run.run_id);

    agent.hold = true;
    const busy = [await send(executor), await send(executor)];
    expect(busy.map((r) => r.status)).toEqual(['running', 'running']);
    const before = await store.runCounts();
    const refused = await refusal(send(executor));
    expect(refused).toMatchObject({ code: 'OVERLOADED', status: 503, details: { reason: 'queue-full' } });
    expect(refused.retryAfterMs).toBeGreaterThanOrEqual(100);
    // A second refusal is promised a later slot: refused callers do not all come back together.
    const again = await refusal(send(executor));
    expect(again.retryAfterMs).toBeGreaterThan(refused.retryAfterMs!);
    expect(await store.runCounts()).toEqual(before);
    expect(executor.stats().runs.refusedQueueFull).toBe(2);
  });

  it("lets a follow-up turn enqueued on a busy thread wait for that thread, then counts its deadline from the thread's previous run", async () => {
    const { executor, agent } = await replica(`enqueue-${backend.name}`);
    const turn = await send(executor);
    await send(executor);
    const followUp = await send(executor, turn.thread_id, 'enqueue');
    expect(followUp.status).toBe('pending');
    // Well past a deadline counted from its arrival, and expiry passes have run meanwhile.
    await sleep(DEADLINE_MS * 2);
    expect((await store.getRun(followUp.thread_id, followUp.run_id))?.status).toBe('pending');
    agent.release();
    await executor.answer(turn.thread_id, turn.run_id);
    await expect(executor.answer(followUp.thread_id, followUp.run_id)).resolves.toMatchObject({ values: { messages: [] } });
    expect((await store.getRun(followUp.thread_id, followUp.run_id))?.status).toBe('success');
  });

  it.runIf(backend.name === 'postgres')('refuses a run queued on one replica to a client waiting on another when no replica had room in time', async () => {
    const a = await replica('replica-a', 1);
    const b = await replica('replica-b', 1);
    await send(a.executor);
    await send(b.executor);
    const queued = await send(a.executor);
    expect(queued.status).toBe('pending');
    const refused = await refusal(b.executor.answer(queued.thread_id, queued.run_id));
    expect(refused).toMatchObject({ code: 'OVERLOADED', details: { reason: 'deadline' } });
    expect(refused.retryAfterMs).toBeGreaterThanOrEqual(100);
    expect([...a.agent.invoked, ...b.agent.invoked]).not.toContain(queued.thread_id);
  });
});
