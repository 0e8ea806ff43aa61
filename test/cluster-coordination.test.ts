import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisBus, type BusMessage } from '../src/cluster/coordination-bus.js';
import { createPollingRelay } from '../src/cluster/event-relay.js';
import { RedisEventRelay } from '../src/cluster/redis-event-relay.js';
import { END_EVENT, type RunEvent } from '../src/cluster/run-event-log.js';
import { emptyDemand } from '../src/llm/demand-board.js';
import { RedisDemandBoard } from '../src/llm/redis-demand-board.js';
import { dropKeys, freshPrefix } from './helpers/redis.js';

/** Run events and bus messages between replicas, through the real Redis, under a prefix of our own. */

const PREFIX = freshPrefix();
let redis: Redis;

beforeAll(async () => {
  redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
  await redis.ping();
});

afterAll(async () => {
  redis.disconnect();
  await dropKeys(PREFIX);
});

async function collect(events: AsyncIterable<RunEvent>): Promise<RunEvent[]> {
  const out: RunEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

describe('Redis event relay', () => {
  it('gives a late follower every event from the first, then the live ones, in order', async () => {
    const relay = new RedisEventRelay({ redis, prefix: PREFIX, idleMs: 200 });
    const never = async () => undefined;
    relay.publish('run-1', { event: 'metadata', data: { run_id: 'run-1' } });
    relay.publish('run-1', { event: 'values', data: { n: 1 } });
    const early = collect(relay.follow('run-1', { checkEnded: never }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const late = collect(relay.follow('run-1', { checkEnded: never }));
    for (let n = 2; n <= 50; n += 1) relay.publish('run-1', { event: 'values', data: { n } });
    relay.publish('run-1', { event: END_EVENT, data: { status: 'success' } });
    const expected = [{ event: 'metadata', data: { run_id: 'run-1' } }, ...Array.from({ length: 50 }, (_, i) => ({ event: 'values', data: { n: i + 1 } })), { event: END_EVENT, data: { status: 'success' } }];
    expect(await early).toEqual(expected);
    expect(await late).toEqual(expected);
    // The stream outlives the run only for the retention time.
    expect(await redis.pttl(relay.key('run-1'))).toBeGreaterThan(0);
    await relay.close();
  });

  it('asks the database when the stream goes quiet, and ends with what it says', async () => {
    const relay = new RedisEventRelay({ redis, prefix: PREFIX, idleMs: 100 });
    relay.publish('run-2', { event: 'metadata', data: {} });
    let asked = 0;
    const events = await collect(
      relay.follow('run-2', {
        checkEnded: async () => ((asked += 1) < 3 ? undefined : { event: END_EVENT, data: { status: 'interrupted', error: { code: 'RUN_INTERRUPTED', message: 'gone' } } }),
      }),
    );
    expect(asked).toBe(3);
    expect(events.map((e) => e.event)).toEqual(['metadata', END_EVENT]);
    await relay.close();
  });

  it('stops following when the client goes away', async () => {
    const relay = new RedisEventRelay({ redis, prefix: PREFIX, idleMs: 5000 });
    const controller = new AbortController();
    const following = collect(relay.follow('run-3', { signal: controller.signal, checkEnded: async () => undefined }));
    setTimeout(() => controller.abort(), 50);
    expect(await following).toEqual([]);
    await relay.close();
  });

  it('without Redis, polls the database until the run ends', async () => {
    const relay = createPollingRelay({ pollMs: 10 });
    let asked = 0;
    const events = await collect(relay.follow('run-4', { checkEnded: async () => ((asked += 1) < 4 ? undefined : { event: END_EVENT, data: { status: 'success' } }) }));
    expect(events).toEqual([{ event: END_EVENT, data: { status: 'success' } }]);
    expect(asked).toBe(4);
  });
});

describe('Redis coordination bus', () => {
  it('reaches every replica once, its own handlers at once', async () => {
    const [a, b] = await Promise.all([createRedisBus({ redis, prefix: PREFIX, replicaId: 'a' }), createRedisBus({ redis, prefix: PREFIX, replicaId: 'b' })]);
    const seenA: BusMessage[] = [];
    const seenB: BusMessage[] = [];
    a.subscribe((m) => seenA.push(m));
    const arrived = new Promise<void>((resolve) =>
      b.subscribe((m) => {
        seenB.push(m);
        if (seenB.length === 2) resolve();
      }),
    );
    a.send({ kind: 'wake' });
    a.send({ kind: 'cancel', runId: 'run-9' });
    expect(seenA).toEqual([{ kind: 'wake' }, { kind: 'cancel', runId: 'run-9' }]);
    await arrived;
    expect(seenB).toEqual([{ kind: 'wake' }, { kind: 'cancel', runId: 'run-9' }]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(seenA).toHaveLength(2);
    await Promise.all([a.close(), b.close()]);
  });
});

describe('Redis admission demand board', () => {
  it("shows each replica the others' queues, and forgets a replica that stopped", async () => {
    const key = `${PREFIX}:demand`;
    const demandOf = (requests: number) => {
      const d = emptyDemand();
      d.rounds.new[0] = { requests, tokens: requests * 100 };
      d.pendingSteps = { requests: 1, tokens: 50 };
      return d;
    };
    const a = new RedisDemandBoard({ redis, key: () => key, replicaId: 'a', source: () => demandOf(3), intervalMs: 60_000, idleIntervalMs: 60_000, staleMs: 500 });
    const b = new RedisDemandBoard({ redis, key: () => key, replicaId: 'b', source: () => demandOf(5), intervalMs: 60_000, idleIntervalMs: 60_000, staleMs: 500 });
    const c = new RedisDemandBoard({ redis, key: () => key, replicaId: 'c', source: () => demandOf(7), intervalMs: 60_000, idleIntervalMs: 60_000, staleMs: 500 });
    await a.refresh();
    await b.refresh();
    await c.refresh();
    await a.refresh();
    expect(a.replicas()).toBe(3);
    expect(a.others().rounds.new[0]).toEqual({ requests: 12, tokens: 1200 });
    expect(a.others().pendingSteps).toEqual({ requests: 2, tokens: 100 });
    await c.close();
    // b stops refreshing: after the stale time it no longer counts, and its field goes.
    await new Promise((resolve) => setTimeout(resolve, 600));
    await a.refresh();
    expect(a.replicas()).toBe(1);
    expect(a.others().rounds.new[0]).toEqual({ requests: 0, tokens: 0 });
    expect(Object.keys(await redis.hgetall(key))).toEqual(['a']);
    await Promise.all([a.close(), b.close()]);
  });
});
