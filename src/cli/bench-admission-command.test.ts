import { describe, expect, it } from 'vitest';
import type { AdmissionBenchResult } from '../bench/admission-bench.js';
import { renderBenchTable } from './bench-admission-command.js';

describe('the bench table', () => {
  it('prints on against off message by message, with the interval the difference most likely lies in', () => {
    const result = {
      preset: 'seed',
      timeScale: 0.5,
      loadAverage: [0.2, 0.3, 0.3],
      modes: { on: { timeScale: 0.5, baseline: null, stages: [] }, off: { timeScale: 0.5, baseline: null, stages: [] } },
      latency: {},
      paired: [
        { users: 50, difference: { pairs: 171, meanMs: -14.2, standardErrorMs: 22, ci95Ms: [-57.3, 28.9] } },
        { users: 100, difference: null },
      ],
      targets: [],
    } as unknown as AdmissionBenchResult;
    const text = renderBenchTable(result);
    expect(text).toContain('on - off at 50 users, paired by user and message (real time): mean -14 ms, 95% interval -57 ms to +29 ms (171 pairs)');
    expect(text).not.toContain('at 100 users, paired');
  });
});
