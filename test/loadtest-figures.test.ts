import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LatencyHistogram } from '../src/loadtest/latency-histogram.js';
import { costUsd, pricingFor } from '../src/llm/pricing.js';
import { writeReports } from '../src/loadtest/report-writers.js';
import type { LoadTestReport } from '../src/loadtest/report-types.js';
import { runLoadTest } from '../src/loadtest/run-load-test.js';
import { FAKE_RUN_COST, FAKE_USAGE, startFakeAgent, type FakeAgent } from './loadtest-fake-agent.js';

describe('loadtest figures against a fake agent server', () => {
  let fake: FakeAgent;
  let report: LoadTestReport;
  let dir: string;

  beforeAll(async () => {
    // Every 7th run answers the provider's 429, every 11th is shed with Retry-After.
    fake = await startFakeAgent({
      runDelayMs: 15,
      failRun: (n) => (n % 7 === 0 ? { status: 429, code: 'PROVIDER_RATE_LIMITED' } : n % 11 === 0 ? { status: 503, code: 'OVERLOADED', retryAfter: '1' } : undefined),
    });
    report = await runLoadTest({ targets: [fake.url], stages: [4, 12], thinkTimeMs: 20, cooldownSec: 0.05, runId: 'figs', seed: 3 });
    dir = await mkdtemp(join(tmpdir(), 'lt-figures-'));
  });

  afterAll(async () => {
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs a baseline and each stage with the required fields', () => {
    expect(report.baseline?.users).toBe(1);
    expect(report.stages.map((s) => s.users)).toEqual([4, 12]);
    expect(report.partial).toBe(false);
    expect(report.catalogue).toEqual({ source: 'server', services: ['Classic haircut', 'Beard trim'] });
  });

  it('keeps every figure consistent', () => {
    const pricing = pricingFor('gpt-4o-mini')!;
    for (const s of [report.baseline!, ...report.stages]) {
      expect(s.messages.succeeded + s.messages.failed).toBe(s.messages.total);
      expect(s.throughput.messagesPerSec).toBeCloseTo(s.messages.succeeded / s.durationSec, 9);
      expect(s.throughput.conversationsPerSec).toBeCloseTo(s.conversations.succeeded / s.durationSec, 9);
      const l = s.latencyMs;
      expect(l.p50).toBeLessThanOrEqual(l.p95);
      expect(l.p95).toBeLessThanOrEqual(l.p99);
      expect(l.p99).toBeLessThanOrEqual(l.max);
      // cost = tokens x price, and each answer's tokens are the fake's usage.run
      expect(s.tokens.prompt).toBe(FAKE_USAGE.promptTokens * s.messages.succeeded);
      expect(s.tokens.cached).toBe(FAKE_USAGE.cachedTokens * s.messages.succeeded);
      expect(s.tokens.completion).toBe(FAKE_USAGE.completionTokens * s.messages.succeeded);
      expect(s.costUsd).toBeCloseTo(costUsd({ promptTokens: s.tokens.prompt, cachedTokens: s.tokens.cached, completionTokens: s.tokens.completion }, pricing), 15);
      expect(s.costUsd).toBeCloseTo(FAKE_RUN_COST * s.messages.succeeded, 12);
      expect(s.cost.serverReportedUsd).toBeCloseTo(s.costUsd, 12);
      expect(s.usage.llmCallsPerMessage).toBe(2);
      const recomputed = LatencyHistogram.decode(s.histograms.messageLatency, s.histograms.sumsMs.messageLatency).summary();
      // Percentiles come back exactly; the mean from the stored (rounded) sum, to the rounding.
      expect({ ...recomputed, mean: 0 }).toEqual({ ...s.latencyMs, mean: 0 });
      expect(recomputed.mean).toBeCloseTo(s.latencyMs.mean, 2);
    }
  });

  it('counts failures by cause as the server gave them', () => {
    const failures = report.stages.reduce((sum, s) => sum + (s.failures.provider_rate_limited ?? 0), report.baseline!.failures.provider_rate_limited ?? 0);
    const shed = report.stages.reduce((sum, s) => sum + (s.failures.shed ?? 0), report.baseline!.failures.shed ?? 0);
    // runs 7, 14, 21, ... and 11, 22, 33 (not multiples of 7) among fake.runs
    const runs = fake.runs;
    const expected429 = Math.floor(runs / 7);
    const expectedShed = Array.from({ length: runs }, (_, i) => i + 1).filter((n) => n % 11 === 0 && n % 7 !== 0).length;
    expect(failures).toBe(expected429);
    expect(shed).toBe(expectedShed);
    const withRetryAfter = report.stages.reduce((sum, s) => sum + s.shedWithRetryAfter, report.baseline!.shedWithRetryAfter);
    expect(withRetryAfter).toBe(expectedShed);
    expect(report.stages[1]!.verdict.pass).toBe(false);
  });

  it('gives each user its own customer id; the baseline speaks as the first stage’s first customer', () => {
    const users = [...fake.customers].filter((c) => /^lt-figs-s\d+u\d+$/.test(c));
    expect(users).toHaveLength(4 + 12);
    expect(users).not.toContain('lt-figs-s0u0');
  });

  it('sends what personas say: services first, then a booking with date and time', () => {
    expect(fake.messages.filter((m) => m === 'Hi! What services do you offer?').length).toBeGreaterThanOrEqual(17 - 3);
    expect(fake.messages.some((m) => /^Please book a (Classic haircut|Beard trim) on \d{4}-\d\d-\d\d at \d\d:\d\d\.$/.test(m))).toBe(true);
  });

  it('writes report.json, report.md and report.html', async () => {
    const paths = await writeReports(report, dir);
    const json = JSON.parse(await readFile(paths.json, 'utf8')) as LoadTestReport;
    expect(json.stages[0]!.messages.total).toBe(report.stages[0]!.messages.total);
    const md = await readFile(paths.markdown, 'utf8');
    for (const section of ['## Executive summary', '## Bottleneck identification', '## Cost analysis', '## System capacity assessment', '## Recommendations', '## Comparison with a single-user baseline']) {
      expect(md).toContain(section);
    }
    expect(await readFile(paths.html, 'utf8')).toContain('<svg class="chart"');
  });
});

describe('streaming', () => {
  it('measures time to first token, never after the whole answer', async () => {
    const fake = await startFakeAgent({ runDelayMs: 10 });
    try {
      const report = await runLoadTest({ targets: [fake.url], stages: [3], stream: true, baseline: false, thinkTimeMs: 0, cooldownSec: 0 });
      const s = report.stages[0]!;
      expect(s.messages.succeeded).toBe(6);
      expect(s.ttftMs?.count).toBe(6);
      expect(s.ttftMs!.p50).toBeLessThanOrEqual(s.latencyMs.max);
      expect(s.tokens.prompt).toBe(6 * FAKE_USAGE.promptTokens);
      expect(s.conversations.bookingsConfirmed).toBe(3);
    } finally {
      await fake.close();
    }
  });
});

describe('without optional server routes', () => {
  it('falls back to a default catalogue and says stats were not available', async () => {
    const fake = await startFakeAgent({ stats: false, services: false });
    try {
      const report = await runLoadTest({ targets: [fake.url], stages: [2], baseline: false, thinkTimeMs: 0, cooldownSec: 0 });
      expect(report.catalogue.source).toBe('fallback');
      expect(report.stages[0]!.server.statsAvailable).toBe(false);
      expect(report.analysis.diagnoses[0]!.evidence.join(' ')).toContain('GET /stats not available');
      expect(report.stages[0]!.messages.succeeded).toBe(4);
    } finally {
      await fake.close();
    }
  });
});
