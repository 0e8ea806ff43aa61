import { describe, expect, it } from 'vitest';
import { classifyFailure, fitsDeadline, fullJitterBackoff, rateLimitPauseMs } from './retry-policy.js';

describe('classifyFailure', () => {
  it('never retries insufficient_quota or a request too large', () => {
    expect(classifyFailure(429, { code: 'insufficient_quota', type: 'insufficient_quota', message: 'You exceeded your current quota' })).toBe('quota');
    expect(
      classifyFailure(429, {
        code: 'rate_limit_exceeded',
        type: 'tokens',
        message: 'Request too large for gpt-4o-mini in organization org-x on tokens per min (TPM): Limit 200000, Requested 250000.',
      }),
    ).toBe('too-large');
    expect(classifyFailure(429, { code: 'rate_limit_exceeded', type: 'tokens', message: 'Rate limit reached. Please try again in 450ms.' })).toBe('rate-limited');
    expect(classifyFailure(429, undefined)).toBe('rate-limited');
  });

  it('retries 5xx and 408/409, and nothing else', () => {
    expect(classifyFailure(500, undefined)).toBe('server-error');
    expect(classifyFailure(503, undefined)).toBe('server-error');
    expect(classifyFailure(503, undefined, new Headers({ 'x-should-retry': 'false' }))).toBe('client-error');
    expect(classifyFailure(408, undefined)).toBe('transient');
    expect(classifyFailure(400, undefined)).toBe('client-error');
    expect(classifyFailure(401, undefined)).toBe('client-error');
  });
});

describe('fullJitterBackoff', () => {
  const options = { baseMs: 500, capMs: 8000 };
  it('is random in [0, base x 2^attempt], capped', () => {
    expect(fullJitterBackoff(0, options, () => 1)).toBe(500);
    expect(fullJitterBackoff(3, options, () => 0.5)).toBe(2000);
    expect(fullJitterBackoff(10, options, () => 1)).toBe(8000);
    expect(fullJitterBackoff(2, options, () => 0)).toBe(0);
  });
});

describe('rateLimitPauseMs', () => {
  it('takes the provider hint as it is, else backs off', () => {
    expect(rateLimitPauseMs(450, 5, { baseMs: 500, capMs: 8000 }, () => 1)).toBe(450);
    expect(rateLimitPauseMs(undefined, 1, { baseMs: 500, capMs: 8000 }, () => 0.25)).toBe(250);
  });
});

describe('fitsDeadline', () => {
  it('counts the delay and the call itself', () => {
    expect(fitsDeadline({ now: 0, delayMs: 1000, serviceMs: 500, deadlineAt: 1500 })).toBe(true);
    expect(fitsDeadline({ now: 0, delayMs: 1001, serviceMs: 500, deadlineAt: 1500 })).toBe(false);
  });
});
