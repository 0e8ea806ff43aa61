import { readFileSync } from 'node:fs';
import { arch, cpus, loadavg, platform, totalmem } from 'node:os';
import { analyzeRun } from './analysis.js';
import type { LoadTestExecution } from './execute-load-test.js';
import { fmtNum } from './format.js';
import type { LoadTestOptions, LoadTestPlan } from './load-test-plan.js';
import { REPORT_SCHEMA, REPORTED_OPTIONS, type LoadTestReport, type ReportConfig, type ReportEnvironment } from './report-types.js';

/** The report of a run: the plan it followed, what it measured, the verdict and the analysis (pure but for the environment). */
export function assembleReport(options: LoadTestOptions, plan: LoadTestPlan, run: LoadTestExecution): LoadTestReport {
  const f = plan.timeScale;
  const notes = [...run.notes];
  if (f !== 1) {
    notes.push(`Time scale ${f}: the simulator and the server ran ${fmtFactor(f)}; real-time figures divide measured durations and latencies by ${f}.`);
    notes.push(`CPU time (the server's graph, database and HTTP work, and this load generator) is not scaled: in real-time equivalents it counts ${fmtNum(1 / f)}x, so waits "elsewhere" and event-loop lag are overstated compared with a real-time run.`);
  }
  if (run.stoppedBy === 'signal') notes.push('Stopped by a signal (Ctrl-C): stages after the interrupted one did not run.');
  if (run.stoppedBy === 'run-bound') notes.push(`Stopped by the whole-run bound (${Math.round(plan.applied.maxDurationMs / f / 1000)} s real time).`);
  if (run.stages.some((s) => s.messages.succeeded > 0 && s.usage.answersWithUsage === 0)) notes.push('Some answers carried no usage.run: tokens, cost and the time split are missing for them.');

  const reported = Object.fromEntries(REPORTED_OPTIONS.map((key) => [key, options[key]])) as Pick<LoadTestOptions, (typeof REPORTED_OPTIONS)[number]>;
  const config: ReportConfig = {
    ...reported,
    targets: run.targets,
    localStack: run.localStack,
    simUrl: run.simUrl ?? null,
    stages: options.model === 'closed' ? [...options.stages] : [],
    arrivalRates: options.model === 'open' ? [...options.arrivalRates] : [],
    messages: plan.messages,
    stageTimeoutSec: plan.applied.stageTimeoutMs / 1000 / f,
    maxDurationSec: plan.applied.maxDurationMs / 1000 / f,
    thresholds: plan.thresholds.map((t) => t.expression),
    preset: options.preset ?? null,
    simPreset: options.simPreset ?? null,
    applied: { ...plan.applied },
  };
  const failedStages = run.stages.filter((s) => !s.verdict.pass).map((s) => s.label);
  return {
    schema: REPORT_SCHEMA,
    runId: run.runId,
    startedAt: run.startedAt.toISOString(),
    finishedAt: run.finishedAt.toISOString(),
    partial: run.stoppedBy !== 'completed',
    stoppedBy: run.stoppedBy,
    timeScale: f,
    config,
    environment: describeEnvironment(),
    pricing: plan.pricing,
    catalogue: run.catalogue,
    baseline: run.baseline,
    stages: run.stages,
    verdict: { pass: run.stages.length > 0 && failedStages.length === 0 && run.stoppedBy === 'completed', thresholds: config.thresholds, failedStages },
    analysis: analyzeRun(run.stages, run.baseline, { mode: options.mode, messages: plan.messages }),
    notes,
  };
}

/** The package version, for the report's environment. */
function conciergeVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export function describeEnvironment(): ReportEnvironment {
  const cpuList = cpus();
  return {
    node: process.version,
    platform: platform(),
    arch: arch(),
    cpus: cpuList.length,
    cpuModel: cpuList[0]?.model ?? 'unknown',
    totalMemoryMb: Math.round(totalmem() / 1024 / 1024),
    loadAverage: loadavg().map((v) => Math.round(v * 100) / 100),
    concierge: conciergeVersion(),
  };
}

function fmtFactor(f: number): string {
  return f < 1 ? `${Math.round(1 / f)}x faster than real time` : `${f}x slower than real time`;
}
