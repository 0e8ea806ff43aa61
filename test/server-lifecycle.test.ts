import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { findOpenDate, startTestServer } from './helpers/test-server.js';

/** With the simulator's real latency, so that runs are still going when we act. */
describe('runs in progress', () => {
  const headers = (customer: string) => ({ 'content-type': 'application/json', 'x-customer-id': customer });
  const body = JSON.stringify({ assistant_id: 'concierge', input: { messages: [{ role: 'user', content: 'What services do you offer?' }] } });

  it("never lets a customer join another customer's run, even through their own thread", async () => {
    const server = await startTestServer({ simLatency: 'gpt-4o-mini' });
    try {
      const thread = async (customer: string) => ((await (await fetch(`${server.url}/threads`, { method: 'POST', headers: headers(customer), body: '{}' })).json()) as { thread_id: string }).thread_id;
      const alices = await thread('alice');
      const bobs = await thread('bob');
      const run = (await (await fetch(`${server.url}/threads/${alices}/runs`, { method: 'POST', headers: headers('alice'), body })).json()) as { run_id: string };
      const stolen = await fetch(`${server.url}/threads/${bobs}/runs/${run.run_id}/join`, { headers: headers('bob') });
      expect(stolen.status).toBe(404);
      const own = await fetch(`${server.url}/threads/${alices}/runs/${run.run_id}/join`, { headers: headers('alice') });
      expect(own.status).toBe(200);
    } finally {
      await server.stop();
    }
  });

  it('records a run still going when the shutdown grace ends as interrupted, and answers 503', async () => {
    const server = await startTestServer({ simLatency: 'gpt-4o-mini', shutdownGraceMs: '50' });
    let stopped = false;
    try {
      const thread = ((await (await fetch(`${server.url}/threads`, { method: 'POST', headers: headers('carol'), body: '{}' })).json()) as { thread_id: string }).thread_id;
      const answer = fetch(`${server.url}/threads/${thread}/runs/wait`, { method: 'POST', headers: headers('carol'), body });
      await new Promise((r) => setTimeout(r, 100));
      const closing = server.close();
      const response = await answer;
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ code: 'RUN_INTERRUPTED' });
      await closing;
      stopped = true;
    } finally {
      if (!stopped) await server.close();
      rmSync(server.dir, { recursive: true, force: true });
    }
  });

  it('reports a booking the run committed before the shutdown grace ended, in its error and its stored state', async () => {
    // The legacy agent writes its answer with a second model call after the booking: that call
    // is the window this test needs (the lean agent answers a booking from a template at once).
    const server = await startTestServer({ simLatency: 'gpt-4o-mini', shutdownGraceMs: '1', agentProfile: 'legacy' });
    let stopped = false;
    try {
      const date = await findOpenDate(server.url, 'beard-trim', '11:00', 3);
      const thread = ((await (await fetch(`${server.url}/threads`, { method: 'POST', headers: headers('erin'), body: '{}' })).json()) as { thread_id: string }).thread_id;
      const booking = JSON.stringify({ assistant_id: 'concierge', input: { messages: [{ role: 'user', content: `Please book a beard trim on ${date} at 11:00.` }] } });
      const answer = fetch(`${server.url}/threads/${thread}/runs/wait`, { method: 'POST', headers: headers('erin'), body: booking });
      // Stop once the booking is in, while the model is still writing its answer.
      let held: Array<{ code: string }> = [];
      for (let i = 0; i < 3000 && held.length === 0; i += 1) {
        held = await server.bookings.listForCustomer('erin');
        if (held.length === 0) await new Promise((r) => setTimeout(r, 5));
      }
      expect(held).toHaveLength(1);
      const closing = server.close();
      const response = await answer;
      const body = (await response.json()) as { code: string; message: string };
      expect(response.status).toBe(503);
      // Before: "send the message again", for a booking that had been committed.
      expect(body).toMatchObject({ code: 'RUN_INTERRUPTED', message: expect.stringContaining(held[0]!.code) });
      expect(body.message).not.toContain('send the message again');
      await closing;
      stopped = true;
      const again = await startTestServer({ db: join(server.dir, 'concierge.db') });
      try {
        const state = (await (await fetch(`${again.url}/threads/${thread}/state`, { headers: headers('erin') })).json()) as { values: { messages: Array<{ type: string; content: string }> } };
        expect(state.values.messages.at(-1)).toMatchObject({ type: 'ai', content: expect.stringContaining(held[0]!.code) });
      } finally {
        await again.stop();
      }
    } finally {
      if (!stopped) await server.close();
      rmSync(server.dir, { recursive: true, force: true });
    }
  });

  it('accepts a background run behind a busy thread at once, and runs it in turn', async () => {
    const server = await startTestServer({ simLatency: 'gpt-4o-mini' });
    try {
      const thread = ((await (await fetch(`${server.url}/threads`, { method: 'POST', headers: headers('dan'), body: '{}' })).json()) as { thread_id: string }).thread_id;
      let firstDone = false;
      const first = fetch(`${server.url}/threads/${thread}/runs/wait`, { method: 'POST', headers: headers('dan'), body }).then((r) => {
        firstDone = true;
        return r;
      });
      await new Promise((r) => setTimeout(r, 100));
      const queued = await fetch(`${server.url}/threads/${thread}/runs`, {
        method: 'POST',
        headers: headers('dan'),
        body: JSON.stringify({ ...(JSON.parse(body) as object), multitask_strategy: 'enqueue' }),
      });
      expect(queued.status).toBe(200);
      const run = (await queued.json()) as { run_id: string; status: string };
      expect(run.status).toBe('pending');
      expect(firstDone).toBe(false);
      expect((await first).status).toBe(200);
      const joined = await fetch(`${server.url}/threads/${thread}/runs/${run.run_id}/join`, { headers: headers('dan') });
      expect(joined.status).toBe(200);
      const values = (await joined.json()) as { messages: Array<{ type: string }> };
      expect(values.messages.filter((m) => m.type === 'human')).toHaveLength(2);
    } finally {
      await server.stop();
    }
  });
});
