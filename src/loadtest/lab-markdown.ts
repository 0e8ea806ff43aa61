import { fmtInt, fmtNum } from './format.js';
import type { LoadTestReport, StageReport } from './report-types.js';

const cores = (value: number | null) => (value === null ? 'not reported' : fmtNum(value, 2));

/**
 * The report's section on the lab itself: each process's CPU and the server's event-loop
 * lag per stage (a stage marked CPU-bound measured the lab, not the system), the simulator's
 * budget at the stage's start and the provider-limited minimum against the makespan.
 */
export function labSection(report: LoadTestReport): string[] {
  const stages: StageReport[] = [...(report.baseline ? [report.baseline] : []), ...report.stages];
  if (!stages.some((s) => s.lab)) return [];
  const f = report.timeScale;
  const out = ['## The lab itself', ''];
  out.push(
    'CPU time is not scaled: a stage during which any process used more than half a core, or the server\'s event-loop lag p99 exceeded 5% of the median message latency (both real time), is **CPU-bound** and measures the lab rather than the system.',
    '',
  );
  out.push('| Stage | Server cores | Simulator cores | Load generator cores | Lag p99 | CPU-bound | Tokens at start | Makespan | Minimum | Ratio |');
  out.push('|---|---:|---:|---:|---:|---|---:|---:|---:|---:|');
  for (const s of stages) {
    const lab = s.lab;
    if (!lab) continue;
    const budget = lab.budgetAtStart ? `${fmtInt(lab.budgetAtStart.tokens)} of ${fmtInt(lab.budgetAtStart.tokensCapacity)}` : '-';
    const minimum = s.minimumSec === null ? '-' : `${fmtNum(s.minimumSec / f, 1)} s`;
    const ratio = s.minimumSec ? `${fmtNum(s.durationSec / s.minimumSec, 2)}x` : '-';
    out.push(
      `| ${s.label} | ${cores(lab.cpuCores.server)} | ${cores(lab.cpuCores.simulator)} | ${cores(lab.cpuCores.loadGenerator)} | ${lab.eventLoopLagP99Ms === null ? '-' : `${fmtNum(lab.eventLoopLagP99Ms, 1)} ms`} | ${lab.cpuBound ? `**yes**: ${lab.cpuBoundReasons.join('; ')}` : 'no'} | ${budget} | ${fmtNum(s.realTime.durationSec, 1)} s | ${minimum} | ${ratio} |`,
    );
  }
  out.push(
    '',
    'Minimum: the tokens (or requests) the provider admitted beyond the level its bucket held at the start, at its refill rate (no sooner is the last call admitted); at least the longest single-user conversation. Durations are real-time equivalents.',
    '',
  );
  return out;
}
