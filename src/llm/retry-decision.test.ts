import { describe, expect, it } from 'vitest';
import { ManualClock } from '../shared/clock.js';
import { decideRetry, type AttemptFailure, type RetryDecision, type RetryInput } from './retry-decision.js';

const policy = { maxRetries: 4, backoff: { baseMs: 500, capMs: 8000 }, random: () => 0.5 };

/**
 * Replay one call on a manual clock: each attempt takes `serviceMs`, fails as the script
 * says, and the clock moves by what the decision asks (a budget pause or a sleep). Returns
 * every decision and when it was taken.
 */
function replay(clock: ManualClock, script: (attempt: number) => { failure: AttemptFailure; hints?: RetryInput['hints']; status?: number }, deadlineInMs: number, maxRetries = policy.maxRetries) {
  const serviceMs = 1000;
  const deadlineAt = clock.now() + deadlineInMs;
  const log: Array<{ at: number; decision: RetryDecision }> = [];
  for (let attempt = 0; attempt < 20; attempt += 1) {
    clock.advance(serviceMs);
    const step = script(attempt);
    const decision = decideRetry({ attempt, failure: step.failure, status: step.status, message: 'failed', hints: step.hints ?? {}, now: clock.now(), deadlineAt, serviceMs, ...policy, maxRetries });
    log.push({ at: clock.now() - (deadlineAt - deadlineInMs), decision });
    if (decision.kind !== 'retry') break;
    clock.advance(Math.max(decision.sleepMs, decision.pauseBudgetMs ?? 0));
  }
  return log;
}

describe('decideRetry', () => {
  it('backs off a failing provider with full jitter until the deadline, then gives up with the wait', () => {
    const clock = new ManualClock();
    const log = replay(clock, () => ({ failure: 'server-error', status: 500 }), 10_000, 10);
    // Jitter 0.5 of 500 x 2^n: 250, 500, 1000, 2000 ms; the next 4000 ms and its call would end past the deadline.
    expect(log.map((l) => [l.at, l.decision.kind, l.decision.kind === 'retry' ? l.decision.sleepMs : undefined])).toEqual([
      [1000, 'retry', 250],
      [2250, 'retry', 500],
      [3750, 'retry', 1000],
      [5750, 'retry', 2000],
      [8750, 'give-up', undefined],
    ]);
    const last = log.at(-1)!.decision;
    expect(last).toMatchObject({ kind: 'give-up', breaker: 'failure', error: { code: 'PROVIDER_UNAVAILABLE', message: expect.stringContaining('HTTP 500: failed'), retryAfterMs: 4000 } });
  });

  it('stops at maxRetries even with time to spare', () => {
    const log = replay(new ManualClock(), () => ({ failure: 'timeout' }), 3_600_000);
    expect(log).toHaveLength(5);
    expect(log.at(-1)!.decision).toMatchObject({ kind: 'give-up', error: { code: 'PROVIDER_UNAVAILABLE' } });
  });

  it('waits at least an explicit Retry-After on a 5xx, but ignores the other hints of an outage', () => {
    const clock = new ManualClock();
    const base = { attempt: 0, message: 'overloaded', now: clock.now(), deadlineAt: clock.now() + 60_000, serviceMs: 0, ...policy };
    expect(decideRetry({ ...base, failure: 'server-error', status: 503, hints: { explicitMs: 3000, anyMs: 3000 } })).toMatchObject({ kind: 'retry', sleepMs: 3000 });
    expect(decideRetry({ ...base, failure: 'server-error', status: 503, hints: { anyMs: 9000 } })).toMatchObject({ kind: 'retry', sleepMs: 250 });
    // A 408 is transient, not a sign of a sick provider; a lost connection is.
    expect(decideRetry({ ...base, failure: 'transient', status: 408, hints: {} })).toMatchObject({ kind: 'retry', breaker: 'release' });
    expect(decideRetry({ ...base, failure: 'network', hints: {} })).toMatchObject({ kind: 'retry', breaker: 'failure', sleepMs: 250 });
  });

  it('pauses the whole budget for the 429 hint without sleeping, and gives up when the pause outlasts the deadline', () => {
    const clock = new ManualClock();
    const log = replay(clock, (attempt) => ({ failure: 'rate-limited', status: 429, hints: { anyMs: attempt === 0 ? 450 : 30_000 } }), 20_000);
    expect(log.map((l) => l.decision)).toEqual([
      { kind: 'retry', sleepMs: 0, pauseBudgetMs: 450, breaker: 'release' },
      expect.objectContaining({ kind: 'give-up', pauseBudgetMs: 30_000, breaker: 'release' }),
    ]);
    expect(log[1]!.decision).toMatchObject({ error: { code: 'PROVIDER_RATE_LIMITED', status: 429, retryAfterMs: 30_000 } });
    // No hint: the pause is a backoff step.
    const hintless = decideRetry({ attempt: 2, failure: 'rate-limited', message: 'slow down', hints: {}, now: 0, deadlineAt: 60_000, serviceMs: 0, ...policy });
    expect(hintless).toMatchObject({ kind: 'retry', pauseBudgetMs: 1000 });
  });

  it('never retries quota or a request too large, and hands any other 4xx back', () => {
    const base = { attempt: 0, message: 'no', hints: { anyMs: 10 }, now: 0, deadlineAt: 60_000, serviceMs: 0, ...policy };
    expect(decideRetry({ ...base, failure: 'quota' })).toMatchObject({ kind: 'give-up', error: { code: 'PROVIDER_QUOTA_EXCEEDED', retryable: false } });
    expect(decideRetry({ ...base, failure: 'too-large' })).toMatchObject({ kind: 'give-up', error: { code: 'LLM_REQUEST_TOO_LARGE' } });
    expect(decideRetry({ ...base, failure: 'client-error', status: 400 })).toEqual({ kind: 'pass-through', breaker: 'release' });
  });
});
