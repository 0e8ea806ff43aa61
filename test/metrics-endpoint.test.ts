import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UNMATCHED_ROUTE } from '../src/observability/http-metrics.js';
import { labelValues, parseExposition, scrape } from './helpers/scrape.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

const json = { 'content-type': 'application/json' };

describe('GET /metrics with API keys configured', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ apiKeys: 'key-alice=alice', adminKeys: 'key-owner', metricsPort: 0 });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('needs an admin key, given as x-api-key or as Authorization: Bearer', async () => {
    const none = await fetch(`${server.url}/metrics`);
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ code: 'UNAUTHENTICATED' });

    const customer = await fetch(`${server.url}/metrics`, { headers: { 'x-api-key': 'key-alice' } });
    expect(customer.status).toBe(403);
    const customerBearer = await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer key-alice' } });
    expect(customerBearer.status).toBe(403);
    const wrong = await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);

    const admin = await fetch(`${server.url}/metrics`, { headers: { 'x-api-key': 'key-owner' } });
    expect(admin.status).toBe(200);
    expect(admin.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const bearer = await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer key-owner' } });
    expect(bearer.status).toBe(200);
    const exposition = parseExposition(await bearer.text());
    expect(exposition.types.get('http_server_request_duration_seconds')).toBe('histogram');
    expect(exposition.types.get('nodejs_eventloop_lag_p99_seconds')).toBe('gauge');
  });

  it('Bearer is taken on /metrics only: the agent API keeps x-api-key', async () => {
    const response = await fetch(`${server.url}/threads`, { method: 'POST', headers: { ...json, authorization: 'Bearer key-alice' }, body: '{}' });
    expect(response.status).toBe(401);
  });

  it('serves the same metrics without a key on --metrics-port, and nothing else there', async () => {
    expect(server.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(server.metricsUrl).not.toBe(`${server.url}/metrics`);
    const exposition = await scrape(server.metricsUrl!);
    expect(exposition.types.get('concierge_runs_total')).toBe('counter');
    const other = await fetch(server.metricsUrl!.replace(/\/metrics$/, '/threads'), { method: 'POST', headers: json, body: '{}' });
    expect(other.status).toBe(404);
  });

  it('labels requests by route pattern: never a thread id, a run id or an unknown path', async () => {
    const headers = { ...json, 'x-api-key': 'key-alice' };
    const thread = (await (await fetch(`${server.url}/threads`, { method: 'POST', headers, body: '{}' })).json()) as { thread_id: string };
    const run = await fetch(`${server.url}/threads/${thread.thread_id}/runs/wait`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ assistant_id: 'concierge', input: { messages: [{ role: 'user', content: 'What services do you offer?' }] } }),
    });
    expect(run.status).toBe(200);
    const runId = /\/runs\/([^/]+)$/.exec(run.headers.get('content-location') ?? '')?.[1];
    expect(runId).toBeTruthy();
    await fetch(`${server.url}/threads/${thread.thread_id}/runs/${runId}`, { headers });
    await fetch(`${server.url}/threads/${thread.thread_id}/state`, { headers });
    await fetch(`${server.url}/no/such/${thread.thread_id}`, { headers });
    await fetch(`${server.url}/threads/00000000-0000-4000-8000-000000000000`, { headers });

    const exposition = await scrape(`${server.url}/metrics`, { 'x-api-key': 'key-owner' });
    const routes = labelValues(exposition, 'http_server_request_duration_seconds', 'http_route');
    expect(routes).toEqual(
      expect.arrayContaining(['/threads', '/threads/:threadId/runs/wait', '/threads/:threadId/runs/:runId', '/threads/:threadId/state', '/threads/:threadId', UNMATCHED_ROUTE]),
    );
    for (const route of routes) {
      expect(route).not.toContain(thread.thread_id);
      expect(route).not.toContain(runId);
      expect(route).not.toContain('/no/such');
    }
    const unmatched = exposition.samples.filter((s) => s.name === 'http_server_request_duration_seconds_count' && s.labels.http_route === UNMATCHED_ROUTE);
    expect(unmatched.map((s) => s.labels.http_response_status_code)).toEqual(['404']);
    expect(unmatched[0]!.value).toBe(1);
  });
});

describe('GET /metrics in dev mode', () => {
  it('is open, as every route is', async () => {
    const server = await startTestServer();
    try {
      const exposition = await scrape(`${server.url}/metrics`);
      expect(exposition.types.get('concierge_runs_in_progress')).toBe('gauge');
      expect(server.metricsUrl).toBeUndefined();
    } finally {
      await server.stop();
    }
  });
});
