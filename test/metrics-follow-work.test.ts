import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimServer, type SimServer } from '../src/sim/sim-server.js';
import { newThread, say } from './helpers/conversation.js';
import { histogramOf, scrape, valueOf, type Exposition } from './helpers/scrape.js';
import { findOpenDate, startTestServer, type TestServer } from './helpers/test-server.js';

interface Usage {
  llmCalls: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  costUsd: number;
  retries: number;
  providerRateLimited: number;
}


const sumUsage = (usages: Usage[], key: keyof Usage) => usages.reduce((sum, u) => sum + u[key], 0);
const delta = (before: Exposition, after: Exposition, name: string, labels: Record<string, string> = {}) => valueOf(after, name, labels) - valueOf(before, name, labels);

describe('metrics follow the work', () => {
  let server: TestServer;

  beforeAll(async () => {
    // The legacy agent: the simulated model's path for a taken slot (check first, or book and
    // meet the refusal) is drawn from a seed that includes the prompt; with the legacy prompt
    // the second customer books and meets SLOT_FULL, which is what this test counts.
    server = await startTestServer({ agentProfile: 'legacy' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('after N answered messages: runs, token and call histograms, cost, cached tokens and bookings grew by exactly what the runs report', async () => {
    const date = await findOpenDate(server.url, 'beard-trim', '11:00');
    const before = await scrape(`${server.url}/metrics`);
    const messages = [
      'Hi! What services do you offer?',
      `Is a Classic haircut free on ${date} at 10:00?`,
      `Please book a Beard trim on ${date} at 11:00.`,
      'What services do you offer?',
      'Thanks, that is all.',
    ];
    const usages: Usage[] = [];
    const threads = [await newThread(server.url), await newThread(server.url)];
    for (const [i, content] of messages.entries()) {
      const response = await say(server.url, threads[i % 2]!, content);
      expect(response.status).toBe(200);
      usages.push(((await response.json()) as { usage: { run: Usage } }).usage.run);
    }
    const after = await scrape(`${server.url}/metrics`);
    const N = messages.length;
    const calls = sumUsage(usages, 'llmCalls');
    expect(calls).toBeGreaterThanOrEqual(N);

    expect(delta(before, after, 'concierge_runs_total', { status: 'success' })).toBe(N);
    expect(delta(before, after, 'concierge_run_duration_seconds_count', { status: 'success' })).toBe(N);
    expect(delta(before, after, 'http_server_request_duration_seconds_count', { http_route: '/threads/:threadId/runs/wait', http_response_status_code: '200' })).toBe(N);

    const input = { gen_ai_token_type: 'input', gen_ai_request_model: 'gpt-4o-mini', gen_ai_operation_name: 'chat' };
    const output = { ...input, gen_ai_token_type: 'output' };
    expect(histogramOf(after, 'gen_ai_client_token_usage', input).count - histogramOf(before, 'gen_ai_client_token_usage', input).count).toBe(calls);
    expect(histogramOf(after, 'gen_ai_client_token_usage', output).count - histogramOf(before, 'gen_ai_client_token_usage', output).count).toBe(calls);
    expect(histogramOf(after, 'gen_ai_client_token_usage', input).sum - histogramOf(before, 'gen_ai_client_token_usage', input).sum).toBe(sumUsage(usages, 'promptTokens'));
    expect(histogramOf(after, 'gen_ai_client_token_usage', output).sum - histogramOf(before, 'gen_ai_client_token_usage', output).sum).toBe(sumUsage(usages, 'completionTokens'));
    expect(delta(before, after, 'gen_ai_client_operation_duration_seconds_count', { gen_ai_request_model: 'gpt-4o-mini' })).toBe(calls);
    expect(after.samples.some((s) => s.name === 'gen_ai_client_operation_duration_seconds_count' && s.labels.error_type !== undefined)).toBe(false);
    expect(delta(before, after, 'concierge_llm_cached_tokens_total')).toBe(sumUsage(usages, 'cachedTokens'));
    expect(delta(before, after, 'concierge_llm_cost_usd_total')).toBeCloseTo(sumUsage(usages, 'costUsd'), 9);
    expect(delta(before, after, 'concierge_admission_queue_wait_seconds_count')).toBe(calls);

    expect(delta(before, after, 'concierge_bookings_total', { outcome: 'confirmed' })).toBe(1);
    expect(valueOf(after, 'concierge_runs_in_progress')).toBe(0);
    expect(valueOf(after, 'concierge_admission_queue_depth')).toBe(0);
  });

  it('counts booking refusals by their code', async () => {
    const date = await findOpenDate(server.url, 'hot-towel-shave', '15:00');
    const before = await scrape(`${server.url}/metrics`);
    // One shaving chair: the first customer takes the slot, later ones are told it is full.
    // The scripted model sometimes checks availability before booking (then nothing is
    // refused), so customers keep asking, in other words, until a booking is refused.
    const wordings = ['Please book a Hot towel shave on D at 15:00.', 'Book me a Hot towel shave on D at 15:00, please.', 'I want a Hot towel shave on D at 15:00.', 'Can you book a Hot towel shave for D at 15:00?', 'Hot towel shave on D at 15:00 please, book it.'];
    let refused = 0;
    for (const [i, wording] of wordings.entries()) {
      const customer = `shaver-${i}`;
      const response = await say(server.url, await newThread(server.url, customer), wording.replace('D', date), customer);
      expect(response.status).toBe(200);
      const { messages } = (await response.json()) as { messages: Array<{ type: string; content: unknown }> };
      refused += messages.filter((m) => m.type === 'tool' && String(m.content).includes('"SLOT_FULL"')).length;
      if (refused > 0) break;
    }
    expect(refused).toBeGreaterThan(0);
    const after = await scrape(`${server.url}/metrics`);
    expect(delta(before, after, 'concierge_bookings_total', { outcome: 'confirmed' })).toBe(1);
    expect(delta(before, after, 'concierge_bookings_total', { outcome: 'slot_full' })).toBe(refused);
  });
});

describe('a shed shows in concierge_admission_shed_total', () => {
  it('counts each 503 OVERLOADED, whether refused before its run or during it', async () => {
    // Six requests a minute (5.7 with the safety margin), real time, and one-call messages:
    // five messages spend the budget, and the sixth's predicted wait (over 3 s for the rest of
    // a request) is beyond its 2 s deadline.
    // The answer cache off: every message must spend budget.
    const server = await startTestServer({ llmRpm: 6, llmTpm: 10_000_000, deadlineMs: 2000, callsPerMessage: 1, answerCache: 'off' });
    try {
      const before = await scrape(`${server.url}/metrics`);
      const statuses: number[] = [];
      for (let i = 0; i < 12 && !statuses.includes(503); i += 1) {
        const response = await say(server.url, await newThread(server.url, `c${i}`), 'What services do you offer?', `c${i}`);
        statuses.push(response.status);
        if (response.status === 503) {
          expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
          expect(await response.json()).toMatchObject({ code: 'OVERLOADED', reason: 'deadline' });
        }
      }
      const shed = statuses.filter((s) => s === 503).length;
      expect(shed).toBe(1);
      const after = await scrape(`${server.url}/metrics`);
      expect(delta(before, after, 'concierge_admission_shed_total', { reason: 'deadline' })).toBe(shed);
      // A message refused before its run starts (the usual case) has no run; one refused at a
      // later step ends its run with OVERLOADED.
      const shedInRuns = delta(before, after, 'concierge_run_errors_total', { code: 'OVERLOADED' });
      expect(delta(before, after, 'concierge_runs_total', { status: 'success' })).toBe(statuses.length - shed);
      expect(delta(before, after, 'concierge_runs_total')).toBe(statuses.length - shed + shedInRuns);
      expect(delta(before, after, 'http_server_request_duration_seconds_count', { http_route: '/threads/:threadId/runs/wait', http_response_status_code: '503' })).toBe(shed);
      // The gate's budget is spent: what the ProviderRateLimitApproaching alert reads.
      expect(valueOf(after, 'concierge_budget_remaining_ratio', { resource: 'requests' })).toBeLessThan(0.15);
      expect(valueOf(after, 'concierge_budget_limit', { resource: 'requests' })).toBe(6);
    } finally {
      await server.stop();
    }
  });
});

describe('provider 429s and retries, admission off (the seed architecture)', () => {
  let sim: SimServer;
  let server: TestServer;

  beforeAll(async () => {
    // Three requests a minute at a tenth of real time: a request every 2 s. (Faster, the
    // simulator's whole-second Retry-After would exceed LangChain's scaled one-minute limit.)
    sim = await startSimServer({ port: 0, rpm: 3, tpm: 10_000_000, latency: 'off', timeScale: 0.1 });
    server = await startTestServer({ openaiBaseUrl: `${sim.url}/v1`, admission: 'off', timeScale: 0.1 });
  });
  afterAll(async () => {
    await server?.stop();
    await sim?.close();
  });

  it('counts the 429s the simulator sent, the retries that followed them, and the budget the headers tell', async () => {
    const before = await scrape(`${server.url}/metrics`);
    const simBefore = await scrape(`${sim.url}/metrics`);
    // Four one-call messages at once on a full bucket of three: at least one 429, retried by
    // LangChain's own policy (admission off) until it fits.
    const threads = await Promise.all([0, 1, 2, 3].map(() => newThread(server.url, 'eve')));
    const responses = await Promise.all(threads.map((t) => say(server.url, t, 'What services do you offer?', 'eve')));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const usages = await Promise.all(responses.map(async (r) => ((await r.json()) as { usage: { run: Usage } }).usage.run));
    const after = await scrape(`${server.url}/metrics`);
    const simAfter = await scrape(`${sim.url}/metrics`);

    const sim429 = delta(simBefore, simAfter, 'concierge_sim_rate_limited_total');
    expect(sim429).toBeGreaterThan(0);
    expect(sumUsage(usages, 'providerRateLimited')).toBe(sim429);
    expect(delta(before, after, 'concierge_provider_rate_limited_total', { gen_ai_request_model: 'gpt-4o-mini' })).toBe(sim429);
    expect(delta(before, after, 'gen_ai_client_operation_duration_seconds_count', { error_type: '429' })).toBe(sim429);
    expect(delta(before, after, 'concierge_provider_retries_total', { reason: 'rate_limited' })).toBe(sumUsage(usages, 'retries'));
    expect(sumUsage(usages, 'retries')).toBe(sim429);
    expect(delta(simBefore, simAfter, 'concierge_sim_requests_total')).toBe(sim429 + sumUsage(usages, 'llmCalls'));

    // No gate: the budget gauges come from the provider's x-ratelimit-* headers.
    expect(valueOf(after, 'concierge_budget_limit', { resource: 'requests' })).toBe(3);
    expect(valueOf(after, 'concierge_budget_limit', { resource: 'tokens' })).toBe(10_000_000);
    const ratio = valueOf(after, 'concierge_budget_remaining_ratio', { resource: 'requests' });
    expect(ratio).toBeGreaterThanOrEqual(0);
    expect(ratio).toBeLessThan(1);
    // Between answers the share left climbs with the bucket's refill (full again after the
    // reset time the headers gave), so an idle service does not keep its last busy figure.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(valueOf(await scrape(`${server.url}/metrics`), 'concierge_budget_remaining_ratio', { resource: 'requests' })).toBeGreaterThan(ratio);
  });
});
