import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import type { Command } from 'commander';
import { resolveSettings } from '../config/settings.js';
import { fmtMs, fmtNum, fmtPct, fmtUsd } from '../loadtest/format.js';
import { loadTestSettingSources, loadTestSettingsSchema, type LoadTestSettings } from '../loadtest/loadtest-settings.js';
import { createProgressPrinter } from '../loadtest/progress-printer.js';
import { writeReports } from '../loadtest/report-writers.js';
import { runLoadTest, type LoadTestInput } from '../loadtest/run-load-test.js';
import type { LoadTestReport } from '../loadtest/report-types.js';
import { registerReportCommand } from './report-command.js';
import { runAction, untilSignal } from './run-action.js';

/** Exit code when a threshold fails (k6 uses the same number). */
export const THRESHOLD_FAILED_EXIT_CODE = 99;
/** Exit code when Ctrl-C stopped the run (a partial report is still written). */
export const INTERRUPTED_EXIT_CODE = 130;

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `loadtest` and its companion `report compare`, registered together. */
export function registerLoadtestCommands(program: Command): void {
  registerLoadtestCommand(program);
  registerReportCommand(program);
}

export function registerLoadtestCommand(program: Command): void {
  program
    .command('loadtest')
    .description('Progressive load test of a Concierge server (or of a local server + simulator it starts), written as report.json, report.md and report.html.')
    .option('--target <url>', 'server base URL; repeat (or comma-separate) for several pods, conversations go round-robin. None: start the simulator and the server locally (env CONCIERGE_LOADTEST_TARGET)', collect)
    .option('--sim-url <url>', 'the simulator behind --target, to read and reset its stats (env CONCIERGE_LOADTEST_SIM_URL)')
    .option('--api-key <key>', 'send x-api-key instead of one x-customer-id per user (env CONCIERGE_LOADTEST_API_KEY)')
    .option('--preset <name>', 'seed: 10,50,100 users, quick mode, simulator at gpt-4o-mini tier-1 limits, 5-minute timeout')
    .option('--stages <list>', 'closed model: concurrent users per stage (default 10,50,100)')
    .option('--arrival-rate <list>', 'open model: new conversations per second, one stage per rate, e.g. 0.5,1,2')
    .option('--duration <sec>', 'open model: seconds each stage keeps starting conversations (default 60)')
    .option('--max-in-flight <n>', 'open model: most conversations at once; later arrivals wait, and the wait counts (default 2000)')
    .option('--mode <mode>', 'quick (services, then a booking) or full (browse, availability, book, reschedule or cancel, list) (default quick)')
    .option('--messages <n>', 'planned messages per conversation (default: 2 quick, 5 full)')
    .option('--conversations-per-user <n>', 'closed model: conversations each user holds in turn (default 1)')
    .option('--think-time <ms>', 'mean pause between an answer and the next message, jittered 50-150% (default 1000)')
    .option('--ramp <sec>', 'closed model: start a stage\'s users spread over this many seconds (default 0: all at once)')
    .option('--timeout <sec>', 'per-message timeout (default 120; seed preset 300)')
    .option('--stage-timeout <sec>', 'hard bound of one stage (default: derived from timeout and plan)')
    .option('--max-duration <sec>', 'hard bound of the whole run (default: sum of stage bounds plus a margin)')
    .option('--cooldown <sec>', 'pause between stages (default 2)')
    .option('--stream', 'use runs/stream and measure time to first token')
    .option('--no-baseline', 'skip the single-user baseline conversation before the stages')
    .option('--shed-retries <n>', 'times a user resends a message the server shed (503 OVERLOADED), after its Retry-After (default 0)')
    .option('--baseline-conversations <n>', 'conversations the baseline user holds, one after the other (default 1)')
    .option('--threshold <expr>', "k6-like check per stage, repeatable: 'p(95)<10000', 'success>0.95', 'rate_failed<0.05', 'conversation.p(95)<60s', 'ttft.p(95)<2000' (default success>0.95 and p(95)<10000)", collect)
    .option('--time-scale <f>', 'passed to the simulator and server; think times, timeouts and bounds are multiplied by f, and the report gives real-time equivalents (env CONCIERGE_TIME_SCALE, default 1)')
    .option('--sim-preset <name>', "local simulator's rate-limit preset (free, tier1..tier5, unlimited)")
    .option('--sim-arg <arg>', "extra local simulator flag(s), repeatable: --sim-arg='--seed 7'", collect)
    .option('--server-arg <arg>', "extra local server flag(s), repeatable: --server-arg='--admission on'", collect)
    .option('--pricing-model <name>', 'price table row for cost figures (default gpt-4o-mini)')
    .option('--seed <n>', 'seed of personas and think times (default 1)')
    .option('--run-id <id>', 'name of this run (default: random); users are lt-<run-id>-<user>')
    .option('--out <dir>', 'directory for report.json, report.md, report.html (default loadtest-results/<date>-<run-id>)')
    .option('--progress <mode>', 'auto, tty (live line), plain (periodic lines) or off (default auto)')
    .action(
      runAction(async (flags: Record<string, unknown>) => {
        // commander gives `baseline: true` by default because of --no-baseline; only a given flag counts.
        if (flags.baseline === true) delete flags.baseline;
        const settings = resolveSettings(loadTestSettingsSchema, loadTestSettingSources, { flags });
        return runLoadtestCommand(settings);
      }),
    );
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
