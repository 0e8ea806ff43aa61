import { describe, expect, it } from 'vitest';
import type { BudgetSample } from '../loadtest/lab-observer.js';
import type { AdmissionBenchResult } from './admission-bench.js';
import { checkBenchTargets } from './admission-targets.js';

const NAME = 'on: while users were refused, tokens per minute >= 97% of the limit';

/** A saturation run of one stage: 60,000 tokens per minute at time scale 0.5 (2,000 a measured second). */
function saturation(trace: BudgetSample[], shedWindowSec: { fromSec: number; toSec: number } | null): AdmissionBenchResult {
  const stage = {
    label: '1000 users',
    users: 1000,
    cpuBound: false,
    durationSec: 30,
    shedWindowSec,
    shedWithRetryAfter: 10,
    failures: { client_timeout: 0 },
    messages: { planned: 20, total: 30, succeeded: 20, failed: 10, notSent: 0 },
    lab: { budgetTrace: trace },
  };
  const on = { timeScale: 0.5, stages: [stage], provider: { calls: 100, rateLimited: 0, chargedTokens: 0 }, limits: { tier: 'test', rpm: 1000, tpm: 60_000 } };
  return { preset: 'saturation', timeScale: 0.5, loadAverage: [], modes: { on }, latency: {}, targets: [] } as unknown as AdmissionBenchResult;
}

const target = (result: AdmissionBenchResult) => checkBenchTargets('saturation', result).find((t) => t.name === NAME)!;

describe('the saturation target', () => {
  // Full at the start, drained in 10 s, then every refill taken until 30 s.
  const busy: BudgetSample[] = [
    { atSec: 0, chargedTokens: 0, tokensLeft: 60_000 },
    { atSec: 10, chargedTokens: 80_000, tokensLeft: 0 },
    { atSec: 30, chargedTokens: 120_000, tokensLeft: 0 },
  ];

  it('passes a stage that took every token while it refused users, and says the whole stage beat the per-minute limit', () => {
    const t = target(saturation(busy, { fromSec: 12, toSec: 28 }));
    expect(t.status).toBe('PASS');
    expect(t.measured).toMatch(/^60000 of 60000 \(100\.0%\) from 24\.0 s to 56\.0 s, 100\.0% of what the provider could grant/);
    expect(t.measured).toContain('whole stage 120000/min (200.0%: it began with a full bucket), 100.0% of what the provider could grant');
  });

  it('fails a stage that refused users while its budget went unused', () => {
    // From 10 s on, half the refill is taken: the bucket fills while callers are told to come back.
    const lazy: BudgetSample[] = [busy[0]!, busy[1]!, { atSec: 30, chargedTokens: 100_000, tokensLeft: 20_000 }];
    const t = target(saturation(lazy, { fromSec: 10, toSec: 30 }));
    expect(t.status).toBe('FAIL');
    expect(t.measured).toMatch(/^30000 of 60000 \(50\.0%\)/);
  });

  it('fails a stage that never refused anyone: it did not saturate', () => {
    expect(target(saturation(busy, null))).toMatchObject({ status: 'FAIL', measured: expect.stringContaining('never saturated') });
  });
});
