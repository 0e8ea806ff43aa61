import { costUsd, priceOf } from '../llm/pricing.js';
import type { LoadTestReport } from '../loadtest/report-types.js';
import { GPT_4O_MINI_TIERS } from '../shared/openai-tiers.js';
import { simulateStage, type ModelInputs } from './capacity-model.js';
import { reportLimits, stageOf, type PlanFigures } from './plan-figures.js';

export interface PlanRequest {
  users: number;
  messages: number;
  p95Ms: number;
  thinkTimeMs: number;
  /** Hours a day the users are active, for the cost per day. */
  activeHours: number;
  figures: PlanFigures;
  model: string;
  /** Limits of your own (`--llm-rpm/--llm-tpm`), shown as one more row. */
  custom?: { rpm: number; tpm: number } | undefined;
  /** Share of one replica's CPU a plan allows itself. */
  cpuUtilisation?: number;
}

export interface PlanRow {
  tier: string;
  rpm: number;
  tpm: number;
  /** The most users chatting without pause (one message every answer plus think time) whose p95 stays under the target. */
  maxUsers: number;
  meets: boolean;
  /** A stage of the requested users all starting at once on a full budget, as the load test runs it. */
  burst: { makespanMs: number; p95Ms: number };
}

export interface CapacityPlan {
  request: Omit<PlanRequest, 'figures' | 'custom'>;
  figures: PlanFigures;
  rows: PlanRow[];
  smallestTier: string | null;
  /** One message per user per cycle: its mean answer time plus think time. */
  cycleMs: number;
  singleUserP95Ms: number;
  replicas: number;
  costPerMessageUsd: number;
  costPerDayUsd: number;
  costPer30DaysUsd: number;
}

const UNLIMITED = { rpm: 1e12, tpm: 1e15 };

function modelInputs(request: PlanRequest, limits: { rpm: number; tpm: number }, users: number, replicas: number): ModelInputs {
  const f = request.figures;
  return {
    users,
    messages: request.messages,
    conversationsPerUser: 1,
    thinkTimeMs: request.thinkTimeMs,
    chargedPerMessage: f.chargedPerMessage,
    llmCallsPerMessage: f.llmCallsPerMessage,
    callP50Ms: f.callP50Ms,
    callP95Ms: f.callP95Ms,
    cpuPerMessageMs: f.cpuPerMessageMs,
    replicas,
    rpm: limits.rpm,
    tpm: limits.tpm,
    minuteMs: 60_000,
    startingBudget: 1,
    seed: 1,
  };
}

/**
 * The plan. Sustained capacity is a rate bound: a token bucket serves demand below its
 * refill rate without waiting and builds an unbounded queue above it, so the most users a
 * tier serves at the p95 target is where their demand (tokens and requests per minute) meets
 * the tier's limits, provided a lone user's p95 already meets the target (else none). The
 * burst figures come from the event model: the requested users all starting at once on a
 * full budget, as a load-test stage does.
 */
export function planCapacity(request: PlanRequest): CapacityPlan {
  const f = request.figures;
  const utilisation = request.cpuUtilisation ?? 0.7;
  const sigma = Math.max(0, Math.log(Math.max(f.callP95Ms, f.callP50Ms) / f.callP50Ms) / 1.645);
  const meanAnswerMs = f.llmCallsPerMessage * f.callP50Ms * Math.exp((sigma * sigma) / 2) + f.cpuPerMessageMs;
  const cycleMs = meanAnswerMs + request.thinkTimeMs;
  const cpuLoad = (request.users / cycleMs) * f.cpuPerMessageMs;
  const replicas = Math.max(1, Math.ceil(cpuLoad / utilisation));
  const lone = simulateStage({ ...modelInputs(request, UNLIMITED, 200, 200), conversationsPerUser: 5 });
  const tiers: Array<[string, { rpm: number; tpm: number }]> = [...Object.entries(GPT_4O_MINI_TIERS), ...(request.custom ? [['custom', request.custom] as [string, { rpm: number; tpm: number }]] : [])];
  const rows = tiers.map(([tier, limits]) => {
    const perUserPerMin = 60_000 / cycleMs;
    const rate = Math.min(limits.tpm / (f.chargedPerMessage * perUserPerMin), limits.rpm / (f.llmCallsPerMessage * perUserPerMin));
    const maxUsers = lone.p95Ms <= request.p95Ms ? Math.floor(rate) : 0;
    const burst = simulateStage(modelInputs(request, limits, request.users, replicas));
    return { tier, rpm: limits.rpm, tpm: limits.tpm, maxUsers, meets: maxUsers >= request.users, burst: { makespanMs: burst.makespanMs, p95Ms: burst.p95Ms } };
  });
  const pricing = priceOf(request.model);
  const costPerMessageUsd =
    f.llmCallsPerMessage * costUsd({ promptTokens: f.promptPerCall, cachedTokens: f.cachedPerCall, completionTokens: f.completionPerCall }, pricing);
  const messagesPerDay = (request.users * request.activeHours * 3_600_000) / cycleMs;
  const costPerDayUsd = messagesPerDay * costPerMessageUsd;
  return {
    request: { users: request.users, messages: request.messages, p95Ms: request.p95Ms, thinkTimeMs: request.thinkTimeMs, activeHours: request.activeHours, model: request.model },
    figures: f,
    rows,
    smallestTier: rows.find((r) => r.meets && r.tier !== 'custom')?.tier ?? null,
    cycleMs,
    singleUserP95Ms: lone.p95Ms,
    replicas,
    costPerMessageUsd,
    costPerDayUsd,
    costPer30DaysUsd: costPerDayUsd * 30,
  };
}

export interface StagePrediction {
  stage: string;
  users: number;
  tier: string;
  measured: { makespanSec: number; p95Ms: number };
  predicted: { makespanSec: number; p95Ms: number };
  /** predicted / measured. */
  ratio: { makespan: number; p95: number };
}

/**
 * The event model run on a report's own largest stage (its users, messages, think time,
 * limits and time scale, a full budget at the start) against what the stage measured. Real
 * time on both sides.
 */
export function predictReportStage(report: LoadTestReport, figures: PlanFigures): StagePrediction | undefined {
  const stage = stageOf(report);
  const limits = reportLimits(report);
  if (!stage || !limits || stage.kind !== 'closed') return undefined;
  const f = report.timeScale;
  // The model runs on the stage's clock: provider times and the minute scale, CPU not.
  const result = simulateStage({
    users: stage.users,
    messages: report.config.messages,
    conversationsPerUser: report.config.conversationsPerUser,
    thinkTimeMs: report.config.applied.thinkTimeMs,
    chargedPerMessage: figures.chargedPerMessage,
    llmCallsPerMessage: figures.llmCallsPerMessage,
    callP50Ms: figures.callP50Ms * f,
    callP95Ms: figures.callP95Ms * f,
    cpuPerMessageMs: figures.cpuPerMessageMs,
    replicas: Math.max(1, report.config.targets.length),
    rpm: limits.rpm,
    tpm: limits.tpm,
    minuteMs: 60_000 * f,
    startingBudget: 1,
    seed: report.config.seed,
  });
  const measured = { makespanSec: stage.realTime.durationSec, p95Ms: stage.realTime.latencyMs.p95 };
  const predicted = { makespanSec: result.makespanMs / 1000 / f, p95Ms: result.p95Ms / f };
  return {
    stage: stage.label,
    users: stage.users,
    tier: limits.tier,
    measured,
    predicted,
    ratio: { makespan: predicted.makespanSec / measured.makespanSec, p95: predicted.p95Ms / measured.p95Ms },
  };
}
