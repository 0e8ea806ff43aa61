import type { Command } from 'commander';
import { z } from 'zod';
import { createProgress } from './progress.js';
import { untilSignal } from './run-action.js';
import { withSettings } from './settings-action.js';
import { field, type SettingSources } from '../config/settings.js';
import { runFaultsBench, type FaultsBenchResult, type FaultsMode, type FaultsModeResult } from '../bench/faults-bench.js';

const schema = z.object({
  users: field.positiveInt().max(1000).default(20),
  messages: field.positiveInt().max(100).default(10),
  modes: z
    .string()
    .transform((text) => text.split(',').map((s) => s.trim()))
    .pipe(z.array(z.enum(['stream', 'wait'], { error: 'must be stream, wait or stream,wait' })).min(1))
    .default(['stream', 'wait']),
  failRate: field.fraction().default(0.05),
  hangRate: field.fraction().default(0.02),
  cutStreamRate: field.fraction().default(0.05),
  timeScale: field.timeScale().default(0.5),
  seed: field.nonNegativeInt().default(11),
  resends: field.positiveInt().max(10).default(3),
  logDir: z.string().min(1).optional(),
  serverArg: field.passedArgs(),
});

const sources: SettingSources<z.input<typeof schema>> = {
  users: { flag: '--users', arg: '<n>', help: 'customers talking at once, each on its own thread' },
  messages: { flag: '--messages', arg: '<n>', help: 'messages per customer' },
  modes: { flag: '--modes', arg: '<list>', help: 'stream, wait or stream,wait' },
  failRate: { flag: '--fail-rate', arg: '<p>', help: 'fraction of provider calls answered 500/503' },
  hangRate: { flag: '--hang-rate', arg: '<p>', help: 'fraction of provider calls never answered' },
  cutStreamRate: { flag: '--cut-stream-rate', arg: '<p>', help: 'fraction of provider streams cut midway' },
  timeScale: { flag: '--time-scale', arg: '<f>', help: 'simulator and server clock scale' },
  seed: { flag: '--seed', arg: '<n>', help: 'seed of the faults, the simulator and the personas' },
  resends: { flag: '--resends', arg: '<n>', help: 'times a failed message is sent again (after Retry-After) before its thread counts as unusable' },
  logDir: { flag: '--log-dir', arg: '<dir>', help: 'write server.log and sim.log here' },
  serverArg: { flag: '--server-arg', arg: '<arg>', takes: 'repeat', help: 'extra concierge serve flags, repeatable' },
};

/** The targets of the bench, per mode: what the run must show. */
export function faultsTargets(mode: FaultsModeResult): Array<{ name: string; pass: boolean; measured: string }> {
  const rate = mode.messages > 0 ? mode.succeeded / mode.messages : 0;
  return [
    { name: 'message success >= 99.5%', pass: rate >= 0.995, measured: `${(rate * 100).toFixed(2)}% (${mode.succeeded}/${mode.messages})` },
    { name: 'every failure a retryable 503 with Retry-After', pass: mode.badFailures === 0, measured: `${mode.badFailures} other` },
    { name: 'no AGENT_ERROR', pass: !mode.failures.AGENT_ERROR, measured: String(mode.failures.AGENT_ERROR ?? 0) },
    { name: '0 unusable threads', pass: mode.unusableThreads === 0, measured: String(mode.unusableThreads) },
    { name: '0 runs stuck running', pass: mode.stuckRuns === 0, measured: String(mode.stuckRuns) },
    { name: '0 duplicate bookings', pass: mode.duplicateBookings === 0, measured: `${mode.duplicateBookings} (of ${mode.confirmedBookings} confirmed)` },
  ];
}

export function renderFaultsResult(result: FaultsBenchResult): string {
  const lines: string[] = [];
  for (const mode of result.modes) {
    const failures = Object.entries(mode.failures).map(([code, n]) => `${code} ${n}`).join(', ') || 'none';
    lines.push(`== ${mode.mode}: ${mode.messages} messages in ${mode.seconds.toFixed(1)} s`);
    lines.push(`faults injected: 5xx ${mode.injected.serverErrors}, hangs ${mode.injected.hangs}, cut streams ${mode.injected.cutStreams}`);
    lines.push(
      `provider attempts: ${mode.provider.calls}; seen as 5xx ${mode.provider.serverErrors}, timeouts ${mode.provider.timeouts}, cut streams ${mode.provider.cutStreams}; retried ${mode.provider.retries}; gave up ${mode.provider.gaveUpUnavailable}`,
    );
    lines.push(`messages: ok ${mode.succeeded}, failed ${mode.messages - mode.succeeded} (${failures}), recovered on re-send ${mode.recoveredOnResend}`);
    for (const t of faultsTargets(mode)) lines.push(`  ${t.pass ? 'PASS' : 'FAIL'}  ${t.name}: ${t.measured}`);
  }
  return lines.join('\n');
}

export function registerFaultsBench(bench: Command): void {
  withSettings(
    bench.command('faults').description('Messages through a provider that fails (5xx), hangs and cuts streams: success, unusable threads, stuck runs, duplicate bookings.'),
    schema,
    sources,
    async (settings) => {
      const controller = new AbortController();
      void untilSignal().then(() => controller.abort());
      const progress = createProgress();
      const result = await runFaultsBench({ ...settings, modes: settings.modes as FaultsMode[], serverArgs: settings.serverArg, signal: controller.signal, progress: (line) => progress.update(line) });
      progress.done();
      process.stdout.write(`${renderFaultsResult(result)}\n`);
      return result.modes.every((m) => faultsTargets(m).every((t) => t.pass)) ? 0 : 1;
    },
  );
}
