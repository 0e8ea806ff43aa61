import { Client } from '@langchain/langgraph-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropSchema, freshSchemaName, PG_URL, sqlIn } from './helpers/postgres.js';
import { dropKeys, freshPrefix } from './helpers/redis.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

/**
 * Two servers in this process on one Postgres schema and one Redis prefix: replicas without
 * a balancer, so each request goes where the test says. The multi-process test behind
 * HAProxy is test/cluster-haproxy.test.ts; this one pins down the cross-replica contract.
 */

const schema = freshSchemaName('replicas_test');
const prefix = freshPrefix();
const input = (content: string) => ({ messages: [{ role: 'user', content }] });
let a: TestServer;
let b: TestServer;

function client(server: TestServer, customer: string): Client {
  return new Client({ apiUrl: server.url, defaultHeaders: { 'x-customer-id': customer }, callerOptions: { maxRetries: 0 } });
}

/** `runs/wait` as a plain request, to read its status and headers. */
function postWait(server: TestServer, threadId: string, customer: string, content: string): Promise<Response> {
  return fetch(`${server.url}/threads/${threadId}/runs/wait`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-customer-id': customer },
    body: JSON.stringify({ assistant_id: 'concierge', input: input(content) }),
  });
}

async function collect(events: AsyncIterable<{ event: string; data: unknown }>): Promise<Array<{ event: string; data: unknown }>> {
  const out: Array<{ event: string; data: unknown }> = [];
  for await (const event of events) out.push({ event: event.event, data: event.data });
  return out;
}

beforeAll(async () => {
  const flags = (id: string) => ({ databaseUrl: PG_URL, databaseSchema: schema, databasePoolSize: '4', redisUrl: 'redis://127.0.0.1:6379', redisPrefix: prefix, replicaId: id, leaseMs: '2000', simLatency: 'off' });
  [a, b] = await Promise.all([startTestServer(flags('a')), startTestServer(flags('b'))]);
});

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await dropSchema(schema);
  await dropKeys(prefix);
});

describe('replicas on one Postgres and one Redis', () => {
  it('keeps one conversation whichever replica takes each turn, and says which replica answered', async () => {
    const thread = await client(a, 'ann').threads.create();
    let lastRun = '';
    for (let turn = 0; turn < 4; turn += 1) {
      const server = turn % 2 === 0 ? a : b;
      const response = await postWait(server, thread.thread_id, 'ann', `turn ${turn}: what services do you offer?`);
      expect(response.status).toBe(200);
      expect(response.headers.get('x-concierge-replica')).toBe(turn % 2 === 0 ? 'a' : 'b');
      lastRun = response.headers.get('content-location')!.split('/').at(-1)!;
    }
    // A run answered by runs/wait, followed afterwards as a stream from the other replica.
    const replay = await collect(client(a, 'ann').runs.joinStream(thread.thread_id, lastRun, { streamMode: ['values'] }));
    expect(replay.map((e) => e.event)).toEqual(['metadata', 'values', 'end']);
    expect(replay[1]!.data).toMatchObject({ usage: { run: { llmCalls: expect.any(Number) } } });
    const state = await client(b, 'ann').threads.getState<{ messages: Array<{ type: string; content: string }> }>(thread.thread_id);
    expect(state.values.messages.filter((m) => m.type === 'human').map((m) => m.content)).toEqual([0, 1, 2, 3].map((t) => `turn ${t}: what services do you offer?`));
    const runs = await sqlIn<{ n: string }>(schema, "SELECT count(*) AS n FROM agent_runs WHERE thread_id = $1 AND status = 'success'", [thread.thread_id]);
    expect(runs[0]!.n).toBe('4');
  });

  it('refuses a second run on a busy thread from the other replica, and queues it when asked', async () => {
    const thread = await client(a, 'bob').threads.create();
    // A run in progress on replica a, as the database records it.
    const runId = '7c0f6a4e-0000-4000-8000-000000000002';
    await sqlIn(schema, "INSERT INTO agent_runs (run_id, thread_id, assistant_id, status, metadata, multitask_strategy, payload, owner, lease_expires_at) VALUES ($1, $2, 'concierge', 'running', '{}', 'reject', '{}', 'a', now() + interval '1 hour')", [runId, thread.thread_id]);
    const busy = await postWait(b, thread.thread_id, 'bob', 'And the prices?');
    expect(busy.status).toBe(409);
    expect(await busy.json()).toMatchObject({ code: 'THREAD_BUSY' });
    const queued = await client(b, 'bob').runs.create(thread.thread_id, 'concierge', { input: input('What services do you offer?'), multitaskStrategy: 'enqueue' });
    expect(queued.status).toBe('pending');
    // Behind a queued run, reject refuses too.
    await expect(client(a, 'bob').runs.create(thread.thread_id, 'concierge', { input: input('Hello') })).rejects.toThrow(/409/);
    const joining = client(a, 'bob').runs.join(thread.thread_id, queued.run_id);
    // The first run ends; a replica claims the queued one.
    await sqlIn(schema, "UPDATE agent_runs SET status = 'success', owner = NULL, lease_expires_at = NULL WHERE run_id = $1", [runId]);
    const joined = (await joining) as { messages: Array<{ type: string }> };
    expect(joined.messages.filter((m) => m.type === 'human')).toHaveLength(1);
    expect((await client(b, 'bob').runs.get(thread.thread_id, queued.run_id)).status).toBe('success');
  });

  it('streams a run on one replica and follows it from the other, event for event', async () => {
    const thread = await client(a, 'cy').threads.create();
    const run = await client(a, 'cy').runs.create(thread.thread_id, 'concierge', { input: input('What services do you offer?'), streamMode: ['values', 'updates', 'messages-tuple'] });
    const [onA, onB] = await Promise.all([
      collect(client(a, 'cy').runs.joinStream(thread.thread_id, run.run_id, { streamMode: ['values', 'updates', 'messages-tuple'] })),
      collect(client(b, 'cy').runs.joinStream(thread.thread_id, run.run_id, { streamMode: ['values', 'updates', 'messages-tuple'] })),
    ]);
    expect(onA.length).toBeGreaterThan(3);
    expect(onB).toEqual(onA);
    expect(onA[0]!.event).toBe('metadata');
    expect(onA.slice(-2).map((e) => e.event)).toEqual(['values', 'end']);
    // Late: the run has ended; its events are still replayed in full from the other replica.
    expect(await collect(client(b, 'cy').runs.joinStream(thread.thread_id, run.run_id, { streamMode: ['values', 'updates', 'messages-tuple'] }))).toEqual(onA);
  });

  it("answers join and the run's stream with 503 RUN_INTERRUPTED once a dead replica's lease expires, and frees the thread", async () => {
    const thread = await client(a, 'dee').threads.create();
    // A run left running by a replica that died: its lease expires and is never renewed.
    const runId = '7c0f6a4e-0000-4000-8000-000000000001';
    await sqlIn(schema, "INSERT INTO agent_runs (run_id, thread_id, assistant_id, status, metadata, multitask_strategy, payload, owner, lease_expires_at) VALUES ($1, $2, 'concierge', 'running', '{}', 'reject', '{}', 'dead', now() + interval '1 second')", [runId, thread.thread_id]);
    await sqlIn(schema, "UPDATE agent_threads SET status = 'busy' WHERE thread_id = $1", [thread.thread_id]);
    const started = Date.now();
    const join = await fetch(`${b.url}/threads/${thread.thread_id}/runs/${runId}/join`, { headers: { 'x-customer-id': 'dee' } });
    expect(join.status).toBe(503);
    expect(await join.json()).toMatchObject({ code: 'RUN_INTERRUPTED' });
    expect(join.headers.get('retry-after')).toBeTruthy();
    // Answered once the lease ran out and a sweep saw it, not at some timeout.
    expect(Date.now() - started).toBeLessThan(15_000);
    const stream = await fetch(`${a.url}/threads/${thread.thread_id}/runs/${runId}/stream`, { headers: { 'x-customer-id': 'dee' } });
    expect(stream.status).toBe(503);
    expect(await client(a, 'dee').runs.get(thread.thread_id, runId)).toMatchObject({ status: 'interrupted', error: { code: 'RUN_INTERRUPTED', status: 503 } });
    const next = await client(a, 'dee').runs.wait(thread.thread_id, 'concierge', { input: input('Hello again') });
    expect((next as { messages: unknown[] }).messages.length).toBeGreaterThan(0);
  });

  it('cancels a queued run from the other replica, and reports replica, store and relay in /stats and /readyz', async () => {
    const thread = await client(a, 'eve').threads.create();
    const runId = '7c0f6a4e-0000-4000-8000-000000000003';
    await sqlIn(schema, "INSERT INTO agent_runs (run_id, thread_id, assistant_id, status, metadata, multitask_strategy, payload, owner, lease_expires_at) VALUES ($1, $2, 'concierge', 'running', '{}', 'reject', '{}', 'a', now() + interval '1 hour')", [runId, thread.thread_id]);
    const queued = await client(b, 'eve').runs.create(thread.thread_id, 'concierge', { input: input('Book me'), multitaskStrategy: 'enqueue' });
    const cancelled = await fetch(`${a.url}/threads/${thread.thread_id}/runs/${queued.run_id}/cancel`, { method: 'POST', headers: { 'x-customer-id': 'eve' } });
    expect(cancelled.status).toBe(200);
    expect(await client(b, 'eve').runs.get(thread.thread_id, queued.run_id)).toMatchObject({ status: 'interrupted', error: { code: 'RUN_CANCELLED' } });
    await sqlIn(schema, "UPDATE agent_runs SET status = 'success', owner = NULL, lease_expires_at = NULL WHERE run_id = $1", [runId]);
    const stats = (await (await fetch(`${b.url}/stats`)).json()) as { replicaId: string; cluster: { store: string; relay: string; leases: { leaseMs: number } }; cpu: { user: number } };
    expect(stats).toMatchObject({ replicaId: 'b', cluster: { store: 'postgres', relay: 'redis', leases: { leaseMs: 2000 } } });
    expect(stats.cpu.user).toBeGreaterThan(0);
    const ready = (await (await fetch(`${a.url}/readyz`)).json()) as { checks: Record<string, boolean> };
    expect(ready.checks).toEqual({ database: true, redis: true });
  });

  it('cancels a run executing on another replica: its replica stops it, its caller hears RUN_CANCELLED', async () => {
    // The answer cache off: the run must be executing (on the model) when the cancel arrives.
    const slow = await startTestServer({ databaseUrl: PG_URL, databaseSchema: schema, databasePoolSize: '4', redisUrl: 'redis://127.0.0.1:6379', redisPrefix: prefix, replicaId: 'slow', leaseMs: '2000', simLatency: 'gpt-4o-mini', answerCache: 'off' });
    try {
      const thread = await client(slow, 'hal').threads.create();
      const answer = postWait(slow, thread.thread_id, 'hal', 'What services do you offer?');
      let runId: string | undefined;
      for (let i = 0; i < 300 && !runId; i += 1) {
        runId = (await sqlIn<{ run_id: string }>(schema, "SELECT run_id FROM agent_runs WHERE thread_id = $1 AND status = 'running'", [thread.thread_id]))[0]?.run_id;
        if (!runId) await new Promise((r) => setTimeout(r, 10));
      }
      const cancelled = await fetch(`${a.url}/threads/${thread.thread_id}/runs/${runId}/cancel?wait=1`, { method: 'POST', headers: { 'x-customer-id': 'hal' } });
      expect(cancelled.status).toBe(200);
      expect(await cancelled.json()).toMatchObject({ status: 'interrupted', error: { code: 'RUN_CANCELLED' } });
      const response = await answer;
      expect(response.status).toBe(409);
      expect(await response.json()).toMatchObject({ code: 'RUN_CANCELLED' });
      // The thread takes the next message at once.
      const next = await client(b, 'hal').runs.create(thread.thread_id, 'concierge', { input: input('Hello again') });
      expect(next.status).toBe('pending');
    } finally {
      await slow.stop();
    }
  });

  it('on shutdown: not ready at once, claims nothing more, finishes its runs within the grace, releases its leases', async () => {
    const flags = { databaseUrl: PG_URL, databaseSchema: schema, databasePoolSize: '4', redisUrl: 'redis://127.0.0.1:6379', redisPrefix: prefix, replicaId: 'c', leaseMs: '2000', simLatency: 'gpt-4o-mini', shutdownGraceMs: '20000', answerCache: 'off' };
    // The answer cache off: the run in progress must really be in progress when shutdown begins.
    const c = await startTestServer(flags);
    let closed = false;
    try {
      const thread = await client(c, 'fay').threads.create();
      const answer = postWait(c, thread.thread_id, 'fay', 'What services do you offer?');
      for (let i = 0; i < 200 && (await sqlIn(schema, "SELECT 1 FROM agent_runs WHERE owner = 'c'")).length === 0; i += 1) await new Promise((r) => setTimeout(r, 10));
      const closing = c.close().then(() => (closed = true));
      const ready = await fetch(`${c.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ shuttingDown: true });
      const refused = await fetch(`${c.url}/threads`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-customer-id': 'fay' }, body: '{}' });
      expect(refused.status).toBe(503);
      expect(await refused.json()).toMatchObject({ code: 'SHUTTING_DOWN' });
      // A run queued now is taken by another replica, never by the one stopping.
      const other = await client(a, 'fay').threads.create();
      const queued = await client(a, 'fay').runs.create(other.thread_id, 'concierge', { input: input('What are my bookings?') });
      await client(b, 'fay').runs.join(other.thread_id, queued.run_id);
      const owner = await sqlIn<{ owner: string | null }>(schema, 'SELECT owner FROM agent_runs WHERE run_id = $1', [queued.run_id]);
      // The replica that executed it keeps its name on the record.
      expect(['a', 'b']).toContain(owner[0]!.owner);
      // The run in progress finishes and answers; the lease goes with it.
      expect((await answer).status).toBe(200);
      await closing;
      expect(await sqlIn(schema, "SELECT run_id FROM agent_runs WHERE status = 'running'")).toEqual([]);
    } finally {
      if (!closed) await c.close();
    }
  });
});

describe('replicas without Redis: coordination through Postgres alone', () => {
  const bare = freshSchemaName('replicas_bare');
  let c: TestServer;
  let d: TestServer;
  beforeAll(async () => {
    const flags = (id: string) => ({ databaseUrl: PG_URL, databaseSchema: bare, databasePoolSize: '4', replicaId: id, leaseMs: '2000', simLatency: 'off' });
    [c, d] = await Promise.all([startTestServer(flags('c')), startTestServer(flags('d'))]);
  });
  afterAll(async () => {
    await Promise.all([c?.stop(), d?.stop()]);
    await dropSchema(bare);
  });

  it('queues, claims, joins and follows runs across replicas (slower to notice, still correct)', async () => {
    const thread = await client(c, 'gus').threads.create();
    const run = await client(c, 'gus').runs.create(thread.thread_id, 'concierge', { input: input('What services do you offer?'), streamMode: ['values'] });
    const joined = (await client(d, 'gus').runs.join(thread.thread_id, run.run_id)) as { messages: Array<{ type: string }>; usage: { run: { llmCalls: number } } };
    expect(joined.messages.filter((m) => m.type === 'human')).toHaveLength(1);
    expect(joined.usage.run.llmCalls).toBeGreaterThan(0);
    // Followed from the other replica: the final state, from the record and the checkpoint.
    const events = await collect(client(d, 'gus').runs.joinStream(thread.thread_id, run.run_id, { streamMode: ['values'] }));
    expect(events.at(-2)).toMatchObject({ event: 'values', data: { messages: expect.any(Array), usage: { run: { llmCalls: joined.usage.run.llmCalls } } } });
    expect(events.at(-1)?.event).toBe('end');
    const busy = await sqlIn(bare, "SELECT run_id FROM agent_runs WHERE status IN ('pending', 'running')");
    expect(busy).toEqual([]);
    const stats = (await (await fetch(`${d.url}/stats`)).json()) as { cluster: { relay: string; bus: string } };
    expect(stats.cluster).toMatchObject({ relay: 'none', bus: 'local' });
    expect(((await (await fetch(`${d.url}/readyz`)).json()) as { checks: Record<string, boolean> }).checks).toEqual({ database: true });
  });
});
