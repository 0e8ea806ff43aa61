import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LLM_TIERS } from '../llm/admission-settings.js';
import type { LoadTestReport, StageReport } from '../loadtest/report-types.js';
import { writeReports } from '../loadtest/report-writers.js';
import { runLoadTest, type LoadTestInput } from '../loadtest/run-load-test.js';

export type AdmissionMode = 'off' | 'on';

/**
 * `seed`: the seed report's test (10, 50, 100 users, quick mode, Tier-1 limits) with a
 * 5-minute deadline so success means "served". `saturation`: 1,000 users on the same limits
 * with the default deadline, so most messages cannot be served in time and must be shed.
 */
export const ADMISSION_BENCH_PRESETS = {
  seed: { stages: [10, 50, 100], tier: 'tier1', deadlineMs: 300_000, defaultModes: ['off', 'on'], shedRetries: 0 },
  saturation: { stages: [1000], tier: 'tier1', deadlineMs: undefined, defaultModes: ['on'], shedRetries: 5 },
} as const satisfies Record<string, { stages: number[]; tier: keyof typeof LLM_TIERS; deadlineMs: number | undefined; defaultModes: AdmissionMode[]; shedRetries?: number }>;

export type AdmissionBenchPreset = keyof typeof ADMISSION_BENCH_PRESETS;

export interface AdmissionBenchOptions {
  preset: AdmissionBenchPreset;
  modes: AdmissionMode[];
  timeScale: number;
  out: string;
  /** Extra `concierge serve` flags for both modes. */
  serverArgs: string[];
  onEvent?: LoadTestInput['onEvent'];
  onMode?: (mode: AdmissionMode, what: string) => void;
  /** Seed preset: also measure the 10-user latency ratio in real time (about a minute per mode). */
  latencyCheck: boolean;
  signal?: AbortSignal;
}

/** What the provider saw over a whole run, from the simulator's counters. */
export interface ProviderTotals {
  calls: number;
  rateLimited: number;
  chargedTokens: number;
}

export type BenchModeReport = LoadTestReport & { provider: ProviderTotals; limits: { tier: string; rpm: number; tpm: number } };

export interface TargetCheck {
  name: string;
  pass: boolean;
  measured: string;
}

export interface StageEvidence {
  label: string;
  users: number;
  /** Measured (real) seconds until the last conversation of the stage ended. */
  makespanSec: number;
  /** The provider-limited minimum, real seconds: charged tokens / TPM, plus one conversation. */
  providerMinimumSec: number;
  makespanOverMinimum: number;
  /**
   * Tokens the provider charged per nominal minute of the stage. Above the limit means the
   * stage started on a full bucket (a minute deep), which is also why a short stage can end
   * before the literal minimum above.
   */
  achievedTpm: number;
  /** Smallest tier whose limits would keep this stage's p95 under the threshold (estimate). */
  tierForP95: string | null;
}

/**
 * Median message latency at 10 users against one user, measured without time scaling. Under
 * a time scale F the provider is 1/F times faster but the server's own CPU time is not, so
 * at F = 0.05 every millisecond of CPU weighs like twenty: a latency *ratio* then measures
 * the scaling, not the system. This check runs in real time.
 */
export interface LatencyCheck {
  singleUserP50Ms: number;
  tenUsersP50Ms: number;
  ratio: number;
  /** The same ratio from the scaled run, for comparison. */
  scaledRatio: number | null;
}

export interface AdmissionBenchResult {
  modes: Partial<Record<AdmissionMode, BenchModeReport>>;
  evidence: Partial<Record<AdmissionMode, StageEvidence[]>>;
  latency: Partial<Record<AdmissionMode, LatencyCheck>>;
  targets: TargetCheck[];
}

interface SimStatsShape {
  requests?: number;
  rateLimited?: { requests?: number; tokens?: number; tooLarge?: number };
  tokens?: { charged?: number };
}

function stageProvider(stage: StageReport): ProviderTotals {
  const stats = (stage.provider.stats ?? {}) as SimStatsShape;
  return {
    calls: stats.requests ?? stage.provider.requests ?? 0,
    rateLimited: (stats.rateLimited?.requests ?? 0) + (stats.rateLimited?.tokens ?? 0) + (stats.rateLimited?.tooLarge ?? 0),
    chargedTokens: stats.tokens?.charged ?? 0,
  };
}

function allStages(report: LoadTestReport): StageReport[] {
  return [...(report.baseline ? [report.baseline] : []), ...report.stages];
}

const P95_THRESHOLD_MS = 10_000;

/**
 * Where the stage's time went, against the provider's limit. Real seconds throughout: one
 * nominal minute lasts 60 x timeScale real seconds.
 */
function stageEvidence(report: LoadTestReport, stage: StageReport, tpm: number): StageEvidence {
  const provider = stageProvider(stage);
  const minuteSec = 60 * report.timeScale;
  const baseline = report.baseline;
  const oneConversationSec = baseline
    ? (baseline.conversationLatencyMs.p50 + report.config.applied.thinkTimeMs * Math.max(0, baseline.messages.total / Math.max(1, baseline.conversations.total) - 1)) / 1000
    : 0;
  const providerMinimumSec = (provider.chargedTokens / tpm) * minuteSec + oneConversationSec;
  // A closed stage sends its users' first messages at once; the p95 message waits for about
  // 95% of that wave to be served. Served at a tier's TPM, that wave takes this long (nominal).
  const messages = Math.max(1, stage.messages.total);
  const chargedPerMessage = provider.chargedTokens / messages;
  const baselineP95Ms = baseline ? baseline.realTime.latencyMs.p95 : 0;
  const tierForP95 =
    (Object.entries(LLM_TIERS) as Array<[string, { rpm: number; tpm: number }]>).find(([, limits]) => {
      const waveMs = ((0.95 * stage.users * chargedPerMessage) / limits.tpm) * 60_000;
      return baselineP95Ms + waveMs < P95_THRESHOLD_MS && (0.95 * stage.users * (stage.usage.llmCallsPerMessage || 1)) / limits.rpm < P95_THRESHOLD_MS / 60_000;
    })?.[0] ?? null;
  return {
    label: stage.label,
    users: stage.users,
    makespanSec: stage.durationSec,
    providerMinimumSec,
    makespanOverMinimum: providerMinimumSec > 0 ? stage.durationSec / providerMinimumSec : 0,
    achievedTpm: stage.durationSec > 0 ? provider.chargedTokens / (stage.durationSec / minuteSec) : 0,
    tierForP95,
  };
}

function checkTargets(preset: AdmissionBenchPreset, on: BenchModeReport, evidence: StageEvidence[], latency: LatencyCheck | undefined): TargetCheck[] {
  const targets: TargetCheck[] = [];
  const rate = on.provider.calls > 0 ? on.provider.rateLimited / on.provider.calls : 0;
  targets.push({ name: 'provider 429s <= 1% of LLM calls', pass: rate <= 0.01, measured: `${on.provider.rateLimited} of ${on.provider.calls} (${(rate * 100).toFixed(2)}%)` });
  if (preset === 'seed') {
    for (const stage of on.stages) {
      targets.push({ name: `100% success at ${stage.users} users`, pass: stage.messages.failed === 0, measured: `${(stage.successRate * 100).toFixed(1)}% (${stage.messages.failed} failed)` });
    }
    if (latency) {
      targets.push({
        name: 'median at 10 users <= 1.1x single-user median (real time)',
        pass: latency.ratio <= 1.1,
        measured: `${latency.ratio.toFixed(3)}x (${Math.round(latency.tenUsersP50Ms)} ms vs ${Math.round(latency.singleUserP50Ms)} ms; ${latency.scaledRatio === null ? '' : `${latency.scaledRatio.toFixed(3)}x in the scaled run`})`,
      });
    }
    const hundred = evidence.find((e) => e.users === 100);
    if (hundred) {
      targets.push({
        name: '100-user makespan <= 1.15x provider-limited minimum',
        pass: hundred.makespanOverMinimum <= 1.15,
        measured: `${hundred.makespanOverMinimum.toFixed(3)}x (${hundred.makespanSec.toFixed(1)} s vs ${hundred.providerMinimumSec.toFixed(1)} s measured)`,
      });
    }
  } else {
    const stage = on.stages[0]!;
    const provider = stageProvider(stage);
    const minutes = stage.durationSec / (60 * on.timeScale);
    const achievedTpm = minutes > 0 ? provider.chargedTokens / minutes : 0;
    targets.push({ name: 'achieved TPM >= 90% of the limit', pass: achievedTpm >= 0.9 * on.limits.tpm, measured: `${Math.round(achievedTpm)} of ${on.limits.tpm} (${((achievedTpm / on.limits.tpm) * 100).toFixed(1)}%)` });
    const timedOut = stage.failures.client_timeout ?? 0;
    const unexplained = stage.messages.failed - stage.shedWithRetryAfter;
    targets.push({ name: 'every message answered or shed with Retry-After', pass: unexplained === 0 && stage.messages.notSent === 0, measured: `${stage.messages.succeeded} answered, ${stage.shedWithRetryAfter} shed with Retry-After, ${unexplained} other failures, ${stage.messages.notSent} not sent` });
    targets.push({ name: 'no message timed out', pass: timedOut === 0, measured: `${timedOut} timed out` });
  }
  return targets;
}

/** Run the same load test with admission off and on against fresh local stacks, and compare. */
export async function runAdmissionBench(options: AdmissionBenchOptions): Promise<AdmissionBenchResult> {
  const preset = ADMISSION_BENCH_PRESETS[options.preset];
  const limits = { tier: preset.tier, ...LLM_TIERS[preset.tier] };
  const result: AdmissionBenchResult = { modes: {}, evidence: {}, latency: {}, targets: [] };
  mkdirSync(options.out, { recursive: true });
  for (const mode of options.modes) {
    options.onMode?.(mode, `${options.preset} preset, time scale ${options.timeScale}`);
    const serverArgs = ['--admission', mode, '--llm-tier', preset.tier, ...(preset.deadlineMs ? ['--deadline-ms', String(preset.deadlineMs)] : []), ...options.serverArgs];
    const report = await runLoadTest({
      preset: 'seed',
      stages: [...preset.stages],
      // Ten single-user conversations make the reference median steady.
      baselineConversations: 10,
      // Saturated users come back after Retry-After, as a polite client would, so demand lasts.
      shedRetries: preset.shedRetries,
      timeScale: options.timeScale,
      simPreset: preset.tier,
      serverArgs,
      runId: `${options.preset}-${mode}`,
      logDir: join(options.out, mode, 'logs'),
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const totals = allStages(report).map(stageProvider).reduce((a, b) => ({ calls: a.calls + b.calls, rateLimited: a.rateLimited + b.rateLimited, chargedTokens: a.chargedTokens + b.chargedTokens }), { calls: 0, rateLimited: 0, chargedTokens: 0 });
    const withProvider: BenchModeReport = { ...report, provider: totals, limits };
    await writeReports(report, join(options.out, mode));
    result.modes[mode] = withProvider;
    result.evidence[mode] = report.stages.map((stage) => stageEvidence(report, stage, limits.tpm));
    if (options.signal?.aborted) break;
  }
  if (options.preset === 'seed' && options.latencyCheck) {
    for (const mode of options.modes) {
      if (options.signal?.aborted) break;
      options.onMode?.(mode, 'latency check in real time: 1 user x 5 conversations, then 10 users');
      const check = await runLoadTest({
        preset: 'seed',
        stages: [10],
        baselineConversations: 5,
        timeScale: 1,
        simPreset: preset.tier,
        serverArgs: ['--admission', mode, '--llm-tier', preset.tier, ...options.serverArgs],
        runId: `latency-${mode}`,
        logDir: join(options.out, mode, 'latency-logs'),
        ...(options.onEvent ? { onEvent: options.onEvent } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
      const single = check.baseline?.latencyMs.p50 ?? 0;
      const ten = check.stages[0]?.latencyMs.p50 ?? 0;
      const scaled = result.modes[mode];
      const scaledTen = scaled?.stages.find((s) => s.users === 10);
      result.latency[mode] = {
        singleUserP50Ms: single,
        tenUsersP50Ms: ten,
        ratio: single > 0 ? ten / single : 0,
        scaledRatio: scaled?.baseline && scaledTen ? scaledTen.latencyMs.p50 / scaled.baseline.latencyMs.p50 : null,
      };
    }
  }
  if (result.modes.on) result.targets = checkTargets(options.preset, result.modes.on, result.evidence.on ?? [], result.latency.on);
  writeFileSync(join(options.out, 'bench.json'), `${JSON.stringify({ modes: result.modes, evidence: result.evidence, latency: result.latency, targets: result.targets }, null, 2)}\n`);
  return result;
}
