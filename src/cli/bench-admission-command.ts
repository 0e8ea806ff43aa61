import type { Command } from 'commander';
import { z } from 'zod';
import { ADMISSION_BENCH_PRESETS, runAdmissionBench, type AdmissionBenchPreset, type AdmissionBenchResult, type AdmissionMode } from '../bench/admission-bench.js';
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
    .pipe(z.array(z.enum(['off', 'on'], { error: 'must be off, on or off,on' })).min(1))
    .optional(),
  timeScale: field.timeScale().default(0.05),
  out: z.string().min(1).default('out/bench'),
  latencyCheck: field.bool().default(true),
  serverArg: z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(/\s+/)).filter(Boolean)).default([]),
});

const sources: SettingSources<z.input<typeof schema>> = {
  preset: { flag: '--preset', arg: '<name>', help: 'seed (10, 50, 100 users, Tier-1; off and on) or saturation (1,000 users, Tier-1; on)' },
  modes: { flag: '--modes', arg: '<list>', help: 'which modes to run: off,on', defaultText: "the preset's" },
  timeScale: { flag: '--time-scale', arg: '<f>', help: 'simulator and server clock scale' },
  out: { flag: '--out', arg: '<dir>', help: "where bench.json and each mode's reports go" },
  serverArg: { flag: '--server-arg', arg: '<arg>', takes: 'repeat', help: "extra concierge serve flags for both modes, repeatable: --server-arg='--deadline-ms 300000'" },
  latencyCheck: { flag: '--latency-check', arg: '<bool>', help: 'seed preset: also measure the 10-user/1-user median ratio in real time, about a minute per mode' },
};

function pct(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}

function secs(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

/** The side-by-side table: each stage's figures with admission off and on, real-time equivalents. */
export function renderBenchTable(result: AdmissionBenchResult): string {
  const modes = (['off', 'on'] as AdmissionMode[]).filter((m) => result.modes[m]);
  const lines: string[] = [];
  const first = result.modes[modes[0]!]!;
  lines.push(`time scale ${first.timeScale}; latencies and durations are real-time equivalents (measured / ${first.timeScale})`);
  const header = ['stage', ...modes.flatMap((m) => [`success ${m}`, `p50 ${m}`, `p95 ${m}`, `makespan ${m}`, `429s ${m}`, `shed ${m}`])];
  const rows: string[][] = [header];
  const labels = first.stages.map((s) => s.label);
  if (first.baseline) labels.unshift(first.baseline.label);
  for (const label of labels) {
    const row = [label];
    for (const mode of modes) {
      const report = result.modes[mode]!;
      const stage = report.baseline?.label === label ? report.baseline : report.stages.find((s) => s.label === label);
      if (!stage) {
        row.push('-', '-', '-', '-', '-', '-');
        continue;
      }
      const stats = (stage.provider.stats ?? {}) as { requests?: number; rateLimited?: { requests?: number; tokens?: number } };
      const limited = (stats.rateLimited?.requests ?? 0) + (stats.rateLimited?.tokens ?? 0);
      row.push(pct(stage.successRate), secs(stage.realTime.latencyMs.p50), secs(stage.realTime.latencyMs.p95), `${stage.realTime.durationSec.toFixed(1)} s`, `${limited}/${stats.requests ?? 0}`, String(stage.shedWithRetryAfter));
    }
    rows.push(row);
  }
  const widths = header.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const row of rows) lines.push(row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '));
  for (const mode of modes) {
    const evidence = result.evidence[mode] ?? [];
    for (const e of evidence) {
      lines.push(
        `${mode}: ${e.label}: makespan ${e.makespanSec.toFixed(1)} s measured vs provider-limited minimum ${e.providerMinimumSec.toFixed(1)} s (${e.makespanOverMinimum.toFixed(2)}x); provider charged ${Math.round(e.achievedTpm).toLocaleString('en-US')} tokens/min; tier for p95 < 10 s: ${e.tierForP95 ?? 'none of tier1-tier5'}`,
      );
    }
  }
  for (const mode of modes) {
    const check = result.latency[mode];
    if (check) {
      lines.push(
        `${mode}: real-time latency check: median ${Math.round(check.tenUsersP50Ms)} ms at 10 users vs ${Math.round(check.singleUserP50Ms)} ms for one user (${check.ratio.toFixed(2)}x; ${check.scaledRatio === null ? 'n/a' : `${check.scaledRatio.toFixed(2)}x`} in the scaled run)`,
      );
    }
  }
  if (result.targets.length) {
    lines.push('targets (admission on):');
    for (const t of result.targets) lines.push(`  ${t.pass ? 'PASS' : 'FAIL'}  ${t.name}: ${t.measured}`);
  }
  return lines.join('\n');
}

export function registerAdmissionBench(bench: Command): void {
  withSettings(bench.command('admission', { isDefault: true }).description('The seed replay with admission control off and on, side by side (default bench); or the 1,000-user saturation scenario.'), schema, sources, async (settings) => {
    const modes = settings.modes ?? [...ADMISSION_BENCH_PRESETS[settings.preset].defaultModes];
    const controller = new AbortController();
    void untilSignal().then(() => controller.abort());
    const printer = createProgressPrinter(process.stderr, { mode: process.stderr.isTTY && process.env.CI !== 'true' ? 'tty' : 'plain', timeScale: settings.timeScale });
    const result = await runAdmissionBench({
      preset: settings.preset,
      modes,
      timeScale: settings.timeScale,
      out: settings.out,
      serverArgs: settings.serverArg,
      signal: controller.signal,
      latencyCheck: settings.latencyCheck,
      onMode: (mode, what) => process.stderr.write(`== admission ${mode}: ${what}\n`),
      onEvent: printer,
    });
    process.stdout.write(`${renderBenchTable(result)}\nwrote ${settings.out}/bench.json and ${modes.map((m) => `${settings.out}/${m}/report.{json,md,html}`).join(', ')}\n`);
    return result.targets.every((t) => t.pass) ? 0 : 1;
  });
}
