import { ConciergeError } from '../shared/errors.js';

/** Why admission control turned a call away before it reached the provider. */
export type ShedReason = 'deadline' | 'queue-full' | 'closing';

/**
 * The call could not be served within its message's deadline, so it was refused at once
 * rather than left to time out in the queue. `retryAfterMs` (real milliseconds) estimates
 * when a new message would fit; the server sends it as `Retry-After`.
 */
export class AdmissionShedError extends ConciergeError {
  readonly retryAfterMs: number;
  readonly reason: ShedReason;

  constructor(reason: ShedReason, retryAfterMs: number, message: string) {
    super('OVERLOADED', message, { status: 503, details: { reason, retryAfterMs: Math.ceil(retryAfterMs) } });
    this.reason = reason;
    this.retryAfterMs = Math.ceil(retryAfterMs);
  }
}

/** The provider kept answering 429 and the next attempt would not fit in the deadline. */
export class ProviderRateLimitError extends ConciergeError {
  readonly retryAfterMs: number | undefined;

  constructor(message: string, retryAfterMs: number | undefined, cause?: unknown) {
    super('PROVIDER_RATE_LIMITED', `the LLM provider rate-limited this request: ${message}`, {
      status: 429,
      details: retryAfterMs === undefined ? undefined : { retryAfterMs: Math.ceil(retryAfterMs) },
      cause,
    });
    this.retryAfterMs = retryAfterMs === undefined ? undefined : Math.ceil(retryAfterMs);
  }
}

/** The provider failed repeatedly (5xx, timeouts) or its circuit is open and no fallback model is set. */
export class ProviderUnavailableError extends ConciergeError {
  readonly retryAfterMs: number | undefined;

  constructor(message: string, retryAfterMs: number | undefined, cause?: unknown) {
    super('PROVIDER_UNAVAILABLE', `the LLM provider is unavailable: ${message}`, {
      status: 503,
      details: retryAfterMs === undefined ? undefined : { retryAfterMs: Math.ceil(retryAfterMs) },
      cause,
    });
    this.retryAfterMs = retryAfterMs === undefined ? undefined : Math.ceil(retryAfterMs);
  }
}

/**
 * The provider account is out of credit (`insufficient_quota`). Retrying cannot help and
 * would only burn requests, so it is never retried; the operator has to act.
 */
export class ProviderQuotaError extends ConciergeError {
  constructor(message: string) {
    super('PROVIDER_QUOTA_EXCEEDED', `the LLM provider account is out of quota: ${message}`, { status: 503 });
  }
}

/**
 * One call needs more tokens than the whole per-minute budget (OpenAI: "Request too large").
 * No amount of waiting makes it fit, so it is refused without a retry.
 */
export class LlmRequestTooLargeError extends ConciergeError {
  constructor(message: string) {
    super('LLM_REQUEST_TOO_LARGE', message, { status: 413 });
  }
}
