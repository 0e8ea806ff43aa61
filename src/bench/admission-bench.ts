import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { LLM_TIERS } from '../llm/admission-settings.js';
import type { LoadTestReport, StageReport } from '../loadtest/report-types.js';
import { writeReports } from '../loadtest/report-writers.js';
import { runLoadTest, type LoadTestInput } from '../loadtest/run-load-test.js';
import { checkBenchTargets, stageProvider, type TargetCheck } from './admission-targets.js';
import { pairedDifference, type PairedDifference } from './paired-difference.js';

/** `off`: no gate, LangChain.js's retries; `off-python`: no gate, the OpenAI Python client's (the seed's system); `on`: admission control. */
export const ADMISSION_MODES = ['off', 'off-python', 'on'] as const;
export type AdmissionMode = (typeof ADMISSION_MODES)[number];

const MODE_SERVER_ARGS: Record<AdmissionMode, string[]> = {
  off: ['--admission', 'off', '--off-profile', 'langchain-js'],
  'off-python': ['--admission', 'off', '--off-profile', 'openai-python'],
  on: ['--admission', 'on'],
};

/**
 * `seed`: the seed report's test (10, 50, 100 users, quick mode, Tier-1 limits) with the
 * seed's agent (`--agent-profile legacy`: every answer from the model, about 3,300 tokens a
 * conversation, as the seed's 3,200), and a 5-minute deadline so success means "served".
 * `off` and `on` start each stage on a full provider budget, so that they are compared on the
 * same provider; `off-python`, the seed's own system, runs the stages back to back as the
 * seed's progressive test did, each starting on what the one before left of the budget, and
 * in real time: its stages are short (its users fail fast), so the time scale would save
 * little, and its 100-user burst would make the lab's CPU weigh double.
 * `saturation`: 1,000 users on the same limits with the default deadline, so most messages
 * cannot be served in time and must be shed.
 *
 * `timeScale`: the default, the fastest at which no process of the lab used more than half
 * a core on a 2-core machine, with room to spare (measured: see docs/admission.md); faster
 * scales measure the lab's own CPU, and their stages are marked `cpuBound` and counted towards
 * nothing. The seed preset's 50-user burst used 0.35-0.62 cores of server at 0.5 (over half
 * a core in six of ten stages), 0.25-0.31 at 0.75.
 */
export const ADMISSION_BENCH_PRESETS = {
  seed: { stages: [10, 50, 100], tier: 'tier1', deadlineMs: 300_000, defaultModes: ['off', 'off-python', 'on'], shedRetries: 0, timeScale: 0.75, agentProfile: 'legacy', backToBack: ['off-python'], realTime: ['off-python'] },
  saturation: { stages: [1000], tier: 'tier1', deadlineMs: undefined, defaultModes: ['on'], shedRetries: 5, timeScale: 0.5, agentProfile: 'lean', backToBack: [], realTime: [] },
} as const satisfies Record<
  string,
  { stages: number[]; tier: keyof typeof LLM_TIERS; deadlineMs: number | undefined; defaultModes: AdmissionMode[]; shedRetries: number; timeScale: number; agentProfile: 'lean' | 'legacy'; backToBack: AdmissionMode[]; realTime: AdmissionMode[] }
>;

/**
 * Conversations of the single-user baseline, in the scaled runs and in the real-time check
 * alike. The baseline holds them as the 10-user stage's customers (one each), so it books the
 * same slots before that stage in both runs and the stage meets the same free times; and as the
 * agent sends a `prompt_cache_key` per customer, the simulator draws the same latencies for a
 * customer's n-th call in the baseline, the stage and every mode (common random numbers).
 */
const BASELINE_CONVERSATIONS = 10;

/** The pause between stages of a mode run back to back: the load tester's default. */
const BACK_TO_BACK_COOLDOWN_SEC = 2;

export type AdmissionBenchPreset = keyof typeof ADMISSION_BENCH_PRESETS;

export interface AdmissionBenchOptions {
  preset: AdmissionBenchPreset;
  modes: AdmissionMode[];
  timeScale: number;
  out: string;
  /** Extra `concierge serve` flags for every mode. */
  serverArgs: string[];
  /** Extra `concierge sim` flags (e.g. `--limit-window 10s`). */
  simArgs: string[];
  onEvent?: LoadTestInput['onEvent'];
  onMode?: (mode: AdmissionMode, what: string) => void;
  /** Seed preset: also measure the 10-user latency ratio in real time (about a minute and a half per mode). */
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

/**
 * Median message latency at 10 users against one user, measured without time scaling: under
 * a time scale the server's CPU weighs 1/F times, so a latency *ratio* would measure the
 * scaling, not the system.
 */
export interface LatencyCheck {
  singleUserP50Ms: number;
  tenUsersP50Ms: number;
  ratio: number;
  /** The same ratio from the scaled run, for comparison. */
  scaledRatio: number | null;
  /**
   * The time-scale criterion checked against the ground truth: the 10-user stage of the
   * scaled run against the same stage in real time (real-time equivalents, seconds).
   */
  groundTruth: { scaled: StageFigures; realTime: StageFigures; worstDifference: number } | null;
}

export interface StageFigures {
  p50Sec: number;
  p95Sec: number;
  makespanSec: number;
  cpuBound: boolean;
}

function figuresOf(stage: StageReport): StageFigures {
  return { p50Sec: stage.realTime.latencyMs.p50 / 1000, p95Sec: stage.realTime.latencyMs.p95 / 1000, makespanSec: stage.realTime.durationSec, cpuBound: stage.cpuBound };
}

export interface AdmissionBenchResult {
  preset: AdmissionBenchPreset;
  timeScale: number;
  /** The machine's load average when the bench ended: other work on it makes figures provisional. */
  loadAverage: number[];
  modes: Partial<Record<AdmissionMode, BenchModeReport>>;
  latency: Partial<Record<AdmissionMode, LatencyCheck>>;
  /** `on` minus `off` at each stage both ran, paired by user and message (real time). */
  paired: Array<{ users: number; difference: PairedDifference | null }>;
  targets: TargetCheck[];
}

/** `on` minus `off`, message by message, at every stage (by its users) both modes ran. */
function pairOnAgainstOff(result: AdmissionBenchResult): AdmissionBenchResult['paired'] {
  const on = result.modes.on;
  const off = result.modes.off;
  if (!on || !off) return [];
  return on.stages.flatMap((a) => {
    const b = off.stages.find((s) => s.users === a.users);
    return b ? [{ users: a.users, difference: pairedDifference(a, on.timeScale, b, off.timeScale) }] : [];
  });
}

function allStages(report: LoadTestReport): StageReport[] {
  return [...(report.baseline ? [report.baseline] : []), ...report.stages];
}

function compareWithGroundTruth(scaled: StageFigures, realTime: StageFigures): NonNullable<LatencyCheck['groundTruth']> {
  const diff = (a: number, b: number) => (b > 0 ? Math.abs(a - b) / b : 0);
  const worstDifference = Math.max(diff(scaled.p50Sec, realTime.p50Sec), diff(scaled.p95Sec, realTime.p95Sec), diff(scaled.makespanSec, realTime.makespanSec));
  return { scaled, realTime, worstDifference };
}

/** Run the same load test in each mode against fresh local stacks, and check the targets. */
export async function runAdmissionBench(options: AdmissionBenchOptions): Promise<AdmissionBenchResult> {
  const preset = ADMISSION_BENCH_PRESETS[options.preset];
  const limits = { tier: preset.tier, ...LLM_TIERS[preset.tier] };
  const result: AdmissionBenchResult = { preset: options.preset, timeScale: options.timeScale, loadAverage: [], modes: {}, latency: {}, paired: [], targets: [] };
  mkdirSync(options.out, { recursive: true });
  const serverArgs = (mode: AdmissionMode, deadline: boolean) => [
    ...MODE_SERVER_ARGS[mode],
    '--llm-tier',
    preset.tier,
    '--agent-profile',
    preset.agentProfile,
    ...(deadline && preset.deadlineMs ? ['--deadline-ms', String(preset.deadlineMs)] : []),
    ...options.serverArgs,
  ];
  const backToBack: readonly AdmissionMode[] = preset.backToBack;
  const realTime: readonly AdmissionMode[] = preset.realTime;
  for (const mode of options.modes) {
    if (options.signal?.aborted) break;
    const timeScale = realTime.includes(mode) ? 1 : options.timeScale;
    options.onMode?.(mode, `${options.preset} preset, ${timeScale === 1 ? 'real time' : `time scale ${timeScale}`}, ${preset.agentProfile} agent, ${backToBack.includes(mode) ? 'stages back to back' : 'each stage on a full provider budget'}`);
    const report = await runLoadTest({
      preset: 'seed',
      stages: [...preset.stages],
      // Ten single-user conversations make the reference median steady.
      baselineConversations: BASELINE_CONVERSATIONS,
      // Each stage on a full provider budget, or (the seed's own system) on what the stage before left.
      cooldownSec: backToBack.includes(mode) ? BACK_TO_BACK_COOLDOWN_SEC : 'budget',
      // Saturated users come back after Retry-After, as a polite client would, so demand lasts.
      shedRetries: preset.shedRetries,
      timeScale,
      simPreset: preset.tier,
      simArgs: options.simArgs,
      serverArgs: serverArgs(mode, true),
      // The same customers in every mode (each on a fresh stack), so that the modes send the
      // same conversations and their logs compare customer by customer.
      runId: options.preset,
      logDir: join(options.out, mode, 'logs'),
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const provider = allStages(report).map(stageProvider).reduce((a, b) => ({ calls: a.calls + b.calls, rateLimited: a.rateLimited + b.rateLimited, chargedTokens: a.chargedTokens + b.chargedTokens }), { calls: 0, rateLimited: 0, chargedTokens: 0 });
    const withProvider: BenchModeReport = { ...report, provider, limits };
    await writeReports(withProvider, join(options.out, mode));
    result.modes[mode] = withProvider;
  }
  if (options.preset === 'seed' && options.latencyCheck) {
    for (const mode of options.modes.filter((m) => m !== 'off-python')) {
      if (options.signal?.aborted) break;
      options.onMode?.(mode, `latency check in real time: 1 user x ${BASELINE_CONVERSATIONS} conversations, then 10 users`);
      const check = await runLoadTest({
        preset: 'seed',
        stages: [10],
        baselineConversations: BASELINE_CONVERSATIONS,
        timeScale: 1,
        simPreset: preset.tier,
        simArgs: options.simArgs,
        serverArgs: serverArgs(mode, false),
        // The customers of the scaled run's 10-user stage: the ground truth sends the same conversations.
        runId: options.preset,
        logDir: join(options.out, mode, 'latency-logs'),
        ...(options.onEvent ? { onEvent: options.onEvent } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
      const single = check.baseline?.latencyMs.p50 ?? 0;
      const tenStage = check.stages[0];
      const ten = tenStage?.latencyMs.p50 ?? 0;
      const scaled = result.modes[mode];
      const scaledTen = scaled?.stages.find((s) => s.users === 10);
      result.latency[mode] = {
        singleUserP50Ms: single,
        tenUsersP50Ms: ten,
        ratio: single > 0 ? ten / single : 0,
        scaledRatio: scaled?.baseline && scaledTen ? scaledTen.latencyMs.p50 / scaled.baseline.latencyMs.p50 : null,
        groundTruth: scaledTen && tenStage ? compareWithGroundTruth(figuresOf(scaledTen), figuresOf(tenStage)) : null,
      };
    }
  }
  result.paired = pairOnAgainstOff(result);
  result.targets = checkBenchTargets(options.preset, result);
  result.loadAverage = loadavg().map((v) => Math.round(v * 100) / 100);
  writeFileSync(join(options.out, 'bench.json'), `${JSON.stringify(result, null, 2)}\n`);
  return result;
}
