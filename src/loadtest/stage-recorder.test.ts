import { describe, expect, it } from 'vitest';
import type { RunUsage, TurnOutcome } from './agent-client.js';
import { LatencyHistogram } from './latency-histogram.js';
import { costUsd, pricingFor } from '../llm/pricing.js';
import { StageRecorder } from './stage-recorder.js';
import { parseThreshold } from './thresholds.js';

const usage: RunUsage = { llmCalls: 2, toolCalls: 1, promptTokens: 1200, cachedTokens: 1024, completionTokens: 60, costUsd: 0, queueWaitMs: 100, llmMs: 600, toolMs: 20, retries: 0, providerRateLimited: 0, model: 'gpt-4o-mini' };
const ok = (u: RunUsage = usage): TurnOutcome => ({ ok: true, status: 200, text: 'fine', usage: u, firstTokenAt: undefined });
const rateLimited: TurnOutcome = { ok: false, cause: 'provider_rate_limited', status: 429, code: 'PROVIDER_RATE_LIMITED', message: 'slow down', retryAfterMs: undefined };
const pricing = pricingFor('gpt-4o-mini')!;

function finalize(recorder: StageRecorder, timeScale = 1) {
  return recorder.finalize({
    label: '3 users',
    kind: 'closed',
    users: 3,
    arrivalRatePerSec: null,
    runStartMs: 0,
    startMs: 0,
    endMs: 4000,
    boundedBy: null,
    timeScale,
    pricing,
    thresholds: [parseThreshold('success>0.95'), parseThreshold('p(95)<10000')],
    provider: { source: 'none', rateLimited: null, rateLimitedDetail: null, requests: null, stats: null },
    server: { statsAvailable: false, samples: 0, maxEventLoopLagMs: null, eventLoopLagField: null, maxQueueDepth: null, queueDepthField: null, last: null },
  });
}

function filled(): StageRecorder {
  const r = new StageRecorder();
  r.messagesPlanned = 6;
  for (let i = 0; i < 5; i++) r.recordTurn({ intendedAt: i * 100, sentAt: i * 100 + 10, endedAt: i * 100 + 1000 + i * 200, outcome: ok(), planned: true });
  r.recordTurn({ intendedAt: 600, sentAt: 600, endedAt: 700, outcome: rateLimited, planned: true });
  r.recordConversation({ ok: true, latencySumMs: 2200, bookingConfirmed: true, recoveredFromTakenSlot: false });
  r.recordConversation({ ok: true, latencySumMs: 2600, bookingConfirmed: true, recoveredFromTakenSlot: true });
  r.recordConversation({ ok: false, latencySumMs: 0, bookingConfirmed: false, recoveredFromTakenSlot: false });
  return r;
}

describe('StageRecorder.finalize', () => {
  it('gives consistent figures', () => {
    const s = finalize(filled());
    expect(s.messages).toEqual({ planned: 6, total: 6, succeeded: 5, failed: 1, notSent: 0 });
    expect(s.messages.succeeded + s.messages.failed).toBe(s.messages.total);
    expect(s.durationSec).toBe(4);
    expect(s.throughput.messagesPerSec).toBeCloseTo(s.messages.succeeded / s.durationSec, 12);
    expect(s.throughput.conversationsPerSec).toBeCloseTo(2 / 4, 12);
    const l = s.latencyMs;
    expect(l.p50).toBeLessThanOrEqual(l.p95);
    expect(l.p95).toBeLessThanOrEqual(l.p99);
    expect(l.p99).toBeLessThanOrEqual(l.max);
    expect(l.mean).toBeCloseTo((1000 + 1200 + 1400 + 1600 + 1800) / 5, 6);
    expect(s.failures.provider_rate_limited).toBe(1);
    expect(s.conversations).toEqual({ total: 3, succeeded: 2, failed: 1, bookingsConfirmed: 2, takenSlotsRecovered: 1 });
  });

  it('prices tokens from usage: cached at the cached price, the rest at input and output prices', () => {
    const s = finalize(filled());
    expect(s.tokens).toMatchObject({ prompt: 6000, cached: 5120, completion: 300 });
    const expected = ((6000 - 5120) * 0.15 + 5120 * 0.075 + 300 * 0.6) / 1e6;
    expect(s.costUsd).toBeCloseTo(expected, 15);
    expect(s.costUsd).toBeCloseTo(costUsd({ promptTokens: 6000, cachedTokens: 5120, completionTokens: 300 }, pricing), 15);
    expect(s.cost.perSuccessfulConversationUsd).toBeCloseTo(expected / 2, 15);
    expect(s.cost.perConversationUsd).toBeCloseTo(expected / 3, 15);
    expect(s.usage.llmCallsPerMessage).toBe(2);
  });

  it('splits the waiting time from usage.run', () => {
    const s = finalize(filled());
    const basis = 1000 + 1200 + 1400 + 1600 + 1800;
    expect(s.timeShare?.queued).toBeCloseTo(500 / basis, 9);
    expect(s.timeShare?.llm).toBeCloseTo(3000 / basis, 9);
    expect(s.timeShare?.tools).toBeCloseTo(100 / basis, 9);
  });

  it('stores histograms that recompute the same percentiles', () => {
    const s = finalize(filled());
    const h = LatencyHistogram.decode(s.histograms.messageLatency, s.histograms.sumsMs.messageLatency);
    expect(h.summary()).toEqual(s.latencyMs);
  });

  it('gives real-time equivalents and judges thresholds on them', () => {
    const s = finalize(filled(), 0.1);
    expect(s.realTime.durationSec).toBeCloseTo(40, 9);
    expect(s.realTime.latencyMs.p95).toBeCloseTo(s.latencyMs.p95 * 10, 6);
    expect(s.realTime.throughput.messagesPerSec).toBeCloseTo(s.throughput.messagesPerSec / 10, 9);
    // 1.8 s measured at time scale 0.1 is 18 s of real time: p(95)<10000 fails.
    expect(s.verdict.checks.find((c) => c.expression === 'p(95)<10000')?.pass).toBe(false);
    expect(finalize(filled(), 1).verdict.checks.find((c) => c.expression === 'p(95)<10000')?.pass).toBe(true);
  });

  it('counts planned messages that were never sent', () => {
    const r = new StageRecorder();
    r.messagesPlanned = 4;
    r.recordTurn({ intendedAt: 0, sentAt: 0, endedAt: 10, outcome: rateLimited, planned: true });
    expect(finalize(r).messages).toEqual({ planned: 4, total: 1, succeeded: 0, failed: 1, notSent: 3 });
    expect(finalize(r).verdict.pass).toBe(false);
  });

  it("keeps each user's message latencies in order, a failed message as null", () => {
    const r = new StageRecorder();
    r.recordTurn({ intendedAt: 0, sentAt: 0, endedAt: 1200, outcome: ok(), planned: true, user: 's1u0' });
    r.recordTurn({ intendedAt: 0, sentAt: 0, endedAt: 900, outcome: ok(), planned: true, user: 's1u1' });
    r.recordTurn({ intendedAt: 2000, sentAt: 2000, endedAt: 2100, outcome: rateLimited, planned: true, user: 's1u0' });
    r.recordTurn({ intendedAt: 3000, sentAt: 3000, endedAt: 3750, outcome: ok(), planned: true, user: 's1u0' });
    expect(finalize(r).latenciesByUser).toEqual({ s1u0: [1200, null, 750], s1u1: [900] });
  });

  it('records when the first and the last message were shed, from the stage start', () => {
    const shed: TurnOutcome = { ok: false, cause: 'shed', status: 503, code: 'OVERLOADED', message: 'come back later', retryAfterMs: 2000 };
    const r = new StageRecorder();
    expect(finalize(r).shedWindowSec).toBeNull();
    r.recordTurn({ intendedAt: 0, sentAt: 0, endedAt: 1500, outcome: shed, planned: true });
    r.recordTurn({ intendedAt: 0, sentAt: 0, endedAt: 900, outcome: shed, planned: true });
    r.recordTurn({ intendedAt: 0, sentAt: 0, endedAt: 3200, outcome: rateLimited, planned: true });
    r.recordTurn({ intendedAt: 0, sentAt: 0, endedAt: 2500, outcome: shed, planned: true });
    expect(finalize(r).shedWindowSec).toEqual({ fromSec: 0.9, toSec: 2.5 });
  });
});
