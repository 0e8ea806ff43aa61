import { describe, expect, it } from 'vitest';
import { predictWaitMs, promiseSlot, shedVerdict, slotMs } from './wait-prediction.js';

const budget = (requests: number, tokens: number, pausedForMs = 0) => ({
  requests: { remaining: requests, ratePerMs: 0.01 }, // 600 per minute
  tokens: { remaining: tokens, ratePerMs: 1 }, // 60,000 per minute
  pausedForMs,
});

describe('predictWaitMs', () => {
  it('is zero while the queue ahead fits in what is left', () => {
    expect(predictWaitMs({ requests: 5, tokens: 4000 }, budget(10, 5000))).toBe(0);
  });

  it('waits for the slower bucket to refill the shortfall', () => {
    expect(predictWaitMs({ requests: 5, tokens: 8000 }, budget(10, 5000))).toBe(3000);
    expect(predictWaitMs({ requests: 15, tokens: 5000 }, budget(10, 5000))).toBe(500);
  });

  it('never predicts less than the pause, and ignores unknown limits', () => {
    expect(predictWaitMs({ requests: 1, tokens: 1 }, budget(10, 5000, 700))).toBe(700);
    const unknown = { requests: { remaining: Infinity, ratePerMs: Infinity }, tokens: { remaining: Infinity, ratePerMs: Infinity }, pausedForMs: 0 };
    expect(predictWaitMs({ requests: 1e9, tokens: 1e12 }, unknown)).toBe(0);
  });
});

describe('shedVerdict', () => {
  it('keeps a call that can start in time', () => {
    expect(shedVerdict({ now: 0, deadlineAt: 10_000, waitMs: 8000, serviceMs: 1500, minRetryAfterMs: 1000 })).toEqual({ shed: false });
  });

  it('sheds a call that would be late, saying by how much', () => {
    expect(shedVerdict({ now: 0, deadlineAt: 10_000, waitMs: 12_000, serviceMs: 1500, minRetryAfterMs: 1000 })).toEqual({ shed: true, retryAfterMs: 3500 });
    expect(shedVerdict({ now: 0, deadlineAt: 10_000, waitMs: 9000, serviceMs: 1100, minRetryAfterMs: 1000 })).toEqual({ shed: true, retryAfterMs: 1000 });
  });
});

describe('promiseSlot', () => {
  const view = budget(0, 0); // 1 token per ms
  it('tells the first shed caller how late it would be', () => {
    const first = promiseSlot({ now: 0, waitMs: 12_000, slotMs: slotMs({ requests: 1, tokens: 1000 }, view), promisedUntil: 0, serviceMs: 500, deadlineAt: 10_000, minRetryAfterMs: 100 });
    expect(first).toEqual({ retryAfterMs: 2500, promisedUntil: 12_000 });
  });

  it('spreads the next shed callers one slot apart', () => {
    let promisedUntil = 0;
    const retries: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      const r = promiseSlot({ now: 0, waitMs: 12_000, slotMs: 1000, promisedUntil, serviceMs: 0, deadlineAt: 10_000, minRetryAfterMs: 100 });
      promisedUntil = r.promisedUntil;
      retries.push(r.retryAfterMs);
    }
    expect(retries).toEqual([2000, 3000, 4000]);
  });

  it('forgets promises that time has passed', () => {
    const r = promiseSlot({ now: 50_000, waitMs: 12_000, slotMs: 1000, promisedUntil: 20_000, serviceMs: 0, deadlineAt: 60_000, minRetryAfterMs: 100 });
    expect(r).toEqual({ retryAfterMs: 2000, promisedUntil: 62_000 });
  });
});

describe('slotMs', () => {
  it('is the slower bucket time of one need', () => {
    expect(slotMs({ requests: 1, tokens: 1000 }, budget(0, 0))).toBe(1000);
    expect(slotMs({ requests: 1, tokens: 10 }, budget(0, 0))).toBe(100);
  });
});
