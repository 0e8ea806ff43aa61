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
    const first = promiseSlot({ now: 0, waitMs: 12_000, slotMs: slotMs({ requests: 1, tokens: 1000 }, view), outstanding: 0, serviceMs: 500, deadlineAt: 10_000, minRetryAfterMs: 100 });
    expect(first).toBe(2500);
  });

  it('puts each caller one slot behind every caller promised before it who is still away', () => {
    const retries = [0, 1, 2].map((outstanding) => promiseSlot({ now: 0, waitMs: 12_000, slotMs: 1000, outstanding, serviceMs: 0, deadlineAt: 10_000, minRetryAfterMs: 100 }));
    expect(retries).toEqual([2000, 3000, 4000]);
  });

  it('never says less than the floor', () => {
    expect(promiseSlot({ now: 0, waitMs: 1000, slotMs: 1000, outstanding: 0, serviceMs: 0, deadlineAt: 10_000, minRetryAfterMs: 700 })).toBe(700);
  });
});

describe('slotMs', () => {
  it('is the slower bucket time of one need', () => {
    expect(slotMs({ requests: 1, tokens: 1000 }, budget(0, 0))).toBe(1000);
    expect(slotMs({ requests: 1, tokens: 10 }, budget(0, 0))).toBe(100);
  });
});
