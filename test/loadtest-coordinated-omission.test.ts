import { describe, expect, it } from 'vitest';
import type { TurnRecord } from '../src/loadtest/stage-recorder.js';
import { runLoadTest } from '../src/loadtest/run-load-test.js';
import { startFakeAgent } from './loadtest-fake-agent.js';

/**
 * A stalled server must show up in the latencies of the messages that were due while it
 * stalled, even those the load generator could only send once the stall was over: latency is
 * measured from each message's intended start, not from the moment it was sent.
 */
describe('coordinated omission', () => {
  const STALL_MS = 1000;

  it('a server that holds every answer for a while shows in the messages scheduled during the hold', async () => {
    let stall: { start: number; end: number } | undefined;
    let release!: () => void;
    const until = new Promise<void>((resolve) => (release = resolve));
    const fake = await startFakeAgent({
      runDelayMs: 5,
      stall: {
        // The 4th run starts a hold of STALL_MS; runs arriving during it wait for its end.
        active: () => {
          const now = performance.now();
          if (!stall && fake.runs === 4) {
            stall = { start: now, end: now + STALL_MS };
            setTimeout(release, STALL_MS);
          }
          return stall !== undefined && now < stall.end;
        },
        until,
      },
    });
    const turns: TurnRecord[] = [];
    try {
      // 20 users, one message each, starting 100 ms apart over 2 s.
      const report = await runLoadTest({ targets: [fake.url], stages: [20], rampSec: 2, messages: 1, baseline: false, thinkTimeMs: 0, cooldownSec: 0, onTurn: (t) => turns.push(t) });
      expect(stall).toBeDefined();
      const due = turns.filter((t) => t.intendedAt >= stall!.start && t.intendedAt < stall!.end - 50);
      expect(due.length).toBeGreaterThanOrEqual(5);
      for (const t of due) {
        expect(t.outcome.ok).toBe(true);
        // Answered only after the hold ended, and the latency covers the whole wait.
        expect(t.endedAt - t.intendedAt).toBeGreaterThanOrEqual(stall!.end - t.intendedAt - 1);
      }
      // The histogram in the report carries it: the first held message waited the whole hold.
      expect(report.stages[0]!.latencyMs.max).toBeGreaterThanOrEqual(STALL_MS * 0.95);
      expect(report.stages[0]!.messages).toMatchObject({ total: 20, succeeded: 20, failed: 0 });
    } finally {
      await fake.close();
    }
  });

  it('a stall that also stops the load generator from sending is still counted from the intended start', async () => {
    // The fake runs in this process: a busy loop blocks the server *and* the generator's timers,
    // so messages due during it are sent late. Measured from the send, they would look fast.
    let loop: { start: number; end: number } | undefined;
    const fake = await startFakeAgent({
      runDelayMs: 5,
      stall: {
        active: () => {
          if (!loop && fake.runs === 4) {
            const start = performance.now();
            while (performance.now() - start < STALL_MS) {
              // block the event loop
            }
            loop = { start, end: performance.now() };
          }
          return false;
        },
        until: Promise.resolve(),
      },
    });
    const turns: TurnRecord[] = [];
    try {
      const report = await runLoadTest({ targets: [fake.url], stages: [20], rampSec: 2, messages: 1, baseline: false, thinkTimeMs: 0, cooldownSec: 0, onTurn: (t) => turns.push(t) });
      expect(loop).toBeDefined();
      const late = turns.filter((t) => t.intendedAt > loop!.start + 1 && t.intendedAt < loop!.end - 100);
      expect(late.length).toBeGreaterThanOrEqual(5);
      let hidden = 0;
      for (const t of late) {
        expect(t.sentAt).toBeGreaterThanOrEqual(loop!.end - 1);
        expect(t.endedAt - t.intendedAt).toBeGreaterThanOrEqual(loop!.end - t.intendedAt - 1);
        hidden += t.sentAt - t.intendedAt;
      }
      // What a generator timing from the send would have missed.
      expect(hidden).toBeGreaterThanOrEqual(STALL_MS);
      const s = report.stages[0]!;
      expect(s.latencyMs.mean - s.serviceTimeMs.mean).toBeGreaterThanOrEqual(hidden / 20 - 1);
    } finally {
      await fake.close();
    }
  });

  it('the open model keeps arrivals on schedule and counts the wait for a free slot', async () => {
    const fake = await startFakeAgent({ runDelayMs: 200 });
    const turns: TurnRecord[] = [];
    try {
      // 20 conversations/s for 1 s, at most 2 in flight, each taking >= 200 ms: arrivals queue.
      const report = await runLoadTest({ targets: [fake.url], model: 'open', arrivalRates: [20], durationSec: 1, maxInFlight: 2, messages: 1, baseline: false, thinkTimeMs: 0, cooldownSec: 0, onTurn: (t) => turns.push(t) });
      const s = report.stages[0]!;
      expect(s.messages.total).toBe(20);
      expect(s.users).toBeLessThanOrEqual(2);
      expect(s.arrivalRatePerSec).toBe(20);
      // Intended starts stay 50 ms apart whatever the server does.
      const intended = turns.map((t) => t.intendedAt).sort((a, b) => a - b);
      expect(intended[19]! - intended[0]!).toBeCloseTo(950, 0);
      // The 20th arrival cannot start before 9 x 200 ms have passed: >= 1,050 ms from its intended start.
      expect(s.latencyMs.max).toBeGreaterThanOrEqual(1000);
      expect(s.latencyMs.max).toBeGreaterThan(s.serviceTimeMs.max);
    } finally {
      await fake.close();
    }
  });
});
