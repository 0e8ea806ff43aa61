import { describe, expect, it } from 'vitest';
import { ManualClock } from '../shared/clock.js';
import { OrgLimiter } from './org-limiter.js';
import { createRng } from './seeded-random.js';

describe('OrgLimiter', () => {
  it('rejects on tokens with the wait until enough budget refills, and still spends the request', () => {
    const clock = new ManualClock(0);
    const limiter = new OrgLimiter({ rpm: 10, tpm: 6_000 }, 60_000, clock);
    expect(limiter.admit(5_000).ok).toBe(true);
    const r = limiter.admit(1_500);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.kind).toBe('tokens');
    expect(r.used).toBe(5_000);
    expect(r.requested).toBe(1_500);
    // 500 tokens missing at 100 tokens/s.
    expect(r.retryAfterMs).toBeCloseTo(5_000);
    expect(limiter.state().remainingRequests).toBe(8);
    clock.advance(5_000);
    expect(limiter.admit(1_500).ok).toBe(true);
  });

  it('rejects on requests and reports the reset of an emptied bucket', () => {
    const clock = new ManualClock(0);
    const limiter = new OrgLimiter({ rpm: 2, tpm: 1_000_000 }, 60_000, clock);
    expect(limiter.admit(1).ok).toBe(true);
    expect(limiter.admit(1).ok).toBe(true);
    const r = limiter.admit(1);
    expect(r.ok || r.kind).toBe('requests');
    if (r.ok) return;
    expect(r.retryAfterMs).toBeCloseTo(30_000);
    expect(r.state.resetRequestsMs).toBeCloseTo(60_000);
    expect(r.state.remainingTokens).toBe(1_000_000 - 2);
  });

  it('holds a shorter limit window: the same rate, a burst of limit x window / 1m', () => {
    const clock = new ManualClock(0);
    // 6,000 TPM enforced over 10 s: at most 1,000 tokens at once, refilled at 100 tokens/s.
    const limiter = new OrgLimiter({ rpm: 600, tpm: 6_000 }, 60_000, clock, 10_000);
    expect(limiter.state().remainingTokens).toBe(1_000);
    expect(limiter.admit(1_000).ok).toBe(true);
    const r = limiter.admit(500);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.retryAfterMs).toBeCloseTo(5_000);
    // More than the window holds can never pass, though it is under the per-minute limit.
    clock.advance(60_000);
    expect(limiter.admit(1_001).ok || 'refused').toBe('refused');
  });

  it('refuses a request larger than the whole TPM as too large', () => {
    const limiter = new OrgLimiter({ rpm: 10, tpm: 1_000 }, 60_000, new ManualClock(0));
    const r = limiter.admit(1_001);
    expect(r.ok || r.kind).toBe('too_large');
  });

  it('scales: with a 6 s minute the same budget refills ten times faster', () => {
    const clock = new ManualClock(0);
    const limiter = new OrgLimiter({ rpm: 100, tpm: 6_000 }, 6_000, clock);
    expect(limiter.admit(6_000).ok).toBe(true);
    const r = limiter.admit(600);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.retryAfterMs).toBeCloseTo(600);
    expect(limiter.state().resetTokensMs).toBeCloseTo(6_000);
  });

  it('holds accepted TPM within 2% plus one bucket, and RPM within limit, under steady overload', () => {
    // Ten minutes of offered load at about 3x TPM and 1.6x RPM, arrivals every 50-150 ms,
    // requests of 300-3,000 tokens.
    const tpm = 200_000;
    const rpm = 500;
    const minute = 60_000;
    const clock = new ManualClock(0);
    const limiter = new OrgLimiter({ rpm, tpm }, minute, clock);
    const rng = createRng(11);
    const minutes = 10;
    const accepted: Array<{ t: number; tokens: number }> = [];
    let offeredTokens = 0;
    while (clock.now() < minutes * minute) {
      const tokens = 300 + Math.floor(rng.next() * 2_700);
      offeredTokens += tokens;
      if (limiter.admit(tokens).ok) accepted.push({ t: clock.now(), tokens });
      clock.advance(50 + rng.next() * 100);
    }
    expect(offeredTokens).toBeGreaterThan(2 * tpm * minutes);
    const total = accepted.reduce((s, a) => s + a.tokens, 0);
    // Over the whole run: at most one full bucket plus the refill, and not far below the refill.
    expect(total).toBeLessThanOrEqual(tpm * minutes * 1.02 + tpm);
    expect(total).toBeGreaterThanOrEqual(tpm * minutes * 0.98);
    expect(accepted.length).toBeLessThanOrEqual(rpm * minutes + rpm);
    // In every sliding minute after the first: within 2% plus one bucket.
    let lo = 0;
    let windowTokens = 0;
    let windowRequests = 0;
    for (const a of accepted) {
      windowTokens += a.tokens;
      windowRequests++;
      while ((accepted[lo] as { t: number }).t <= a.t - minute) {
        windowTokens -= (accepted[lo] as { tokens: number }).tokens;
        windowRequests--;
        lo++;
      }
      expect(windowTokens).toBeLessThanOrEqual(tpm * 1.02 + tpm);
      expect(windowRequests).toBeLessThanOrEqual(2 * rpm);
    }
    // In steady state (after the initial full bucket is spent) each minute gets about TPM.
    const late = accepted.filter((a) => a.t >= 5 * minute);
    const lateTokens = late.reduce((s, a) => s + a.tokens, 0) / 5;
    expect(Math.abs(lateTokens - tpm) / tpm).toBeLessThan(0.02);
  });
});
