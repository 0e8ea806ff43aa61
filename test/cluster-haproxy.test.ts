import { Client } from '@langchain/langgraph-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCluster } from '../src/cluster/local-cluster.js';
import { startTestCluster } from './helpers/cluster.js';
import { sqlIn } from './helpers/postgres.js';

/**
 * Three `concierge serve` processes (the built CLI) on one Postgres schema and one Redis
 * prefix, behind HAProxy (round robin, no stickiness, health checks on /readyz), driven with
 * the official LangGraph SDK through the balancer only. The provider simulator runs in its own
 * process with a short but real latency, so runs are in flight when we act.
 */

const LEASE_MS = 3000;
let cluster: LocalCluster;
let schema: string;
let stop: () => Promise<void>;

interface Values {
  messages: Array<{ type: string; content: unknown; tool_calls?: Array<{ name: string }> }>;
}

/** An SDK client through the balancer that notes which replica answered each request. */
function sdk(customer: string): { client: Client; replicas: string[] } {
  const replicas: string[] = [];
  const recordingFetch: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    replicas.push(response.headers.get('x-concierge-replica') ?? 'none');
    return response;
  };
  const client = new Client({ apiUrl: cluster.url, defaultHeaders: { 'x-customer-id': customer }, callerOptions: { maxRetries: 0, fetch: recordingFetch } });
  return { client, replicas };
}

const input = (content: string) => ({ messages: [{ role: 'user', content }] });

async function freeSlots(service: string, count: number): Promise<Array<{ date: string; time: string }>> {
  const from = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
  const to = new Date(Date.now() + 16 * 86_400_000).toISOString().slice(0, 10);
  const body = (await (await fetch(`${cluster.url}/v1/availability?service=${service}&from=${from}&to=${to}`)).json()) as { slots: Array<{ date: string; time: string }> };
  expect(body.slots.length).toBeGreaterThanOrEqual(count);
  return body.slots.slice(0, count);
}

async function confirmedBookings(customerPrefix: string): Promise<Array<{ customer_id: string; local_date: string; local_time: string; service_id: string }>> {
  return sqlIn(schema, "SELECT customer_id, local_date, local_time, service_id FROM bookings WHERE status = 'confirmed' AND customer_id LIKE $1", [`${customerPrefix}%`]);
}

beforeAll(async () => {
  ({ cluster, schema, stop } = await startTestCluster({
    name: 'cluster_test',
    // The legacy agent answers a booking with a second model call, so a run lasts long enough
    // for another replica to join its stream while it executes.
    serveArgs: ['--lease-ms', String(LEASE_MS), '--database-pool-size', '6', '--shutdown-grace-ms', '2000', '--agent-profile', 'legacy'],
    simArgs: ['--latency', 'gpt-4o-mini', '--ttft-ms', '150', '--output-tps', '400'],
  }));
}, 120_000);

afterAll(async () => {
  await stop?.();
});

describe('three replicas behind HAProxy', () => {
  it('keeps a ten-turn conversation whole while its turns land on different replicas', async () => {
    const { client, replicas } = sdk('ten-turns');
    const thread = await client.threads.create();
    const questions = Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? `Turn ${i + 1}: what services do you offer?` : `Turn ${i + 1}: what are my bookings?`));
    const servedBy: string[] = [];
    for (const question of questions) {
      const before = replicas.length;
      const values = (await client.runs.wait(thread.thread_id, 'concierge', { input: input(question) })) as unknown as Values;
      servedBy.push(replicas[before]!);
      expect(values.messages.at(-1)?.type).toBe('ai');
    }
    expect(new Set(servedBy).size).toBeGreaterThanOrEqual(2);
    const state = await client.threads.getState<Values>(thread.thread_id);
    expect(state.values.messages.filter((m) => m.type === 'human').map((m) => m.content)).toEqual(questions);
    // Every human turn is followed by the agent's answer before the next one.
    const kinds = state.values.messages.map((m) => m.type);
    for (let i = 0; i < kinds.length; i += 1) if (kinds[i] === 'human' && i > 0) expect(kinds[i - 1]).toBe('ai');
  });

  it('follows a stream from another replica than the one executing the run, event for event', async () => {
    const origin = sdk('streamer');
    const thread = await origin.client.threads.create();
    const modes = ['values', 'updates', 'messages-tuple'] as const;
    const original: Array<{ event: string; data: unknown }> = [];
    let originalEnded = 0;
    const slot = (await freeSlots('beard-trim', 1))[0]!;
    const streaming = (async () => {
      for await (const part of origin.client.runs.stream(thread.thread_id, 'concierge', { input: input(`Please book a Beard trim on ${slot.date} at ${slot.time}.`), streamMode: [...modes] })) {
        original.push({ event: part.event, data: part.data });
      }
      originalEnded = Date.now();
    })();
    // The run's id comes with its first event.
    while (original.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    const runId = (original[0]!.data as { run_id: string }).run_id;
    const executing = origin.replicas[origin.replicas.length - 1]!;
    let followed: Array<{ event: string; data: unknown }> = [];
    let followerReplica = executing;
    let joinedAt = 0;
    for (let attempt = 0; attempt < 6 && followerReplica === executing; attempt += 1) {
      const follower = sdk('streamer');
      const controller = new AbortController();
      const events: Array<{ event: string; data: unknown }> = [];
      try {
        for await (const part of follower.client.runs.joinStream(thread.thread_id, runId, { streamMode: [...modes], signal: controller.signal })) {
          if (events.length === 0) {
            followerReplica = follower.replicas[0]!;
            joinedAt = Date.now();
            if (followerReplica === executing) {
              controller.abort();
              break;
            }
          }
          events.push({ event: part.event, data: part.data });
        }
      } catch (error) {
        if (!controller.signal.aborted) throw error;
      }
      followed = events;
    }
    await streaming;
    expect(followerReplica).not.toBe(executing);
    // It joined while the run was still going on the other replica.
    expect(joinedAt).toBeLessThan(originalEnded);
    expect(original.length).toBeGreaterThan(5);
    expect(followed).toEqual(original);
  });

  it('gives one capacity-1 slot to exactly one of 300 customers racing through the agent', async () => {
    const slot = (await freeSlots('hot-towel-shave', 1))[0]!;
    const customers = Array.from({ length: 300 }, (_, i) => `racer-${i}`);
    const results = await Promise.all(
      customers.map(async (customer) => {
        const { client, replicas } = sdk(customer);
        let thread = await client.threads.create();
        // 300 runs on two shared cores can outlast a 3 s lease: the replica is then fenced off and
        // answers a retryable 503 that says to send the message again, which a client does.
        for (let attempt = 1; ; attempt += 1) {
          try {
            const values = (await client.runs.wait(thread.thread_id, 'concierge', { input: input(`Please book a Hot towel shave on ${slot.date} at ${slot.time}.`) })) as unknown as Values;
            return { values, replica: replicas.at(-1)! };
          } catch (error) {
            if ((error as { status?: number }).status !== 503 || attempt >= 3) throw error;
            // On a new thread: the old one may still hold the fenced run until a sweep records it.
            thread = await client.threads.create();
          }
        }
      }),
    );
    expect(new Set(results.map((r) => r.replica)).size).toBe(3);
    const booked = (await confirmedBookings('racer-')).filter((b) => b.local_date === slot.date && b.local_time === slot.time);
    expect(booked).toHaveLength(1);
    // Everyone else was told it is taken (a refusal from the booking or the availability check).
    const confirmations = results.filter((r) => /BK-[A-Z0-9]{6}/.test(String(r.values.messages.at(-1)?.content)));
    expect(confirmations).toHaveLength(1);
  }, 120_000);

  it('survives kill -9 of a replica with 30 runs in flight: answers within the lease, re-sends succeed, nothing stays busy, nothing is booked twice', async () => {
    const slots = await freeSlots('classic-haircut', 30);
    const customers = slots.map((_, i) => `crash-${i}`);
    const clients = customers.map((c) => sdk(c));
    const threads = await Promise.all(clients.map(({ client }) => client.threads.create()));
    const intent = (i: number) => `Please book a Classic haircut on ${slots[i]!.date} at ${slots[i]!.time}.`;
    const settledAt: number[] = [];
    const firstAttempts = clients.map(({ client }, i) =>
      client.runs.wait(threads[i]!.thread_id, 'concierge', { input: input(intent(i)) }).then(
        (values) => ({ ok: true as const, values: values as unknown as Values, at: (settledAt[i] = Date.now()) }),
        (error: unknown) => ({ ok: false as const, status: (error as { status?: number }).status, error: String(error), at: (settledAt[i] = Date.now()) }),
      ),
    );
    // Kill the replica mid-booking: some bookings are committed, and it still has runs going.
    const victim = cluster.replicas[1]!;
    let executing = 0;
    for (let i = 0; i < 1000; i += 1) {
      executing = ((await (await fetch(`${victim.url}/stats`)).json()) as { cluster: { runs: { executing: number } } }).cluster.runs.executing;
      if (executing > 0 && (await confirmedBookings('crash-')).length >= 3) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(executing).toBeGreaterThan(0);
    const killedAt = Date.now();
    victim.process.kill('SIGKILL');
    const outcomes = await Promise.all(firstAttempts);
    // Every client heard something (an answer or a retryable error) within lease expiry + 10 s.
    for (const at of settledAt) expect(at - killedAt).toBeLessThan(LEASE_MS + 10_000);
    const failed = outcomes.map((o, i) => ({ o, i })).filter(({ o }) => !o.ok);
    expect(failed.length).toBeGreaterThan(0);
    // Retryable, every one: 502 from the balancer, 503 RUN_INTERRUPTED, 409 while the dead
    // replica's lease runs, or a connection HAProxy closed without an answer (it does so, so
    // that the client retries, when a request on a kept-alive connection loses its server).
    for (const { o } of failed) {
      if (o.ok) continue;
      if (o.status === undefined) expect(o.error).toMatch(/ConnectionError|fetch failed/);
      else expect([409, 502, 503]).toContain(o.status);
    }
    // The customers send their message again: half on the same thread, half on a new one.
    await Promise.all(
      failed.map(async ({ i }) => {
        const { client } = clients[i]!;
        const thread = i % 2 === 0 ? threads[i]!.thread_id : (await client.threads.create()).thread_id;
        for (let attempt = 0; ; attempt += 1) {
          try {
            const values = (await client.runs.wait(thread, 'concierge', { input: input(intent(i)) })) as unknown as Values;
            expect(String(values.messages.at(-1)?.content)).toMatch(/BK-[A-Z0-9]{6}/);
            return;
          } catch (error) {
            // A thread still held by the dead replica's run answers 409 until its lease expires.
            if (attempt > 40) throw error;
            await new Promise((resolve) => setTimeout(resolve, 500));
          }
        }
      }),
    );
    const stuck = await sqlIn(schema, "SELECT run_id FROM agent_runs WHERE status IN ('running', 'pending')");
    expect(stuck).toEqual([]);
    const busy = await sqlIn(schema, "SELECT thread_id FROM agent_threads WHERE status = 'busy'");
    expect(busy).toEqual([]);
    const interrupted = await sqlIn<{ error: { code: string } }>(schema, "SELECT error FROM agent_runs WHERE status = 'interrupted'");
    expect(interrupted.length).toBeGreaterThan(0);
    expect(interrupted.every((r) => r.error?.code === 'RUN_INTERRUPTED')).toBe(true);
    // One confirmed booking per intent: none lost, none twice.
    const booked = await confirmedBookings('crash-');
    expect(booked.map((b) => `${b.customer_id} ${b.local_date} ${b.local_time}`).sort()).toEqual(customers.map((c, i) => `${c} ${slots[i]!.date} ${slots[i]!.time}`).sort());
  }, 120_000);
});
