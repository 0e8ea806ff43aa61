import { describe, expect, it } from 'vitest';
import { LatencyHistogram, scaleSummary } from './latency-histogram.js';

describe('LatencyHistogram', () => {
  it('orders its percentiles and keeps an exact mean', () => {
    const h = new LatencyHistogram();
    for (let i = 1; i <= 1000; i++) h.recordMs(i);
    const s = h.summary();
    expect(s.count).toBe(1000);
    expect(s.mean).toBeCloseTo(500.5, 6);
    expect(s.p50).toBeLessThanOrEqual(s.p95);
    expect(s.p95).toBeLessThanOrEqual(s.p99);
    expect(s.p99).toBeLessThanOrEqual(s.max);
    expect(s.p95).toBeGreaterThan(949 * 0.999);
    expect(s.p95).toBeLessThan(951 * 1.001);
  });

  it('gives the same percentiles after an encode/decode round trip', () => {
    const h = new LatencyHistogram();
    for (const ms of [3.2, 40, 41, 5000, 123_456]) h.recordMs(ms);
    const back = LatencyHistogram.decode(h.encode(), h.sumMs);
    expect(back.summary()).toEqual(h.summary());
  });

  it('summarises an empty histogram as zeros', () => {
    expect(new LatencyHistogram().summary()).toEqual({ count: 0, mean: 0, p50: 0, p95: 0, p99: 0, max: 0 });
  });

  it('converts to real-time equivalents by dividing by the time scale', () => {
    expect(scaleSummary({ count: 2, mean: 10, p50: 10, p95: 20, p99: 30, max: 40 }, 0.1)).toEqual({ count: 2, mean: 100, p50: 100, p95: 200, p99: 300, max: 400 });
  });
});
