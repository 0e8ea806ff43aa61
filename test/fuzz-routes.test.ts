import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE, isErrorCode } from '../src/shared/error-catalogue.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

/**
 * Property-based fuzzing of every route, in-process (fastify `inject`) against a real
 * SQLite-backed server: random paths, queries (repeated keys, prototype keys, odd numbers),
 * headers and bodies (any JSON, deep nesting, unicode, duplicated and prototype keys, broken
 * JSON). The invariants: no 5xx, no hang, `{code, message}` with the catalogue's status on
 * every error, and stored data unchanged by any request that was refused.
 *
 * Seeded: `FUZZ_SEED=<n>` replays a run; a failure prints its seed and counterexample.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20261130);
/** Cases per property; the properties together run over 10,000. */
const RUNS = { agent: Number(process.env.FUZZ_AGENT_RUNS ?? 3500), runs: 2500, owner: 2500, misc: 1500 } as const;
const CASE_TIMEOUT_MS = 20_000;
const FUZZER = 'fuzzer';

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';

interface Case {
  method: Method;
  url: string;
  headers: Record<string, string>;
  payload?: string;
}

describe('fuzzing every route', () => {
  let server: TestServer;
  let threadId: string;
  let runId: string;
  let bookingCode: string;

  beforeAll(async () => {
    server = await startTestServer();
    const headers = { 'content-type': 'application/json', 'x-customer-id': FUZZER };
    threadId = (await server.inject({ method: 'POST', url: '/threads', headers, payload: '{}' })).json<{ thread_id: string }>().thread_id;
    const run = await server.inject({ method: 'POST', url: `/threads/${threadId}/runs/wait`, headers, payload: JSON.stringify({ assistant_id: 'concierge', input: { messages: [{ role: 'user', content: 'What services do you offer?' }] } }) });
    runId = /runs\/([^/]+)$/.exec(String(run.headers['content-location']))![1]!;
    const today = (await server.inject({ method: 'GET', url: '/v1/business' })).json<{ today: string }>().today;
    const from = new Date(Date.parse(`${today}T00:00:00Z`) + 3 * 86_400_000).toISOString().slice(0, 10);
    const slot = (await server.inject({ method: 'GET', url: `/v1/availability?service=beard-trim&from=${from}` })).json<{ slots: Array<{ date: string; time: string }> }>().slots[0]!;
    bookingCode = (await server.bookings.book({ customerId: FUZZER, service: 'beard-trim', ...slot })).booking.code;
  }, 120_000);
  /** Answers by status, printed at the end: shows the cases reach past validation. */
  const statuses = new Map<number, number>();
  afterAll(async () => {
    process.stdout.write(`fuzz answers by status (seed ${SEED}): ${[...statuses].sort(([a], [b]) => a - b).map(([k, v]) => `${k}: ${v}`).join(', ')}\n`);
    await server?.stop();
  });

  /** What a refused request must leave alone: the fuzzer's thread, its runs and state, and every booking. */
  const snapshot = async (): Promise<string> => {
    const headers = { 'x-customer-id': FUZZER };
    const parts = await Promise.all(
      [`/threads/${threadId}`, `/threads/${threadId}/runs?limit=100`, '/v1/bookings?limit=1000'].map(async (url) => (await server.inject({ method: 'GET', url, headers })).body),
    );
    return parts.join('\n');
  };

  const settle = async () => {
    for (let i = 0; i < 2000; i += 1) {
      const stats = (await server.inject({ method: 'GET', url: '/stats' })).json<{ runsInProgress: number }>();
      if (stats.runsInProgress === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error('runs did not settle');
  };

  /** Send one case and check the invariants; a refused case must not have changed anything. */
  const check = async (c: Case): Promise<void> => {
    const before = await snapshot();
    const answer = await Promise.race([
      server.inject({ method: c.method, url: c.url, headers: c.headers, ...(c.payload === undefined ? {} : { payload: c.payload }) }),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${CASE_TIMEOUT_MS} ms`)), CASE_TIMEOUT_MS).unref()),
    ]);
    statuses.set(answer.statusCode, (statuses.get(answer.statusCode) ?? 0) + 1);
    const what = `${c.method} ${c.url} -> ${answer.statusCode} ${answer.body.slice(0, 300)}`;
    expect(answer.statusCode, what).toBeLessThan(500);
    if (answer.statusCode >= 400) {
      const body = JSON.parse(answer.body) as { code?: unknown; message?: unknown };
      expect(typeof body.code, what).toBe('string');
      expect(typeof body.message, what).toBe('string');
      expect(isErrorCode(body.code), what).toBe(true);
      expect(ERROR_CATALOGUE[body.code as keyof typeof ERROR_CATALOGUE].status, what).toBe(answer.statusCode);
      expect(await snapshot(), `${what}: stored data changed`).toBe(before);
    } else {
      // An accepted request may start a run: let it finish before the next case compares.
      await settle();
    }
  };

  // ---- arbitraries ----
  const text = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'grapheme', maxLength: 20 }),
    fc.constantFrom('', ' ', '__proto__', 'constructor', 'prototype', '..', '%', '%zz', '\u0000', 'null', 'true', '1e309', '-0', '0x10', 'NaN', '😀'.repeat(50), 'a'.repeat(3000)),
  );
  const number = fc.oneof(fc.integer(), fc.double(), fc.constantFrom('1.5', '2.5', '1e309', '-1', '0', '100', '101', '1000', '1001', '99999999999999999999', ' 1', '1 ', '+1', '0x10', 'abc'));
  const queryValue = fc.oneof(text, number.map(String), fc.constantFrom('2026-12-01', '10:00', 'beard-trim', 'confirmed', 'cancelled', 'values', 'messages-tuple'));
  const queryKey = fc.oneof(
    fc.constantFrom('limit', 'offset', 'from', 'to', 'service', 'time', 'date', 'status', 'customer', 'stream_mode', 'wait', '__proto__', 'constructor', 'toString', 'limit[]', 'offset[x]'),
    fc.string({ maxLength: 10 }),
  );
  /** Repeated keys on purpose: `?limit=1&limit=2` reaches the route as a list. */
  const query = fc.array(fc.tuple(queryKey, queryValue), { maxLength: 5 }).map((pairs) => (pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}`));
  const deepJson = fc.integer({ min: 1, max: 4000 }).map((depth) => `${'{"a":'.repeat(depth)}{}${'}'.repeat(depth)}`);
  const deepArray = fc.integer({ min: 1, max: 4000 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`);
  const jsonText = fc.oneof(
    { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 6 }).map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: deepJson },
    { weight: 1, arbitrary: deepArray },
    { weight: 1, arbitrary: fc.constantFrom('{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"x":1}}}', '{"a":1,"a":2}', '{"metadata":{"__proto__":{"polluted":1}}}', '', '{', 'null', '[]', '"x"', '1', '{"assistant_id":"concierge","assistant_id":5}') },
    { weight: 1, arbitrary: fc.string({ maxLength: 100 }) },
  );
  const message = fc.record(
    {
      role: fc.oneof(fc.constantFrom('user', 'human', 'ai', 'system', 'tool'), text),
      type: fc.constantFrom('human', 'ai', 'tool'),
      content: fc.oneof(text, fc.jsonValue({ maxDepth: 3 })),
      id: fc.oneof(text, fc.constantFrom('dup', 'dup')),
    },
    { requiredKeys: [] },
  );
  /** A run body near the valid one, with some fields wrong: reaches the checks past the schema. */
  const runBody = fc
    .record(
      {
        assistant_id: fc.oneof({ weight: 1, arbitrary: fc.constant('concierge') }, { weight: 3, arbitrary: fc.oneof(text, fc.jsonValue({ maxDepth: 2 })) }),
        input: fc.oneof(fc.record({ messages: fc.array(message, { maxLength: 3 }) }), fc.jsonValue({ maxDepth: 3 })),
        multitask_strategy: fc.oneof(fc.constantFrom('reject', 'enqueue', 'interrupt', 'rollback'), text),
        metadata: fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.dictionary(text, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 3 })),
        config: fc.jsonValue({ maxDepth: 4 }),
        stream_mode: fc.oneof(fc.constantFrom('values', 'messages-tuple', 'updates', 'debug', 'events'), fc.array(text, { maxLength: 3 })),
      },
      { requiredKeys: [] },
    )
    .map((body) => JSON.stringify(body));
  const body = fc.oneof({ weight: 2, arbitrary: jsonText }, { weight: 2, arbitrary: runBody });
  const headers = fc.record(
    {
      'x-customer-id': fc.oneof({ weight: 6, arbitrary: fc.constant(FUZZER) }, { weight: 1, arbitrary: text.filter((t) => !/[\r\n\u0000-\u001f\u007f-\uffff]/.test(t)) }),
      'content-type': fc.oneof({ weight: 6, arbitrary: fc.constant('application/json') }, { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/json; charset=latin1', 'multipart/form-data', 'application/x-www-form-urlencoded') }),
      'last-event-id': fc.oneof(number.map(String), text.filter((t) => !/[\r\n\u0000-\u001f\u007f-\uffff]/.test(t))),
    },
    { requiredKeys: [] },
  );
  const param = (real: () => string) => fc.oneof({ weight: 3, arbitrary: fc.constant(null).map(() => real()) }, { weight: 2, arbitrary: text.map((t) => encodeURIComponent(t)) });

  const run = (arbitrary: fc.Arbitrary<Case>, numRuns: number) =>
    fc.assert(
      fc.asyncProperty(arbitrary, async (c) => check(c)),
      { seed: SEED, numRuns, endOnFailure: true, interruptAfterTimeLimit: 600_000 },
    );

  it(`agent routes: threads, state, assistants (${RUNS.agent} cases, seed ${SEED})`, async () => {
    const thread = param(() => threadId);
    const route: fc.Arbitrary<[Method, string]> = fc.oneof<fc.Arbitrary<[Method, string]>[]>(
      fc.tuple(fc.constant<Method>('POST'), fc.constant<string>('/threads')),
      fc.tuple(fc.constant<Method>('POST'), fc.constant<string>('/assistants/search')),
      fc.tuple(fc.constant<Method>('GET'), param(() => 'concierge').map((a) => `/assistants/${a}`)),
      fc.tuple(fc.constantFrom<Method>('GET', 'DELETE', 'PATCH'), thread.map((t) => `/threads/${t}`)),
      fc.tuple(fc.constant<Method>('GET'), thread.map((t) => `/threads/${t}/state`)),
      fc.tuple(fc.constant<Method>('POST'), thread.map((t) => `/threads/${t}/runs/wait`)),
      fc.tuple(fc.constant<Method>('POST'), thread.map((t) => `/threads/${t}/runs/stream`)),
    );
    await run(fc.record({ route, query, headers, payload: body }).map(({ route: [method, path], query: q, headers: h, payload }) => ({ method, url: `${path}${q}`, headers: h, ...(method === 'GET' ? {} : { payload }) })), RUNS.agent);
  }, 600_000);

  it(`run routes: list, get, join, stream, cancel, background (${RUNS.runs} cases, seed ${SEED})`, async () => {
    const thread = param(() => threadId);
    const runParam = param(() => runId);
    const route: fc.Arbitrary<[Method, string]> = fc.oneof<fc.Arbitrary<[Method, string]>[]>(
      fc.tuple(fc.constant<Method>('GET'), thread.map((t) => `/threads/${t}/runs`)),
      fc.tuple(fc.constant<Method>('POST'), thread.map((t) => `/threads/${t}/runs`)),
      fc.tuple(fc.constant<Method>('GET'), fc.tuple(thread, runParam).map(([t, r]) => `/threads/${t}/runs/${r}`)),
      fc.tuple(fc.constant<Method>('GET'), fc.tuple(thread, runParam).map(([t, r]) => `/threads/${t}/runs/${r}/join`)),
      fc.tuple(fc.constant<Method>('GET'), fc.tuple(thread, runParam).map(([t, r]) => `/threads/${t}/runs/${r}/stream`)),
      fc.tuple(fc.constant<Method>('POST'), fc.tuple(thread, runParam).map(([t, r]) => `/threads/${t}/runs/${r}/cancel`)),
    );
    await run(fc.record({ route, query, headers, payload: body }).map(({ route: [method, path], query: q, headers: h, payload }) => ({ method, url: `${path}${q}`, headers: h, ...(method === 'GET' ? {} : { payload }) })), RUNS.runs);
  }, 600_000);

  it(`owner routes: services, availability, business, bookings, capacity (${RUNS.owner} cases, seed ${SEED})`, async () => {
    const code = param(() => bookingCode);
    const route: fc.Arbitrary<[Method, string]> = fc.oneof<fc.Arbitrary<[Method, string]>[]>(
      fc.tuple(fc.constant<Method>('GET'), fc.constantFrom<string>('/v1/services', '/v1/availability', '/v1/business', '/v1/bookings', '/v1/capacity')),
      fc.tuple(fc.constant<Method>('GET'), code.map((c) => `/v1/bookings/${c}`)),
      // A real code answers 200 and changes the booking: only the refused ones are compared.
      fc.tuple(fc.constant<Method>('POST'), code.map((c) => `/v1/bookings/${c}/reschedule`)),
      fc.tuple(fc.constant<Method>('POST'), param(() => 'BK-ZZZZZZ').map((c) => `/v1/bookings/${c}/cancel`)),
    );
    const moveBody = fc.oneof(body, fc.record({ date: fc.oneof(text, fc.constantFrom('2026-12-01', '2099-01-01', '2026-02-30')), time: fc.oneof(text, fc.constantFrom('10:00', '25:00', '10:07')) }, { requiredKeys: [] }).map((b) => JSON.stringify(b)));
    await run(fc.record({ route, query, headers, payload: moveBody }).map(({ route: [method, path], query: q, headers: h, payload }) => ({ method, url: `${path}${q}`, headers: h, ...(method === 'GET' ? {} : { payload }) })), RUNS.owner);
  }, 600_000);

  it(`ops, web and unknown routes (${RUNS.misc} cases, seed ${SEED})`, async () => {
    const route: fc.Arbitrary<[Method, string]> = fc.oneof<fc.Arbitrary<[Method, string]>[]>(
      fc.tuple(fc.constant<Method>('GET'), fc.constantFrom<string>('/healthz', '/readyz', '/stats', '/metrics', '/v1/client-config', '/', '/owner', '/ops', '/widget.js')),
      fc.tuple(fc.constantFrom<Method>('POST', 'PUT', 'DELETE'), fc.constantFrom<string>('/stats/reset', '/healthz', '/v1/services')),
      fc.tuple(fc.constantFrom<Method>('GET', 'POST'), text.map((t) => `/${encodeURIComponent(t)}`)),
    );
    await run(fc.record({ route, query, headers, payload: body }).map(({ route: [method, path], query: q, headers: h, payload }) => ({ method, url: `${path}${q}`, headers: h, ...(method === 'GET' ? {} : { payload }) })), RUNS.misc);
  }, 600_000);
});
