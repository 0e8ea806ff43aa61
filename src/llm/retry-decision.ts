import type { ConciergeError } from '../shared/errors.js';
import { llmRequestTooLarge } from './admission-errors.js';
import { providerQuotaExceeded, providerRateLimited, providerUnavailable } from './provider-errors.js';
import { fitsDeadline, fullJitterBackoff, rateLimitPauseMs, type BackoffOptions, type FailureKind } from './retry-policy.js';

/** What went wrong with one attempt: an answer classified by `classifyFailure`, or no answer at all. */
export type AttemptFailure = FailureKind | 'timeout' | 'network' | 'cut-stream';

export interface RetryInput {
  /** Retries made so far: 0 when the first attempt failed. */
  attempt: number;
  failure: AttemptFailure;
  /** The provider's status, when it answered. */
  status?: number | undefined;
  /** The provider's message, or what happened (`no answer within 60000 ms`). */
  message: string;
  /** Real ms the provider asked for: `explicitMs` from Retry-After alone, `anyMs` from any hint (the message, the reset headers). */
  hints: { explicitMs?: number | undefined; anyMs?: number | undefined };
  /** Now and the message's deadline, epoch ms on the same clock. */
  now: number;
  deadlineAt: number;
  /** Smoothed real duration of one call: a retry must leave room for it before the deadline. */
  serviceMs: number;
  maxRetries: number;
  backoff: BackoffOptions;
  random: () => number;
}

/** What the circuit breaker learns from the failure: a sick provider, or nothing about its health. */
export type BreakerSignal = 'failure' | 'release';

export type RetryDecision =
  /** Wait `sleepMs` (after pausing the whole budget for `pauseBudgetMs`, when set), then try again. */
  | { kind: 'retry'; sleepMs: number; pauseBudgetMs: number | undefined; breaker: BreakerSignal }
  /** Stop with this error (the budget pause still applies: the provider limits everyone). */
  | { kind: 'give-up'; error: ConciergeError; pauseBudgetMs: number | undefined; breaker: BreakerSignal }
  /** The request itself is wrong: hand the provider's answer to the SDK unchanged. */
  | { kind: 'pass-through'; breaker: BreakerSignal };

/**
 * The one retry policy of every LLM call, as a pure function of the failed attempt: 429s
 * pause the whole budget (for the provider's hint, else a backoff) and retry through the
 * queue without sleeping; 5xx and missing answers back off with full jitter (at least the
 * provider's Retry-After) and count against the circuit; quota and too-large errors are
 * final; any other 4xx goes back to the caller. A retry that could not finish before the
 * deadline, or beyond `maxRetries`, gives up with a typed error carrying the wait.
 */
export function decideRetry(input: RetryInput & { failure: 'timeout' | 'network' | 'cut-stream' }): Exclude<RetryDecision, { kind: 'pass-through' }>;
export function decideRetry(input: RetryInput): RetryDecision;
export function decideRetry(input: RetryInput): RetryDecision {
  const { failure, attempt, message } = input;
  const fits = (delayMs: number) => attempt < input.maxRetries && fitsDeadline({ now: input.now, delayMs, serviceMs: input.serviceMs, deadlineAt: input.deadlineAt });
  switch (failure) {
    case 'client-error':
      return { kind: 'pass-through', breaker: 'release' };
    case 'quota':
      return { kind: 'give-up', error: providerQuotaExceeded(message), pauseBudgetMs: undefined, breaker: 'release' };
    case 'too-large':
      return { kind: 'give-up', error: llmRequestTooLarge(message), pauseBudgetMs: undefined, breaker: 'release' };
    case 'rate-limited': {
      // A 429 says the budget was wrong, not that the provider is unhealthy; the pause holds
      // the whole queue, this call included, so the retry does not sleep on its own.
      const pauseMs = rateLimitPauseMs(input.hints.anyMs, attempt, input.backoff, input.random);
      if (!fits(pauseMs)) return { kind: 'give-up', error: providerRateLimited(message, pauseMs), pauseBudgetMs: pauseMs, breaker: 'release' };
      return { kind: 'retry', sleepMs: 0, pauseBudgetMs: pauseMs, breaker: 'release' };
    }
    default: {
      const backoffMs = fullJitterBackoff(attempt, input.backoff, input.random);
      // Only an explicit Retry-After counts here: the rate-limit resets say nothing about an outage.
      const delayMs = failure === 'server-error' || failure === 'transient' ? Math.max(input.hints.explicitMs ?? 0, backoffMs) : backoffMs;
      const breaker: BreakerSignal = failure === 'transient' ? 'release' : 'failure';
      const what = input.status === undefined ? message : `HTTP ${input.status}: ${message}`;
      if (!fits(delayMs)) return { kind: 'give-up', error: providerUnavailable(what, delayMs), pauseBudgetMs: undefined, breaker };
      return { kind: 'retry', sleepMs: delayMs, pauseBudgetMs: undefined, breaker };
    }
  }
}
