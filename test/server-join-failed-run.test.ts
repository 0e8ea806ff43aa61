import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimServer, type SimServer } from '../src/sim/sim-server.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

/** A provider that fails every call: each run fails with PROVIDER_UNAVAILABLE and a Retry-After. */
describe('join on a failed run', () => {
  let sim: SimServer;
  let server: TestServer;

  beforeAll(async () => {
    sim = await startSimServer({ port: 0, latency: 'off', failRate: 1 });
    server = await startTestServer({ openaiBaseUrl: `${sim.url}/v1`, openaiApiKey: 'sk-sim', llmTier: 'tier5', llmMaxRetries: 0 });
  });
  afterAll(async () => {
    await server?.stop();
    await sim?.close();
  });

  const headers = { 'content-type': 'application/json', 'x-customer-id': 'ada' };

  it('answers what the run answered: status, body and Retry-After', async () => {
    const thread = ((await (await fetch(`${server.url}/threads`, { method: 'POST', headers, body: '{}' })).json()) as { thread_id: string }).thread_id;
    const failed = await fetch(`${server.url}/threads/${thread}/runs/wait`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ assistant_id: 'concierge', input: { messages: [{ role: 'user', content: 'What services do you offer?' }] } }),
    });
    expect(failed.status).toBe(503);
    const body = (await failed.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', message: expect.stringContaining('HTTP 50'), retryAfterMs: expect.any(Number) });
    expect(failed.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(failed.headers.get('retry-after-ms')).toBe(String(body.retryAfterMs));

    const location = failed.headers.get('content-location');
    expect(location).toMatch(/^\/threads\/[^/]+\/runs\/[^/]+$/);
    const joined = await fetch(`${server.url}${location}/join`, { headers });
    expect(joined.status).toBe(failed.status);
    expect(await joined.json()).toEqual(body);
    expect(joined.headers.get('retry-after')).toBe(failed.headers.get('retry-after'));
    expect(joined.headers.get('retry-after-ms')).toBe(failed.headers.get('retry-after-ms'));

    const run = (await (await fetch(`${server.url}${location}`, { headers })).json()) as { status: string; error: Record<string, unknown> };
    expect(run.status).toBe('error');
    expect(run.error).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', status: 503, retryAfterMs: body.retryAfterMs });
  });
});
