import { describe, expect, it } from 'vitest';
import { evaluateThreshold, evaluateThresholds, parseThreshold, type ThresholdSubject } from './thresholds.js';

const subject = (over: Partial<Record<string, number>> = {}): ThresholdSubject => ({
  latencyPercentile: (of, p) => over[`${of}.p${p}`] ?? Number.NaN,
  latencyMean: (of) => over[`${of}.mean`] ?? Number.NaN,
  scalar: (name) => over[name] ?? Number.NaN,
});

describe('parseThreshold', () => {
  it('reads k6-style percentiles, rates and units', () => {
    expect(parseThreshold('p(95)<10000')).toMatchObject({ metric: { kind: 'latency', of: 'message', percentile: 95 }, operator: '<', value: 10000 });
    expect(parseThreshold('conversation.p(99) <= 60s')).toMatchObject({ metric: { of: 'conversation', percentile: 99 }, operator: '<=', value: 60000 });
    expect(parseThreshold('success>95%')).toMatchObject({ metric: { kind: 'scalar', name: 'success' }, value: 0.95 });
    expect(parseThreshold('rate_failed<0.05').metric).toEqual({ kind: 'scalar', name: 'failed' });
    expect(parseThreshold('ttft.med<800').metric).toEqual({ kind: 'latency', of: 'ttft', aggregate: 'percentile', percentile: 50 });
    expect(parseThreshold('avg<5000').metric).toEqual({ kind: 'latency', of: 'message', aggregate: 'mean' });
  });

  it('rejects what it cannot read, naming the expression', () => {
    for (const bad of ['p95<1', 'latency<10', 'success>', 'p(95)<10%', 'success<5s', 'p(0)<1', 'foo.p(95)<1']) {
      expect(() => parseThreshold(bad), bad).toThrow(expect.objectContaining({ code: 'THRESHOLD_INVALID' }));
    }
  });
});

describe('evaluateThreshold', () => {
  it('passes and fails on the measured value', () => {
    const s = subject({ 'message.p95': 9000, success: 0.9 });
    expect(evaluateThreshold(parseThreshold('p(95)<10000'), s)).toEqual({ expression: 'p(95)<10000', actual: 9000, unit: 'ms', pass: true });
    expect(evaluateThreshold(parseThreshold('success>0.95'), s).pass).toBe(false);
    expect(evaluateThresholds([parseThreshold('p(95)<10000'), parseThreshold('success>0.95')], s).pass).toBe(false);
  });

  it('never passes without data', () => {
    expect(evaluateThreshold(parseThreshold('p(95)<10000'), subject())).toEqual({ expression: 'p(95)<10000', actual: null, unit: 'ms', pass: false });
  });
});
