import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyRunError } from '../src/server/run-errors.js';
import { findOpenDate, startTestServer, type TestServer } from './helpers/test-server.js';

/**
 * Input that used to break a thread or answer 500 (dev mode: callers name themselves with
 * `x-customer-id`, and are admins).
 */
describe('hostile input', () => {
  let server: TestServer;
  const ada = { 'x-customer-id': 'ada' };

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  const request = (method: string, path: string, body?: unknown, headers: Record<string, string> = ada) =>
    fetch(`${server.url}${path}`, { method, headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const newThread = async (metadata?: unknown) => ((await (await request('POST', '/threads', metadata === undefined ? {} : { metadata })).json()) as { thread_id: string }).thread_id;
  const say = (threadId: string, message: { content: string; id?: string }) =>
    request('POST', `/threads/${threadId}/runs/wait`, { assistant_id: 'concierge', input: { messages: [{ role: 'user', ...message }] } });
  const messagesOf = async (threadId: string) =>
    ((await (await request('GET', `/threads/${threadId}/state`)).json()) as { values: { messages: Array<{ id: string; type: string; tool_calls?: unknown[] }> } }).values.messages;

  it('refuses a message id that an earlier message of the thread has (409), and the thread stays usable', async () => {
    const thread = await newThread();
    expect((await say(thread, { content: 'Is a beard trim free tomorrow at 10:00?', id: 'mine-1' })).status).toBe(200);
    const before = await messagesOf(thread);
    const toolCall = before.find((m) => m.type === 'ai' && (m.tool_calls?.length ?? 0) > 0);
    expect(toolCall).toBeDefined();
    // Before: this replaced the tool call, and every later message failed with 500 and the provider's raw text.
    for (const id of [toolCall!.id, 'mine-1']) {
      const clash = await say(thread, { content: 'hello again', id });
      expect(clash.status).toBe(409);
      expect(await clash.json()).toMatchObject({ code: 'MESSAGE_ID_TAKEN', message: expect.stringContaining(id) });
    }
    expect(await messagesOf(thread)).toEqual(before);
    const twice = await request('POST', `/threads/${thread}/runs/wait`, { assistant_id: 'concierge', input: { messages: [{ role: 'user', content: 'a', id: 'x' }, { role: 'user', content: 'b', id: 'x' }] } });
    expect(twice.status).toBe(409);
    const next = await say(thread, { content: 'What services do you offer?' });
    expect(next.status).toBe(200);
  });

  it('keeps what the provider said about a refused request out of the answer', () => {
    const refused = Object.assign(new Error("400 Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'."), { status: 400 });
    const error = classifyRunError(refused, { timedOut: false, timeoutMs: 1000 });
    expect(error.code).toBe('AGENT_ERROR');
    expect(error.message).not.toContain('tool_calls');
    expect(error.message).toContain('HTTP 400');
  });

  it('answers paging that is not a whole number in range with 400 naming the field', async () => {
    const thread = await newThread();
    for (const query of ['offset=1.5', 'limit=2.5', 'limit=1e309', 'offset=99999999999999999999', 'limit=-1', 'limit=0', 'limit=101', 'limit=1&limit=2', 'offset=abc']) {
      const response = await request('GET', `/threads/${thread}/runs?${query}`);
      expect(response.status, query).toBe(400);
      const body = (await response.json()) as { code: string; message: string };
      expect(body.code).toBe('VALIDATION_FAILED');
      expect(body.message).toContain(query.split('=')[0]!);
    }
    expect((await request('GET', `/threads/${thread}/runs?limit=100&offset=0`)).status).toBe(200);
    expect((await request('GET', '/v1/bookings?offset=1.5')).status).toBe(400);
  });

  it('refuses metadata and config nested too deep or too large with 400, saving nothing', async () => {
    // Written by hand: JSON.stringify of 5,000 levels overflows the stack of a test worker.
    const deep = `${'{"a":'.repeat(5000)}{}${'}'.repeat(5000)}`;
    const raw = (path: string, body: string) => fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...ada }, body });
    const runWith = (field: string, value: string) => `{"assistant_id":"concierge","input":{"messages":[{"role":"user","content":"hi"}]},"${field}":${value}}`;
    const thread = await newThread();
    const deepThread = await raw('/threads', `{"metadata":${deep}}`);
    expect(deepThread.status).toBe(400);
    expect(await deepThread.json()).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('metadata') });
    for (const field of ['metadata', 'config']) {
      const run = await raw(`/threads/${thread}/runs/wait`, runWith(field, deep));
      expect(run.status).toBe(400);
      expect(await run.json()).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining(field) });
      const big = await request('POST', `/threads/${thread}/runs/wait`, { assistant_id: 'concierge', input: { messages: [{ role: 'user', content: 'hi' }] }, [field]: { text: 'x'.repeat(20_000) } });
      expect(big.status).toBe(400);
    }
    expect(await (await request('GET', `/threads/${thread}/runs`)).json()).toEqual([]);
  });

  it('refuses a dev-mode customer id that is not one, instead of merging its caller into `dev`', async () => {
    for (const id of ['alice smith', '', 'a'.repeat(129), 'ada\u00e9']) {
      const response = await fetch(`${server.url}/threads`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-customer-id': id }, body: '{}' });
      expect(response.status, JSON.stringify(id)).toBe(400);
      expect(await response.json()).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('x-customer-id') });
    }
  });

  it('pages /v1/bookings with offset', async () => {
    const date = await findOpenDate(server.url, 'classic-haircut', '10:00', 3);
    const codes: string[] = [];
    for (const [i, time] of ['10:00', '11:00', '12:00'].entries()) {
      // The owner's list is fed through the same service the tools use; book through the store directly.
      const booked = await server.bookings.book({ customerId: `pager-${i}`, service: 'classic-haircut', date, time });
      codes.push(booked.booking.code);
    }
    const page = async (query: string) => ((await (await request('GET', `/v1/bookings?customer=pager-1&${query}`)).json()) as { bookings: Array<{ code: string }> }).bookings;
    const all = ((await (await request('GET', `/v1/bookings?from=${date}&to=${date}`)).json()) as { bookings: Array<{ code: string; customerId: string }> }).bookings.filter((b) => b.customerId.startsWith('pager-'));
    expect(all.map((b) => b.code)).toEqual(codes);
    const first = ((await (await request('GET', `/v1/bookings?from=${date}&to=${date}&limit=1`)).json()) as { bookings: Array<{ code: string }> }).bookings;
    const second = ((await (await request('GET', `/v1/bookings?from=${date}&to=${date}&limit=1&offset=1`)).json()) as { bookings: Array<{ code: string }> }).bookings;
    expect(first).toHaveLength(1);
    expect(second).toHaveLength(1);
    expect(second[0]!.code).not.toBe(first[0]!.code);
    expect(await page('offset=1')).toEqual([]);
  });
});
