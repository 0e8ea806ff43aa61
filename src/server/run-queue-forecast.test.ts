import { describe, expect, it } from 'vitest';
import { RunQueueForecast } from './run-queue-forecast.js';

describe('RunQueueForecast', () => {
  const forecast = (now: { t: number }) => new RunQueueForecast({ deadlineMs: 10_000, maxConcurrentRuns: 4, minRetryAfterMs: 500, now: () => now.t });

  it('refuses nothing before a run has ended', () => {
    const f = forecast({ t: 0 });
    expect(f.learned).toBe(false);
    expect(f.verdict({ pending: 10_000, running: 4 })).toEqual({ shed: false });
    expect(f.expiryRetryAfterMs({ pending: 10_000, running: 4 })).toBe(500);
  });

  it('waits (pending + 1) runs over the slots executing, never fewer slots than its own', () => {
    const f = forecast({ t: 0 });
    f.record(4000, true);
    // 4 s per run on 4 slots: one slot frees every second.
    expect(f.waitMs({ pending: 3, running: 4 })).toBe(4000);
    // Ten slots executing across the replicas drain the queue faster.
    expect(f.waitMs({ pending: 9, running: 10 })).toBe(4000);
    expect(f.waitMs({ pending: 9, running: 1 })).toBe(10_000);
  });

  it('sheds when the wait and an answered run exceed the deadline, by how late it would be, each refusal a slot later', () => {
    const now = { t: 1_000_000 };
    const f = forecast(now);
    f.record(4000, true);
    // 5 s wait + 4 s run fits in 10 s.
    expect(f.verdict({ pending: 4, running: 4 })).toEqual({ shed: false });
    // 8 s wait + 4 s run: 2 s late.
    expect(f.verdict({ pending: 7, running: 4 })).toEqual({ shed: true, waitMs: 8000, retryAfterMs: 2000 });
    // The next refusal, same instant, same queue: promised the slot after (1 s later).
    expect(f.verdict({ pending: 7, running: 4 })).toMatchObject({ retryAfterMs: 3000 });
    // Never below the floor.
    now.t += 60_000;
    expect(f.expiryRetryAfterMs({ pending: 0, running: 4 })).toBe(500);
  });

  it('counts a promise only until its caller comes back: a caller refused again holds one slot, not two', () => {
    const now = { t: 1_000_000 };
    const f = forecast(now);
    f.record(4000, true);
    const refuse = () => {
      const verdict = f.verdict({ pending: 7, running: 4 });
      if (!verdict.shed) throw new Error('expected a refusal');
      return verdict.retryAfterMs;
    };
    // Three refusals, promised 2, 3 and 4 s from now.
    expect([refuse(), refuse(), refuse()]).toEqual([2000, 3000, 4000]);
    // The first caller comes back and is refused again, the queue unchanged: it waits behind
    // the two still away, not behind all three.
    now.t += 2000;
    expect(refuse()).toBe(4000);
    // Once every caller is back, the queue alone decides.
    now.t += 10_000;
    expect(refuse()).toBe(2000);
  });

  it('promises nothing when asked what an expiring run would be told, until one is booked', () => {
    const now = { t: 1_000_000 };
    const f = forecast(now);
    f.record(4000, true);
    // The queue's deadline pass asks on every look, whether or not any run expires.
    for (let i = 0; i < 50; i += 1) expect(f.expiryRetryAfterMs({ pending: 7, running: 4 })).toBe(2000);
    expect(f.verdict({ pending: 7, running: 4 })).toMatchObject({ retryAfterMs: 2000 });
    // A run that did expire holds its slot like a refusal.
    f.booked(3000);
    expect(f.verdict({ pending: 7, running: 4 })).toMatchObject({ retryAfterMs: 4000 });
  });

  it('weighs its own run by answered runs only: refusals free their slots early but do not make an answer quicker', () => {
    const f = forecast({ t: 0 });
    f.record(8000, true);
    for (let i = 0; i < 20; i += 1) f.record(0, false);
    // The slots turn over fast (refusals), yet a message still needs about 8 s once it starts.
    expect(f.waitMs({ pending: 3, running: 4 })).toBeLessThan(1000);
    expect(f.verdict({ pending: 3, running: 4 })).toEqual({ shed: false });
    expect(f.verdict({ pending: 40, running: 4 }).shed).toBe(true);
  });
});
