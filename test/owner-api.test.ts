import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findOpenDate, startTestServer, type TestServer } from './helpers/test-server.js';

const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe("owner's API for the console: cancel, move, capacity, business (dev mode)", () => {
  let server: TestServer;
  let date: string;

  beforeAll(async () => {
    server = await startTestServer();
    date = await findOpenDate(server.url, 'hot-towel-shave', '10:00');
  });
  afterAll(async () => server?.stop());

  it('moves and cancels any booking with the agent tools’ rules and codes', async () => {
    const { booking } = await server.bookings.book({ customerId: 'ann', service: 'hot-towel-shave', date, time: '10:00' });
    // Capacity 1: someone else's booking at 11:00 makes that slot full.
    await server.bookings.book({ customerId: 'bob', service: 'hot-towel-shave', date, time: '11:00' });

    const full = await fetch(`${server.url}/v1/bookings/${booking.code}/reschedule`, json({ date, time: '11:00' }));
    expect(full.status).toBe(409);
    const fullBody = (await full.json()) as { code: string; alternatives: Array<{ date: string; time: string }> };
    expect(fullBody.code).toBe('SLOT_FULL');
    expect(fullBody.alternatives.length).toBeGreaterThan(0);

    const closed = await fetch(`${server.url}/v1/bookings/${booking.code}/reschedule`, json({ date, time: '03:00' }));
    expect(closed.status).toBe(400);
    expect(((await closed.json()) as { code: string }).code).toBe('OUTSIDE_OPENING_HOURS');

    const incomplete = await fetch(`${server.url}/v1/bookings/${booking.code}/reschedule`, json({ date }));
    expect(incomplete.status).toBe(400);
    expect(((await incomplete.json()) as { code: string }).code).toBe('VALIDATION_FAILED');

    const moved = await fetch(`${server.url}/v1/bookings/${booking.code.toLowerCase()}/reschedule`, json({ date, time: '14:00' }));
    expect(moved.status).toBe(200);
    expect(((await moved.json()) as { booking: { time: string; customerId: string } }).booking).toMatchObject({ time: '14:00', customerId: 'ann' });

    const read = (await (await fetch(`${server.url}/v1/bookings/${booking.code}`)).json()) as { booking: { time: string } };
    expect(read.booking.time).toBe('14:00');

    const cancelled = await fetch(`${server.url}/v1/bookings/${booking.code}/cancel`, json({}));
    expect(cancelled.status).toBe(200);
    expect(((await cancelled.json()) as { booking: { status: string } }).booking.status).toBe('cancelled');
    const again = await fetch(`${server.url}/v1/bookings/${booking.code}/cancel`, json({}));
    expect(again.status).toBe(409);
    expect(((await again.json()) as { code: string }).code).toBe('ALREADY_CANCELLED');

    for (const path of ['/v1/bookings/BK-ZZZZZZ', '/v1/bookings/BK-ZZZZZZ/cancel']) {
      const missing = await fetch(`${server.url}${path}`, path.endsWith('cancel') ? json({}) : undefined);
      expect(missing.status).toBe(404);
      expect(((await missing.json()) as { code: string }).code).toBe('BOOKING_NOT_FOUND');
    }
  });

  it("counts a day's capacity per service in place-minutes and free starts", async () => {
    const before = (await (await fetch(`${server.url}/v1/capacity?date=${date}`)).json()) as { date: string; services: Array<{ serviceId: string; bookedMinutes: number; capacityMinutes: number; leftMinutes: number; freeStarts: number }> };
    const haircut = () => before.services.find((s) => s.serviceId === 'classic-haircut')!;
    expect(before.date).toBe(date);
    expect(before.services).toHaveLength(server.bookings.business.services.length);
    expect(haircut().capacityMinutes).toBeGreaterThan(0);
    await server.bookings.book({ customerId: 'cy', service: 'classic-haircut', date, time: '12:00' });
    const after = (await (await fetch(`${server.url}/v1/capacity?date=${date}`)).json()) as typeof before;
    const cut = after.services.find((s) => s.serviceId === 'classic-haircut')!;
    expect(cut.bookedMinutes - haircut().bookedMinutes).toBe(30);
    expect(cut.leftMinutes).toBe(cut.capacityMinutes - cut.bookedMinutes);
    expect((await fetch(`${server.url}/v1/capacity?date=tomorrow`)).status).toBe(400);
  });

  it('publishes the business and the client settings; serves the pages with a same-origin policy', async () => {
    const business = (await (await fetch(`${server.url}/v1/business`)).json()) as { name: string; openingHours: Record<string, unknown>; services: unknown[]; today: string };
    expect(business.name).toBe(server.bookings.business.name);
    expect(Object.keys(business.openingHours)).toContain('monday');
    expect(business.today).toBe(server.bookings.today());
    expect(await (await fetch(`${server.url}/v1/client-config`)).json()).toMatchObject({ auth: 'dev', devMode: true, maxMessageChars: 4000 });
    for (const path of ['/', '/owner', '/ops']) {
      const page = await fetch(`${server.url}${path}`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toContain('text/html');
      expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    }
    const script = await fetch(`${server.url}/widget.js`);
    expect(script.headers.get('content-type')).toContain('javascript');
    expect((await fetch(`${server.url}/web/chat.js`)).status).toBe(200);
    expect((await fetch(`${server.url}/web/../package.json`)).status).toBe(404);
  });

  it('counts answered messages, their latency and cost in /stats', async () => {
    const thread = (await (await fetch(`${server.url}/threads`, json({}))).json()) as { thread_id: string };
    const run = await fetch(`${server.url}/threads/${thread.thread_id}/runs/wait`, json({ assistant_id: 'concierge', input: { messages: [{ role: 'user', content: 'What services do you offer?' }] } }));
    expect(run.status).toBe(200);
    const stats = (await (await fetch(`${server.url}/stats`)).json()) as { messages: { answered: number; costUsd: number; latencyMs: { count: number; p50: number; p95: number } } };
    expect(stats.messages.answered).toBeGreaterThanOrEqual(1);
    expect(stats.messages.costUsd).toBeGreaterThan(0);
    expect(stats.messages.latencyMs.count).toBe(stats.messages.answered);
    expect(stats.messages.latencyMs.p95).toBeGreaterThanOrEqual(stats.messages.latencyMs.p50);
  });
});

describe("owner's API and CORS with keys", () => {
  let server: TestServer;
  const shop = 'http://shop.example';

  beforeAll(async () => {
    server = await startTestServer({ apiKeys: 'ck=carol', adminKeys: 'ak', corsOrigin: shop });
  });
  afterAll(async () => server?.stop());

  it('lets only admin keys change bookings', async () => {
    const date = await findOpenDate(server.url, 'beard-trim', '10:00');
    const { booking } = await server.bookings.book({ customerId: 'carol', service: 'beard-trim', date, time: '10:00' });
    const as = (key: string) => ({ ...json({}), headers: { 'content-type': 'application/json', 'x-api-key': key } });
    const customer = await fetch(`${server.url}/v1/bookings/${booking.code}/cancel`, as('ck'));
    expect(customer.status).toBe(403);
    expect(((await customer.json()) as { code: string }).code).toBe('FORBIDDEN');
    expect((await fetch(`${server.url}/v1/capacity`, { headers: { 'x-api-key': 'ck' } })).status).toBe(403);
    expect((await fetch(`${server.url}/v1/bookings/${booking.code}/cancel`, as('ak'))).status).toBe(200);
    expect(await (await fetch(`${server.url}/v1/client-config`)).json()).toMatchObject({ auth: 'api-key', devMode: false });
    // Pages and their files need no key; the page asks for one.
    expect((await fetch(`${server.url}/owner`)).status).toBe(200);
  });

  it('allows the widget’s origin on the agent API only, and lets it read refusals', async () => {
    const preflight = (path: string, origin = shop) =>
      fetch(`${server.url}${path}`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-api-key' } });
    const agent = await preflight('/threads');
    expect(agent.status).toBe(204);
    expect(agent.headers.get('access-control-allow-origin')).toBe(shop);
    expect(agent.headers.get('access-control-allow-headers')).toContain('x-api-key');
    expect((await preflight('/threads', 'http://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
    for (const path of ['/v1/bookings/BK-AAAAAA/cancel', '/stats/reset']) expect((await preflight(path)).headers.get('access-control-allow-origin')).toBeNull();

    // A refused key still carries the CORS headers, so the widget can say so instead of "network error".
    const refused = await fetch(`${server.url}/threads`, { ...json({}), headers: { 'content-type': 'application/json', origin: shop, 'x-api-key': 'wrong' } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe(shop);

    // A stream's headers are written by hand; they carry CORS and expose the run's location too.
    const thread = (await (await fetch(`${server.url}/threads`, { ...json({}), headers: { 'content-type': 'application/json', 'x-api-key': 'ck' } })).json()) as { thread_id: string };
    const stream = await fetch(`${server.url}/threads/${thread.thread_id}/runs/stream`, {
      ...json({ assistant_id: 'concierge', input: { messages: [{ role: 'user', content: 'hello' }] }, stream_mode: ['values'] }),
      headers: { 'content-type': 'application/json', origin: shop, 'x-api-key': 'ck' },
    });
    expect(stream.headers.get('access-control-allow-origin')).toBe(shop);
    expect(stream.headers.get('access-control-expose-headers')).toContain('retry-after');
    await stream.text();
  });
});
