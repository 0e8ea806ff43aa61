import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { AgentGraph } from '../src/agent/graph.js';
import { createLocalBus } from '../src/cluster/coordination-bus.js';
import { createPollingRelay } from '../src/cluster/event-relay.js';
import { RunExecutor } from '../src/server/run-executor.js';
import type { RunStore } from '../src/store/run-store.js';
import { openSqliteRunStore } from '../src/store/sqlite-run-store.js';

/**
 * A replica never executes more runs than its slots, even when a run is started here while
 * a claim for a queued one is in flight: the executor on real SQLite, with the store's claims
 * held by the test until it lets them through, so the race happens on every run of the test.
 */

const MODEL = 'gpt-4o-mini';

/** Runs that end only when released; records which threads ran. */
function heldAgent() {
  const invoked: string[] = [];
  const waiting: Array<() => void> = [];
  const graph = {
    invoke: async (_input: unknown, config: { configurable: { thread_id: string } }) => {
      invoked.push(config.configurable.thread_id);
      await new Promise<void>((resolve) => waiting.push(resolve));
      return { messages: [] };
    },
    getState: async () => ({ values: { messages: [] } }),
  } as unknown as AgentGraph;
  return { graph, invoked, release: () => waiting.splice(0).forEach((resolve) => resolve()) };
}

/** The store, with every claim waiting at the door until `open()`; `arrived` resolves when one is waiting. */
function gatedClaims(store: RunStore) {
  let open!: () => void;
  const door = new Promise<void>((resolve) => (open = resolve));
  let arrive!: () => void;
  const arrived = new Promise<void>((resolve) => (arrive = resolve));
  const gated = new Proxy(store, {
    get(target, key) {
      if (key === 'claimRun') {
        return async (...args: Parameters<RunStore['claimRun']>) => {
          arrive();
          await door;
          return target.claimRun(...args);
        };
      }
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store: gated, open, arrived };
}

describe('run slots', () => {
  const dir = mkdtempSync(join(tmpdir(), 'concierge-run-slots-'));
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function setup(name: string) {
    const store = openSqliteRunStore({ path: join(mkdtempSync(join(dir, `${name}-`)), 'runs.db'), model: MODEL });
    const gate = gatedClaims(store);
    const agent = heldAgent();
    const executor = new RunExecutor({
      graph: agent.graph,
      store: gate.store,
      replicaId: name,
      leaseMs: 30_000,
      maxConcurrentRuns: 1,
      relay: createPollingRelay({ pollMs: 50 }),
      bus: createLocalBus(),
      model: MODEL,
      runTimeoutMs: 60_000,
      messageDeadlineMs: 60_000,
      recursionLimit: 25,
      pollMs: 60_000,
    });
    cleanup.push(async () => {
      agent.release();
      await executor.drain();
      await executor.close();
      await store.close();
    });
    const request = async () => ({
      thread: await store.createThread({ customerId: 'customer', metadata: {} }),
      assistantId: 'concierge',
      messages: [{ role: 'user', content: 'hello' }],
      metadata: {},
      multitaskStrategy: 'reject' as const,
      streamModes: [],
      background: false,
    });
    return { store, gate, agent, executor, request };
  }

  it('queues a message that arrives while a claim holds the only slot, and runs the claimed one alone', async () => {
    const { store, gate, agent, executor, request } = await setup('claimed');
    const queued = await request();
    const waiting = await store.createRun({ threadId: queued.thread.thread_id, assistantId: 'concierge', metadata: {}, multitaskStrategy: 'reject', payload: { messages: queued.messages, streamModes: [] }, background: true, owner: 'elsewhere', leaseMs: 30_000 });
    expect(waiting.started).toBe(false);

    await executor.begin();
    await gate.arrived;
    const direct = executor.start(await request());
    gate.open();
    const run = await direct;

    expect(run.status).toBe('pending');
    expect(executor.stats().runs.executing).toBe(1);
    expect(agent.invoked).toEqual([queued.thread.thread_id]);
    expect((await store.getRun(waiting.run.thread_id, waiting.run.run_id))?.status).toBe('running');
  });

  it('starts a message at once when the claim in flight finds nothing to take', async () => {
    const { gate, agent, executor, request } = await setup('empty');
    await executor.begin();
    await gate.arrived;
    const message = await request();
    const direct = executor.start(message);
    gate.open();
    const run = await direct;

    expect(run.status).toBe('running');
    expect(executor.stats().runs.executing).toBe(1);
    await expect.poll(() => agent.invoked).toEqual([message.thread.thread_id]);
  });
});
