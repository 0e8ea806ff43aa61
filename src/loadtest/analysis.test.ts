import { describe, expect, it } from 'vitest';
import type { RunUsage, TurnOutcome } from './agent-client.js';
import { analyzeRun, diagnoseStage } from './analysis.js';
import { pricingFor } from '../llm/pricing.js';
import type { ServerObservation, StageReport } from './report-types.js';
import { StageRecorder } from './stage-recorder.js';
import { parseThreshold } from './thresholds.js';

const base: RunUsage = { llmCalls: 2, toolCalls: 1, promptTokens: 1000, cachedTokens: 0, completionTokens: 50, costUsd: 0, queueWaitMs: 0, llmMs: 0, toolMs: 0, retries: 0, providerRateLimited: 0, model: 'gpt-4o-mini' };
const noServer: ServerObservation = { statsAvailable: false, samples: 0, maxEventLoopLagMs: null, eventLoopLagField: null, maxQueueDepth: null, queueDepthField: null, last: null };

function stage(opts: { users: number; latencyMs: number; usage?: Partial<RunUsage>; failures?: TurnOutcome[]; server?: ServerObservation; answered?: number; provider429?: number }): StageReport {
  const r = new StageRecorder();
  const answered = opts.answered ?? 10;
  r.messagesPlanned = answered + (opts.failures?.length ?? 0);
  for (let i = 0; i < answered; i++) r.recordTurn({ intendedAt: 0, sentAt: 0, endedAt: opts.latencyMs, outcome: { ok: true, status: 200, text: '', usage: { ...base, ...opts.usage }, firstTokenAt: undefined }, planned: true });
  for (const f of opts.failures ?? []) r.recordTurn({ intendedAt: 0, sentAt: 0, endedAt: 10, outcome: f, planned: true });
  for (let i = 0; i < answered / 2; i++) r.recordConversation({ ok: true, latencySumMs: opts.latencyMs * 2, bookingConfirmed: true, recoveredFromTakenSlot: false });
  return r.finalize({
    label: `${opts.users} users`,
    kind: 'closed',
    users: opts.users,
    arrivalRatePerSec: null,
    runStartMs: 0,
    startMs: 0,
    endMs: 10_000,
    boundedBy: null,
    timeScale: 1,
    pricing: pricingFor('gpt-4o-mini')!,
    thresholds: [parseThreshold('success>0.95'), parseThreshold('p(95)<10000')],
    provider: { source: 'simulator', rateLimited: opts.provider429 ?? 0, rateLimitedDetail: `rateLimited.tokens ${opts.provider429 ?? 0}`, requests: 100, stats: {} },
    server: opts.server ?? noServer,
  });
}

const provider429 = (): TurnOutcome => ({ ok: false, cause: 'provider_rate_limited', status: 429, code: 'PROVIDER_RATE_LIMITED', message: '', retryAfterMs: undefined });

describe('diagnoseStage', () => {
  it('names provider 429s when they are what failed, quoting the counts', () => {
    const s = stage({ users: 100, latencyMs: 2000, usage: { llmMs: 1800 }, failures: Array.from({ length: 5 }, provider429), provider429: 12 });
    const d = diagnoseStage(s, null);
    expect(d.bottleneck).toBe('provider-rate-limit');
    expect(d.statement).toContain('5 messages');
    expect(d.evidence.join(' ')).toContain('12 rate-limited answers of 100 requests');
  });

  it('names the provider limit when the server absorbed its 429s and users waited instead', () => {
    const s = stage({ users: 100, latencyMs: 40_000, usage: { llmMs: 5000, providerRateLimited: 3 }, provider429: 40 });
    const d = diagnoseStage(s, null);
    expect(d.bottleneck).toBe('provider-rate-limit');
    expect(d.statement).toContain('40 of 100 provider requests (40.0%)');
    expect(d.statement).toContain('87.5% of their wait was outside LLM calls and tools');
  });

  it('names the queue when most of the wait is queued, from usage.run', () => {
    const s = stage({ users: 50, latencyMs: 20_000, usage: { queueWaitMs: 15_000, llmMs: 4000 } });
    const d = diagnoseStage(s, stage({ users: 1, latencyMs: 4000, usage: { llmMs: 3900 } }));
    expect(d.bottleneck).toBe('queue-wait');
    expect(d.statement).toContain('75.0%');
    expect(d.evidence.some((e) => e.includes('5.0x the single-user baseline'))).toBe(true);
  });

  it('names the event loop when the server reports a large lag', () => {
    const s = stage({ users: 50, latencyMs: 20_000, usage: { llmMs: 1000 }, server: { ...noServer, statsAvailable: true, samples: 3, maxEventLoopLagMs: 450, eventLoopLagField: 'eventLoopLag.p99Ms' } });
    expect(diagnoseStage(s, null).bottleneck).toBe('server-event-loop');
  });

  it('says so when nothing is measured instead of guessing', () => {
    const s = stage({ users: 10, latencyMs: 20_000, answered: 0, failures: [{ ok: false, cause: 'client_timeout', status: undefined, code: undefined, message: '', retryAfterMs: undefined }] });
    const d = diagnoseStage(s, null);
    expect(d.bottleneck).toBe('unanswered');
    expect(d.evidence[0]).toContain('not measured');
  });

  it('reports no bottleneck for a passing stage close to the baseline', () => {
    const b = stage({ users: 1, latencyMs: 1000, usage: { llmMs: 900 } });
    expect(diagnoseStage(stage({ users: 10, latencyMs: 1200, usage: { llmMs: 1000 } }), b).bottleneck).toBe('none');
  });
});

describe('analyzeRun', () => {
  it('assesses capacity as the last passing stage before the first failing one', () => {
    const stages = [stage({ users: 10, latencyMs: 1000 }), stage({ users: 50, latencyMs: 2000 }), stage({ users: 100, latencyMs: 3000, failures: Array.from({ length: 5 }, provider429) })];
    const a = analyzeRun(stages, null, { mode: 'quick', messages: 2 });
    expect(a.capacity.maxPassingUsers).toBe(50);
    expect(a.capacity.firstFailingUsers).toBe(100);
    expect(a.capacity.statement).toContain('success>0.95');
    expect(a.recommendations[0]?.evidence).toContain('5 of 15 messages failed');
  });

  it('projects cost per 1k and 10k users a day from the cost per successful conversation', () => {
    const stages = [stage({ users: 10, latencyMs: 1000 })];
    const a = analyzeRun(stages, null, { mode: 'quick', messages: 2 });
    const perConversation = stages[0]!.costUsd / stages[0]!.conversations.succeeded;
    expect(a.cost.perSuccessfulConversationUsd).toBeCloseTo(perConversation, 15);
    expect(a.cost.projections.map((p) => p.usersPerDay)).toEqual([1000, 10_000]);
    expect(a.cost.projections[1]!.usdPerDay).toBeCloseTo(perConversation * 10_000, 12);
  });
});
