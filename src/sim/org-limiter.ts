import type { Clock } from '../shared/clock.js';
import { TokenBucket } from './token-bucket.js';

export interface OrgLimits {
  rpm: number;
  tpm: number;
}

/** What the `x-ratelimit-*` headers report. Durations are real milliseconds. */
export interface LimitState {
  limitRequests: number;
  remainingRequests: number;
  resetRequestsMs: number;
  limitTokens: number;
  remainingTokens: number;
  resetTokensMs: number;
}

export type AdmitResult =
  | { ok: true; state: LimitState }
  | {
      ok: false;
      /** `requests`: RPM empty; `tokens`: TPM short; `too_large`: more than the whole TPM. */
      kind: 'requests' | 'tokens' | 'too_large';
      limit: number;
      used: number;
      requested: number;
      /** Real milliseconds until enough budget has refilled (0 for `too_large`). */
      retryAfterMs: number;
      state: LimitState;
    };

/**
 * The organisation limiter OpenAI applies, as two continuously refilled buckets one
 * minute deep: requests per minute and tokens per minute. A request is charged its prompt
 * tokens plus its maximum completion tokens up front and nothing is refunded afterwards.
 * A request rejected for tokens still spends its request (failed requests count against
 * RPM); one rejected for requests spends nothing, since that bucket is already empty.
 *
 * `minuteMs` is how long one (scaled) minute lasts on `clock`, so with time scale F the
 * buckets refill in 60·F real seconds and every duration returned is real time. `windowMs`
 * (nominal) makes the buckets shallower: the same rate, a smaller burst.
 */
export class OrgLimiter {
  readonly limits: OrgLimits;
  readonly #requests: TokenBucket;
  readonly #tokens: TokenBucket;

  /** Nominal ms of refill the buckets hold (the limit window); one minute unless enforced over shorter periods. */
  readonly windowMs: number;

  constructor(limits: OrgLimits, minuteMs: number, clock: Clock, windowMs = 60_000) {
    this.limits = limits;
    this.windowMs = windowMs;
    // A window shorter than a minute holds that fraction of the limit and refills at the same rate.
    const depth = windowMs / 60_000;
    this.#requests = new TokenBucket(limits.rpm * depth, minuteMs * depth, clock);
    this.#tokens = new TokenBucket(limits.tpm * depth, minuteMs * depth, clock);
  }

  admit(tokens: number): AdmitResult {
    const { rpm, tpm } = this.limits;
    if (!this.#requests.tryTake(1)) {
      return {
        ok: false,
        kind: 'requests',
        limit: rpm,
        used: Math.ceil(rpm - this.#requests.level()),
        requested: 1,
        retryAfterMs: this.#requests.msUntil(1),
        state: this.state(),
      };
    }
    if (tokens > this.#tokens.capacity) {
      return { ok: false, kind: 'too_large', limit: tpm, used: Math.ceil(tpm - this.#tokens.level()), requested: tokens, retryAfterMs: 0, state: this.state() };
    }
    if (!this.#tokens.tryTake(tokens)) {
      return {
        ok: false,
        kind: 'tokens',
        limit: tpm,
        used: Math.ceil(tpm - this.#tokens.level()),
        requested: tokens,
        retryAfterMs: this.#tokens.msUntil(tokens),
        state: this.state(),
      };
    }
    return { ok: true, state: this.state() };
  }

  state(): LimitState {
    return {
      limitRequests: this.limits.rpm,
      remainingRequests: Math.floor(this.#requests.level()),
      resetRequestsMs: this.#requests.msUntilFull(),
      limitTokens: this.limits.tpm,
      remainingTokens: Math.floor(this.#tokens.level()),
      resetTokensMs: this.#tokens.msUntilFull(),
    };
  }
}
