import type { Command } from 'commander';
import { z } from 'zod';
import { ADMISSION_BENCH_PRESETS, ADMISSION_MODES, runAdmissionBench, type AdmissionBenchPreset, type AdmissionBenchResult, type AdmissionMode } from '../bench/admission-bench.js';
import { field, type SettingSources } from '../config/settings.js';
import { createProgressPrinter } from '../loadtest/progress-printer.js';
import { untilSignal } from './run-action.js';
import { withSettings } from './settings-action.js';

const PRESETS = Object.keys(ADMISSION_BENCH_PRESETS) as [AdmissionBenchPreset, ...AdmissionBenchPreset[]];

const schema = z.object({
  preset: z.enum(PRESETS, { error: `must be one of ${PRESETS.join(', ')}` }).default('seed'),
  modes: z
    .string()
    .transform((text) => text.split(',').map((s) => s.trim()))
    .pipe(z.array(z.enum(ADMISSION_MODES, { error: `must be a list of ${ADMISSION_MODES.join(', ')}` })).min(1))
    .optional(),
  timeScale: field.timeScale().optional(),
  out: z.string().min(1).default('out/bench'),
  latencyCheck: field.bool().default(true),
  serverArg: field.passedArgs(),
  simArg: field.passedArgs(),
});

const sources: SettingSources<z.input<typeof schema>> = {
  preset: { flag: '--preset', arg: '<name>', help: "seed (10, 50, 100 users, Tier-1, the seed's agent; off and on at the time scale, off-python in real time with its stages back to back) or saturation (1,000 users, Tier-1; on)" },
  modes: { flag: '--modes', arg: '<list>', help: `which modes to run: ${ADMISSION_MODES.join(',')}`, defaultText: "the preset's" },
  timeScale: { flag: '--time-scale', arg: '<f>', help: 'simulator and server clock scale', defaultText: `the preset's: ${PRESETS.map((p) => `${p} ${ADMISSION_BENCH_PRESETS[p].timeScale}`).join(', ')} (the fastest this 2-core lab measures without being CPU-bound)` },
  out: { flag: '--out', arg: '<dir>', help: "where bench.json and each mode's reports go" },
  serverArg: { flag: '--server-arg', arg: '<arg>', takes: 'repeat', help: "extra concierge serve flags for every mode, repeatable: --server-arg='--deadline-ms 300000'" },
  simArg: { flag: '--sim-arg', arg: '<arg>', takes: 'repeat', help: "extra simulator flags, repeatable: --sim-arg='--limit-window 10s'" },
  latencyCheck: { flag: '--latency-check', arg: '<bool>', help: 'seed preset: also measure the 10-user/1-user median ratio in real time, about a minute and a half per mode' },
};

function pct(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}

function secs(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

/** The side-by-side table: each stage's figures per mode, real-time equivalents, then the lab's figures and the targets. */
export function renderBenchTable(result: AdmissionBenchResult): string {
  const modes = ADMISSION_MODES.filter((m) => result.modes[m]);
  const lines: string[] = [];
  if (modes.length === 0) return 'no mode ran';
  const first = result.modes[modes[0]!]!;
  const scales = modes.map((m) => `${m} ${result.modes[m]!.timeScale === 1 ? 'real time' : result.modes[m]!.timeScale}`).join(', ');
  lines.push(`time scale: ${scales}; latencies and durations are real-time equivalents (measured / time scale); load average ${result.loadAverage.join(', ')}`);
  const columns = ['success', 'mean', 'p50', 'p95', 'makespan', 'minimum', '429s', 'shed', 'cpu'];
  const rows: string[][] = [['stage', 'mode', ...columns]];
  const labels = [...(first.baseline ? [first.baseline.label] : []), ...first.stages.map((s) => s.label)];
  for (const label of labels) {
    for (const mode of modes) {
      const report = result.modes[mode]!;
      const stage = report.baseline?.label === label ? report.baseline : report.stages.find((s) => s.label === label);
      if (!stage) continue;
      const stats = (stage.provider.stats ?? {}) as { requests?: number; rateLimited?: { requests?: number; tokens?: number } };
      const limited = (stats.rateLimited?.requests ?? 0) + (stats.rateLimited?.tokens ?? 0);
      const r = stage.realTime.latencyMs;
      rows.push([
        label,
        mode,
        pct(stage.successRate),
        secs(r.mean),
        secs(r.p50),
        secs(r.p95),
        `${stage.realTime.durationSec.toFixed(1)} s`,
        stage.minimumSec === null ? '-' : `${(stage.minimumSec / report.timeScale).toFixed(1)} s`,
        `${limited}/${stats.requests ?? 0}`,
        String(stage.shedWithRetryAfter),
        stage.cpuBound ? 'BOUND' : 'ok',
      ]);
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const row of rows) lines.push(row.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '));
  for (const mode of modes) {
    for (const stage of result.modes[mode]!.stages) {
      const lab = stage.lab;
      if (!lab) continue;
      const c = lab.cpuCores;
      const n = (v: number | null) => (v === null ? '?' : v.toFixed(2));
      lines.push(
        `${mode}: ${stage.label}: cores server ${n(c.server)}, simulator ${n(c.simulator)}, load generator ${n(c.loadGenerator)}; lag p99 ${lab.eventLoopLagP99Ms === null ? '?' : `${lab.eventLoopLagP99Ms.toFixed(1)} ms`}; tokens at start ${lab.budgetAtStart ? `${lab.budgetAtStart.tokens}/${lab.budgetAtStart.tokensCapacity}` : '?'}${lab.cpuBound ? `; CPU-BOUND: ${lab.cpuBoundReasons.join('; ')}` : ''}`,
      );
    }
  }
  for (const mode of modes) {
    const check = result.latency[mode];
    if (check) lines.push(`${mode}: real-time latency check: median ${Math.round(check.tenUsersP50Ms)} ms at 10 users vs ${Math.round(check.singleUserP50Ms)} ms for one user (${check.ratio.toFixed(2)}x; ${check.scaledRatio === null ? 'n/a' : `${check.scaledRatio.toFixed(2)}x`} in the scaled run)`);
    const truth = check?.groundTruth;
    if (truth) {
      const f = (x: typeof truth.scaled) => `p50 ${x.p50Sec.toFixed(2)} s, p95 ${x.p95Sec.toFixed(2)} s, makespan ${x.makespanSec.toFixed(1)} s${x.cpuBound ? ' (cpuBound)' : ''}`;
      lines.push(`${mode}: 10 users at time scale ${result.timeScale}: ${f(truth.scaled)}; in real time: ${f(truth.realTime)}; worst difference ${(truth.worstDifference * 100).toFixed(1)}% (criterion: within 10%)`);
    }
  }
  const signed = (ms: number) => `${ms >= 0 ? '+' : '-'}${Math.abs(Math.round(ms))} ms`;
  for (const { users, difference: d } of result.paired ?? []) {
    if (d) lines.push(`on - off at ${users} users, paired by user and message (real time): mean ${signed(d.meanMs)}, 95% interval ${signed(d.ci95Ms[0])} to ${signed(d.ci95Ms[1])} (${d.pairs} pairs)`);
  }
  if (result.targets.length) {
    lines.push('targets:');
    for (const t of result.targets) lines.push(`  ${t.status.padEnd(11)}  ${t.name}: ${t.measured}`);
  }
  return lines.join('\n');
}

export function registerAdmissionBench(bench: Command): void {
  withSettings(bench.command('admission', { isDefault: true }).description('The seed replay with admission control off (two client profiles) and on, side by side (default bench); or the 1,000-user saturation scenario.'), schema, sources, async (settings) => {
    const preset = ADMISSION_BENCH_PRESETS[settings.preset];
    const modes: AdmissionMode[] = settings.modes ?? [...preset.defaultModes];
    const timeScale = settings.timeScale ?? preset.timeScale;
    const controller = new AbortController();
    void untilSignal().then(() => controller.abort());
    const printer = createProgressPrinter(process.stderr, { mode: process.stderr.isTTY && process.env.CI !== 'true' ? 'tty' : 'plain', timeScale });
    const result = await runAdmissionBench({
      preset: settings.preset,
      modes,
      timeScale,
      out: settings.out,
      serverArgs: settings.serverArg,
      simArgs: settings.simArg,
      signal: controller.signal,
      latencyCheck: settings.latencyCheck,
      onMode: (mode, what) => process.stderr.write(`== admission ${mode}: ${what}\n`),
      onEvent: printer,
    });
    process.stdout.write(`${renderBenchTable(result)}\nwrote ${settings.out}/bench.json and ${modes.map((m) => `${settings.out}/${m}/report.{json,md,html}`).join(', ')}\n`);
    return result.targets.every((t) => t.status === 'PASS') ? 0 : 1;
  });
}
