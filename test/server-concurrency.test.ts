import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findOpenDate, startTestServer, type TestServer } from './helpers/test-server.js';

interface Values {
  messages: Array<{ type: string; content: unknown; tool_calls?: Array<{ name: string }> }>;
}

describe('many customers, one last slot', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  const headers = (customer: string) => ({ 'content-type': 'application/json', 'x-customer-id': customer });
  const newThread = async (customer: string) =>
    ((await (await fetch(`${server.url}/threads`, { method: 'POST', headers: headers(customer), body: '{}' })).json()) as { thread_id: string }).thread_id;
  const say = async (customer: string, thread: string, content: string) => {
    const response = await fetch(`${server.url}/threads/${thread}/runs/wait`, {
      method: 'POST',
      headers: headers(customer),
      body: JSON.stringify({ assistant_id: 'concierge', input: { messages: [{ role: 'user', content }] } }),
    });
    expect(response.status).toBe(200);
    return (await response.json()) as Values;
  };

  it('books the slot at most to its capacity and offers the others alternatives', async () => {
    // Hot towel shave has capacity 1: its free slot is the last one.
    const date = await findOpenDate(server.url, 'hot-towel-shave', '15:00');
    const customers = Array.from({ length: 50 }, (_, i) => `customer-${i}`);
    const threads = await Promise.all(customers.map((c) => newThread(c)));
    const answers = await Promise.all(customers.map((c, i) => say(c, threads[i]!, `Please book a Hot towel shave on ${date} at 15:00.`)));

    const owner = (await (await fetch(`${server.url}/v1/bookings?from=${date}&to=${date}`)).json()) as { bookings: Array<{ serviceId: string; time: string; status: string }> };
    const atSlot = owner.bookings.filter((b) => b.serviceId === 'hot-towel-shave' && b.time === '15:00' && b.status === 'confirmed');
    expect(atSlot).toHaveLength(1);

    // A refused customer learned it either from the booking (SLOT_FULL with alternatives) or,
    // arriving later, from the availability check; either way the reply offers other times.
    let refused = 0;
    for (const answer of answers) {
      const results = answer.messages.filter((m) => m.type === 'tool').map((m) => JSON.parse(String(m.content)) as Record<string, any>);
      if (results.some((r) => r.ok === true)) continue;
      refused += 1;
      const full = results.find((r) => r.error?.code === 'SLOT_FULL');
      const checked = results.find((r) => r.requested?.available === false);
      const offered: Array<{ time: string }> = full?.alternatives ?? checked?.slots ?? [];
      expect(full ?? checked, JSON.stringify(results)).toBeDefined();
      expect(offered.length).toBeGreaterThan(0);
      const reply = String(answer.messages.at(-1)?.content);
      expect(offered.some((a) => reply.includes(a.time)), reply).toBe(true);
    }
    expect(refused).toBe(49);
  });

  it('books once when the same request is retried on a thread (idempotency)', async () => {
    // A service with room for three: the scripted model sometimes checks availability before
    // booking, and must then still see the slot open (its own booking takes one place of three).
    const date = await findOpenDate(server.url, 'beard-trim', '10:00');
    const thread = await newThread('retrier');
    const first = await say('retrier', thread, `Please book a Beard trim on ${date} at 10:00.`);
    const second = await say('retrier', thread, `Please book a Beard trim on ${date} at 10:00.`);
    const codeOf = (v: Values) => String(v.messages.at(-1)?.content).match(/BK-[A-Z0-9]{6}/)?.[0];
    expect(codeOf(first)).toBeDefined();
    expect(codeOf(second)).toBe(codeOf(first));
    const owner = (await (await fetch(`${server.url}/v1/bookings?customer=retrier`)).json()) as { bookings: unknown[] };
    expect(owner.bookings).toHaveLength(1);
  });
});
