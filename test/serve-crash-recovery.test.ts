import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@langchain/langgraph-sdk';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnCliServer } from './helpers/spawn-cli.js';

const RUNS = 20;
const SERVICE = 'beard-trim';

/**
 * The embedded default after a crash: `kill -9` of `concierge serve` with 20 runs in flight,
 * each a customer booking one slot (some have booked and are writing the answer, some are still
 * asking the model), then a restart on the same SQLite file. Every interrupted run says so (503
 * RUN_INTERRUPTED, its error recorded) instead of answering 200 with half a conversation; each
 * customer sends the message again, half on the same thread and half on a new one, and every
 * re-send succeeds; in the end each customer holds exactly the one booking they asked for.
 */
describe('concierge serve after kill -9', () => {
  const dir = mkdtempSync(join(tmpdir(), 'concierge-crash-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('answers interrupted runs with RUN_INTERRUPTED, re-sends succeed on any thread, and bookings equal intents', async () => {
    const db = join(dir, 'crash.db');
    const env = { OPENAI_API_KEY: '', OPENAI_BASE_URL: '' };
    // The legacy agent answers a booking with a second model call, so a run can be caught with
    // its booking committed and its answer unwritten; the lean agent answers from a template at once.
    const first = await spawnCliServer(['serve', '--port', '0', '--db', db, '--agent-profile', 'legacy'], env);
    const customer = (i: number) => `crash-${i}`;
    const client = (url: string, i: number) => new Client({ apiUrl: url, defaultHeaders: { 'x-customer-id': customer(i) }, callerOptions: { maxRetries: 0 } });
    const get = async (url: string, path: string, who = 'owner') => (await fetch(`${url}${path}`, { headers: { 'x-customer-id': who } })).json() as Promise<unknown>;

    // One free slot per customer, so that every intent can be met.
    const today = ((await get(first.url, '/v1/business')) as { today: string }).today;
    const from = new Date(Date.parse(`${today}T00:00:00Z`) + 2 * 86_400_000).toISOString().slice(0, 10);
    const to = new Date(Date.parse(`${today}T00:00:00Z`) + 20 * 86_400_000).toISOString().slice(0, 10);
    const { slots } = (await get(first.url, `/v1/availability?service=${SERVICE}&from=${from}&to=${to}`)) as { slots: Array<{ date: string; time: string }> };
    const intents = slots.slice(0, RUNS).map((slot) => `Please book a beard trim on ${slot.date} at ${slot.time}.`);
    expect(intents).toHaveLength(RUNS);

    const threads = await Promise.all(intents.map((_, i) => client(first.url, i).threads.create()));
    const runs = await Promise.all(threads.map((t, i) => client(first.url, i).runs.create(t.thread_id, 'concierge', { input: { messages: [{ role: 'user', content: intents[i]! }] } })));
    // Kill once some bookings are in while runs are still going: those are mid-booking.
    // (With the default latency profile a run takes a few seconds: one call to book, one to answer.)
    for (let i = 0; i < 6000; i += 1) {
      const { bookings } = (await get(first.url, '/v1/bookings?status=confirmed')) as { bookings: unknown[] };
      if (bookings.length >= 1) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    first.child.kill('SIGKILL');
    await first.exited;

    const second = await spawnCliServer(['serve', '--port', '0', '--db', db, '--agent-profile', 'legacy'], env);
    try {
      const stored = await Promise.all(runs.map((run, i) => client(second.url, i).runs.get(threads[i]!.thread_id, run.run_id)));
      const interrupted = stored.filter((run) => run.status === 'interrupted').length;
      expect(interrupted).toBeGreaterThanOrEqual(RUNS / 2);
      expect(second.stderr()).toContain(`${interrupted} run(s) left unfinished by an earlier stop were marked interrupted`);
      // Some were interrupted mid-booking: the booking committed, the answer never came.
      const before = (await get(second.url, '/v1/bookings?status=confirmed&limit=1000')) as { bookings: Array<{ customerId: string }> };
      const booked = new Set(before.bookings.map((b) => b.customerId));
      expect(stored.filter((run, i) => run.status === 'interrupted' && booked.has(customer(i))).length).toBeGreaterThanOrEqual(1);
      await Promise.all(
        runs.map(async (run, i) => {
          const path = `${second.url}/threads/${threads[i]!.thread_id}/runs/${run.run_id}`;
          const join = await fetch(`${path}/join`, { headers: { 'x-customer-id': customer(i) } });
          if (stored[i]!.status === 'interrupted') {
            // Before: 200 with partial state (ending on a tool message, usage.run null).
            expect(join.status).toBe(503);
            expect(await join.json()).toMatchObject({ code: 'RUN_INTERRUPTED' });
            const stream = await fetch(`${path}/stream`, { headers: { 'x-customer-id': customer(i) } });
            expect(stream.status).toBe(503);
            expect(stored[i]).toMatchObject({ status: 'interrupted', error: { code: 'RUN_INTERRUPTED', status: 503 } });
          } else {
            expect(stored[i]!.status).toBe('success');
            expect(join.status).toBe(200);
          }
          // The customer sends the message again: half on the same thread, half on a new one.
          const thread = i % 2 === 0 ? threads[i]!.thread_id : (await client(second.url, i).threads.create()).thread_id;
          const again = (await client(second.url, i).runs.wait(thread, 'concierge', { input: { messages: [{ role: 'user', content: intents[i]! }] } })) as { messages: Array<{ type: string; content: unknown }> };
          expect(again.messages.at(-1)?.type).toBe('ai');
          expect(String(again.messages.at(-1)?.content)).toMatch(/BK-[A-Z0-9]{6}/);
        }),
      );
      const { bookings } = (await get(second.url, '/v1/bookings?status=confirmed&limit=1000')) as { bookings: Array<{ customerId: string; date: string; time: string }> };
      const ours = bookings.filter((b) => b.customerId.startsWith('crash-'));
      // Confirmed bookings equal distinct intents: one per customer, none twice.
      expect(ours).toHaveLength(RUNS);
      expect(new Set(ours.map((b) => b.customerId)).size).toBe(RUNS);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
    // Two server starts and forty runs of the scripted model at its real latency, on a shared machine.
  }, 240_000);
});
