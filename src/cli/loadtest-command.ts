import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import type { Command } from 'commander';
import { fmtMs, fmtNum, fmtPct, fmtUsd } from '../loadtest/format.js';
import { loadTestSettingSources, loadTestSettingsSchema, type LoadTestSettings } from '../loadtest/loadtest-settings.js';
import { createProgressPrinter } from '../loadtest/progress-printer.js';
import { writeReports } from '../loadtest/report-writers.js';
import { runLoadTest, type LoadTestInput } from '../loadtest/run-load-test.js';
import type { LoadTestReport } from '../loadtest/report-types.js';
import { registerReportCommand } from './report-command.js';
import { untilSignal } from './run-action.js';
import { withSettings } from './settings-action.js';

/** Exit code when a threshold fails (k6 uses the same number). */
export const THRESHOLD_FAILED_EXIT_CODE = 99;
/** Exit code when Ctrl-C stopped the run (a partial report is still written). */
export const INTERRUPTED_EXIT_CODE = 130;

/** `loadtest` and its companion `report compare`, registered together. */
export function registerLoadtestCommands(program: Command): void {
  registerLoadtestCommand(program);
  registerReportCommand(program);
}

export function registerLoadtestCommand(program: Command): void {
  withSettings(program.command('loadtest').description('Progressive load test of a Concierge server (or of a local server + simulator it starts), written as report.json, report.md and report.html.'), loadTestSettingsSchema, loadTestSettingSources, runLoadtestCommand);
}

function toInput(s: LoadTestSettings): LoadTestInput {
  return {
    targets: s.target,
    simUrl: s.simUrl,
    apiKey: s.apiKey,
    preset: s.preset,
    model: s.arrivalRate ? 'open' : s.stages || s.preset ? 'closed' : undefined,
    stages: s.stages,
    arrivalRates: s.arrivalRate,
    durationSec: s.duration,
    maxInFlight: s.maxInFlight,
    mode: s.mode,
    messages: s.messages,
    conversationsPerUser: s.conversationsPerUser,
    thinkTimeMs: s.thinkTime,
    rampSec: s.ramp,
    timeoutSec: s.timeout,
    stageTimeoutSec: s.stageTimeout,
    maxDurationSec: s.maxDuration,
    cooldownSec: s.cooldown,
    stream: s.stream,
    baseline: s.baseline,
    baselineConversations: s.baselineConversations,
    shedRetries: s.shedRetries,
    thresholds: s.threshold,
    timeScale: s.timeScale,
    simPreset: s.simPreset,
    simArgs: s.simArg,
    serverArgs: s.serverArg,
    pricingModel: s.pricingModel,
    seed: s.seed,
    runId: s.runId,
  };
}

async function runLoadtestCommand(settings: LoadTestSettings): Promise<number> {
  const runId = settings.runId ?? Math.random().toString(36).slice(2, 8);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const out = settings.out ?? join('loadtest-results', `${stamp}-${runId}`);
  await mkdir(out, { recursive: true });
  const progressMode = settings.progress === 'auto' ? (process.stderr.isTTY ? 'tty' : 'plain') : settings.progress;
  const input = toInput(settings);
  const stop = new AbortController();
  let interrupted = false;
  void untilSignal().then((signal) => {
    interrupted = true;
    process.stderr.write(`\n${signal}: stopping the load test and writing a partial report (press Ctrl-C again to quit at once)\n`);
    stop.abort();
  });
  const report = await runLoadTest({
    ...input,
    runId,
    logDir: out,
    signal: stop.signal,
    onEvent: createProgressPrinter(process.stderr, { mode: progressMode, timeScale: settings.timeScale ?? 1 }),
  });
  const paths = await writeReports(report, out);
  process.stdout.write(summary(report));
  process.stdout.write(`\nreport: ${paths.markdown}\n        ${paths.html}\n        ${paths.json}\n`);
  if (interrupted || report.stoppedBy === 'signal') return INTERRUPTED_EXIT_CODE;
  return report.verdict.pass ? 0 : THRESHOLD_FAILED_EXIT_CODE;
}

/** The few lines printed at the end: one per stage, then the verdict. */
export function summary(report: LoadTestReport): string {
  const lines: string[] = [''];
  const all = report.baseline ? [report.baseline, ...report.stages] : report.stages;
  for (const s of all) {
    lines.push(
      `${s.label.padEnd(18)} success ${fmtPct(s.successRate).padStart(6)}  p50 ${fmtMs(s.realTime.latencyMs.p50).padStart(9)}  p95 ${fmtMs(s.realTime.latencyMs.p95).padStart(9)}  ${fmtNum(s.realTime.throughput.messagesPerSec).padStart(6)} msg/s  ${fmtUsd(s.costUsd).padStart(10)}  ${s.kind === 'baseline' ? '' : s.verdict.pass ? 'PASS' : 'FAIL'}`,
    );
  }
  lines.push('', `capacity: ${report.analysis.capacity.statement}`);
  lines.push(`verdict: ${report.verdict.pass ? 'PASS' : 'FAIL'}${report.partial ? ` (partial: ${report.stoppedBy})` : ''}${report.timeScale !== 1 ? ` · time scale ${report.timeScale}, real-time equivalents` : ''}`);
  return `${lines.join('\n')}\n`;
}
