import { describe, expect, it } from 'vitest';
import type { PacedFigures, ScaleFigures } from './scale-bench.js';
import { scaleVerdicts, spreadNotes } from './scale-targets.js';

const latency = (p50Ms: number, p99Ms: number) => ({ messages: 100, seconds: 10, messagesPerSec: 10, p50Ms, p99Ms });
const paced = (rate: number, replicas: number, cpuMsPerMessage: number, p50 = 20, p99 = 40): PacedFigures => ({ rate, ratePerReplica: rate / replicas, cpuMsPerMessage, latency: latency(p50, p99) });
const config = (label: string, replicas: number, runs: PacedFigures[], saturatedCpu = 1): ScaleFigures => ({
  label,
  replicas,
  throughput: latency(100, 200),
  cpuMsPerMessage: saturatedCpu,
  coresBusy: 1,
  perReplica: [],
  paced: runs,
});

describe('scale targets', () => {
  const figures = [
    config('SQLite x1', 1, [paced(8, 1, 20, 15, 30)], 5),
    config('Postgres x1', 1, [paced(8, 1, 25, 22, 38)], 500),
    config('Postgres+Redis x1', 1, [paced(8, 1, 26), paced(8 / 3, 1, 40)], 7),
    config('Postgres+Redis x3', 3, [paced(24, 3, 30), paced(8, 3, 41)], 900),
  ];

  it('compares like with like: the paced runs at the same rate per replica, never the saturated ones', () => {
    const verdicts = scaleVerdicts(figures, 8);
    expect(verdicts.map((v) => v.pass)).toEqual([true, true, true]);
    expect(verdicts[0]!.line).toContain('1.25x');
    // 30 / 26: three replicas at 8 msg/s each against one at 8 msg/s.
    expect(verdicts[1]!.line).toContain('Postgres+Redis x3 CPU per message <= 1.2x Postgres+Redis x1');
    expect(verdicts[1]!.line).toContain('1.15x');
    expect(verdicts[2]!.line).toContain('8.00 ms (p50 7.00 ms)');
  });

  it('fails each target past its bound', () => {
    const worse = [
      config('SQLite x1', 1, [paced(8, 1, 20, 15, 30)]),
      config('Postgres x1', 1, [paced(8, 1, 31, 22, 41)]),
      config('Postgres+Redis x1', 1, [paced(8, 1, 26), paced(8 / 3, 1, 40)]),
      config('Postgres+Redis x3', 3, [paced(24, 3, 32), paced(8, 3, 41)]),
    ];
    expect(scaleVerdicts(worse, 8).map((v) => v.pass)).toEqual([false, false, false]);
  });

  it('gives no verdict without the runs it needs', () => {
    expect(scaleVerdicts(figures.slice(0, 3), 8)).toEqual([]);
    expect(scaleVerdicts(figures, 5)).toEqual([]);
  });

  it('tells the cost of a thinner load apart from the cost of coordination', () => {
    const notes = spreadNotes(figures, 8).join(' ');
    expect(notes).toContain('costs 1.58x one replica'); // 41 / 26
    expect(notes).toContain('a third of that load costs 1.54x'); // 40 / 26
    expect(notes).toContain('3 replicas cost 1.02x'); // 41 / 40
    expect(notes).toContain('not coordination');
    const costly = figures.map((f) => (f.replicas === 3 ? { ...f, paced: [paced(24, 3, 30), paced(8, 3, 52)] } : f));
    expect(spreadNotes(costly, 8).join(' ')).toContain('coordination itself adds 30%');
  });
});
