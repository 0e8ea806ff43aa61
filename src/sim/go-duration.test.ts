import { describe, expect, it } from 'vitest';
import { formatGoDuration } from './go-duration.js';

describe('formatGoDuration', () => {
  it('prints like Go durations', () => {
    expect(formatGoDuration(0)).toBe('0s');
    expect(formatGoDuration(-5)).toBe('0s');
    expect(formatGoDuration(12)).toBe('12ms');
    expect(formatGoDuration(11.2)).toBe('12ms');
    expect(formatGoDuration(999)).toBe('999ms');
    expect(formatGoDuration(1000)).toBe('1s');
    expect(formatGoDuration(1500)).toBe('1.5s');
    expect(formatGoDuration(1050)).toBe('1.05s');
    expect(formatGoDuration(360_000)).toBe('6m0s');
    expect(formatGoDuration(90_500)).toBe('1m30.5s');
    expect(formatGoDuration(3_600_000)).toBe('1h0m0s');
    expect(formatGoDuration(3_723_004)).toBe('1h2m3.004s');
  });
});
