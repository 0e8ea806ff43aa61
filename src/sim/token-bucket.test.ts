import { describe, expect, it } from 'vitest';
import { ManualClock } from '../shared/clock.js';
import { TokenBucket } from './token-bucket.js';

describe('TokenBucket', () => {
  it('starts full, refills continuously and never overfills', () => {
    const clock = new ManualClock(0);
    const bucket = new TokenBucket(600, 60_000, clock);
    expect(bucket.tryTake(600)).toBe(true);
    expect(bucket.tryTake(1)).toBe(false);
    expect(bucket.msUntil(10)).toBeCloseTo(1000);
    clock.advance(500);
    expect(bucket.level()).toBeCloseTo(5);
    expect(bucket.tryTake(10)).toBe(false);
    clock.advance(500);
    expect(bucket.tryTake(10)).toBe(true);
    clock.advance(10 * 60_000);
    expect(bucket.level()).toBe(600);
    expect(bucket.msUntilFull()).toBe(0);
  });
});
