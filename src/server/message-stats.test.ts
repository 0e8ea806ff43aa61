import { describe, expect, it } from 'vitest';
import { MessageStats } from './message-stats.js';

describe('MessageStats', () => {
  it('counts answers and failures, sums cost, and takes percentiles over the recent window only', () => {
    let now = 0;
    const stats = new MessageStats({ windowSec: 60, now: () => now });
    for (let i = 1; i <= 100; i++) stats.record({ status: 'success', durationMs: i * 10, costUsd: 0.001 });
    stats.record({ status: 'error', durationMs: 5, costUsd: 0.0005 });
    let s = stats.snapshot();
    expect(s).toMatchObject({ answered: 100, failed: 1, latencyMs: { windowSec: 60, count: 100, p50: 500, p95: 950, max: 1000 } });
    expect(s.costUsd).toBeCloseTo(0.1005, 6);
    now = 61_000;
    stats.record({ status: 'success', durationMs: 42, costUsd: 0 });
    s = stats.snapshot();
    expect(s.latencyMs).toMatchObject({ count: 1, p50: 42, p95: 42 });
    expect(s.answered).toBe(101);
    stats.reset();
    expect(stats.snapshot()).toMatchObject({ answered: 0, failed: 0, costUsd: 0, latencyMs: { count: 0, p50: null, p95: null } });
  });

  it('keeps at most maxSamples latencies', () => {
    const stats = new MessageStats({ maxSamples: 3, now: () => 0 });
    for (const ms of [1000, 1, 2, 3]) stats.record({ status: 'success', durationMs: ms, costUsd: 0 });
    expect(stats.snapshot().latencyMs).toMatchObject({ count: 3, max: 3 });
  });
});
