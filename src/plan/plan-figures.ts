import { reportInvalid } from '../loadtest/loadtest-errors.js';
import type { LoadTestReport, StageReport } from '../loadtest/report-types.js';
import { GPT_4O_MINI_TIERS } from '../shared/openai-tiers.js';

/**
 * The measured figures a capacity plan rests on, per message, in real time (a scaled run's
 * durations divided by its time scale; CPU is never scaled).
 */
export interface PlanFigures {
  source: string;
  chargedPerMessage: number;
  llmCallsPerMessage: number;
  callP50Ms: number;
  callP95Ms: number;
  cpuPerMessageMs: number;
  promptPerCall: number;
  cachedPerCall: number;
  completionPerCall: number;
}

/**
 * What this version measures with `concierge bench tokens` (lean agent, answer cache off,
 * seed preset, quick mode) and `concierge loadtest --preset seed` on the simulator's default
 * latency profile: 1,373 charged tokens per two-message conversation, one call per message,
 * about 40 ms of server CPU per message (`concierge loadtest --preset seed`, real time).
 */
export const DEFAULT_FIGURES: PlanFigures = Object.freeze({
  source: 'defaults (lean agent, answer cache off, measured on the simulator)',
  chargedPerMessage: 687,
  llmCallsPerMessage: 1,
  callP50Ms: 1500,
  callP95Ms: 2600,
  cpuPerMessageMs: 40,
  promptPerCall: 527,
  cachedPerCall: 0,
  completionPerCall: 65,
});

interface SimStats {
  requests?: number;
  tokens?: { prompt?: number; cached?: number; completion?: number; charged?: number };
}

/** The stage a plan is checked against: the largest closed stage that sent messages. */
export function stageOf(report: LoadTestReport): StageReport | undefined {
  return [...report.stages].filter((s) => s.messages.total > 0).sort((a, b) => b.users - a.users)[0];
}

/** The provider limits a report's run had (its simulator preset), when they are published tiers. */
export function reportLimits(report: LoadTestReport): { tier: string; rpm: number; tpm: number } | undefined {
  const tier = report.config.simPreset;
  const limits = tier ? (GPT_4O_MINI_TIERS as Record<string, { rpm: number; tpm: number }>)[tier] : undefined;
  return tier && limits ? { tier, ...limits } : undefined;
}

/** Per-message figures from a report's largest stage, in real time. */
export function figuresFromReport(report: LoadTestReport, file: string): PlanFigures {
  const source = `measured in ${file}`;
  const stage = stageOf(report);
  if (!stage) throw reportInvalid(file, 'it has no stage that sent messages');
  const f = report.timeScale;
  const stats = (stage.provider.stats ?? {}) as SimStats;
  const messages = stage.messages.total;
  const calls = stats.requests ?? stage.usage.llmCalls;
  const callsPerMessage = messages > 0 ? calls / messages : DEFAULT_FIGURES.llmCallsPerMessage;
  const meanCallMs = stage.usage.llmCalls > 0 ? stage.usage.llmMs / stage.usage.llmCalls / f : DEFAULT_FIGURES.callP50Ms;
  const p95 = stage.server.prometheus?.llmCallP95Ms;
  const callP95Ms = p95 ? p95 / f : meanCallMs * 1.7;
  // Lognormal: mean = median x exp(sigma^2 / 2), p95 = median x exp(1.645 sigma).
  const callP50Ms = medianFromMeanAndP95(meanCallMs, callP95Ms);
  const cpuSec = stage.server.prometheus?.cpuSec;
  return {
    source,
    chargedPerMessage: messages > 0 && stats.tokens?.charged ? stats.tokens.charged / messages : DEFAULT_FIGURES.chargedPerMessage,
    llmCallsPerMessage: callsPerMessage,
    callP50Ms,
    callP95Ms,
    cpuPerMessageMs: cpuSec !== undefined && messages > 0 ? (cpuSec * 1000) / messages : DEFAULT_FIGURES.cpuPerMessageMs,
    promptPerCall: calls > 0 ? (stats.tokens?.prompt ?? stage.tokens.prompt) / calls : DEFAULT_FIGURES.promptPerCall,
    cachedPerCall: calls > 0 ? (stats.tokens?.cached ?? stage.tokens.cached) / calls : 0,
    completionPerCall: calls > 0 ? (stats.tokens?.completion ?? stage.tokens.completion) / calls : DEFAULT_FIGURES.completionPerCall,
  };
}

/** Solve median x exp(s^2/2) = mean and median x exp(1.645 s) = p95 for the median. */
function medianFromMeanAndP95(mean: number, p95: number): number {
  if (!(p95 > mean)) return mean;
  // ln(p95/mean) = 1.645 s - s^2/2: the smaller root.
  const k = Math.log(p95 / mean);
  const disc = 1.645 * 1.645 - 2 * k;
  const s = disc > 0 ? 1.645 - Math.sqrt(disc) : 1.645;
  return mean / Math.exp((s * s) / 2);
}
