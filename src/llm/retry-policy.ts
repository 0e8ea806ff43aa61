import type { ProviderErrorBody } from './provider-headers.js';

/**
 * The one retry policy of every LLM call. It lives here, and only here: the OpenAI SDK and
 * LangChain above the gate run with `maxRetries: 0` when admission is on, so a failure is
 * never retried by two layers multiplying each other's attempts.
 */
export type FailureKind =
  /** 429 rate limit: pause the whole budget, then retry through the queue. */
  | 'rate-limited'
  /** 429 insufficient_quota: the account is out of credit; retrying only burns requests. */
  | 'quota'
  /** "Request too large": above the whole TPM limit; no wait makes it fit. */
  | 'too-large'
  /** 5xx: retry with backoff; counts towards the circuit breaker. */
  | 'server-error'
  /** 408 / 409: transient, retried like OpenAI's SDK does, not a sign the provider is down. */
  | 'transient'
  /** Any other 4xx: the request is wrong; hand the answer to the SDK unchanged. */
  | 'client-error';

export function classifyFailure(status: number, body: ProviderErrorBody | undefined, headers?: Headers): FailureKind {
  if (status === 429) {
    if (body?.code === 'insufficient_quota' || body?.type === 'insufficient_quota') return 'quota';
    if (/request too large/i.test(body?.message ?? '')) return 'too-large';
    return 'rate-limited';
  }
  // OpenAI's own hint about retrying wins over the status, as its SDK does.
  if (headers?.get('x-should-retry') === 'false') return 'client-error';
  if (status >= 500) return 'server-error';
  if (status === 408 || status === 409) return 'transient';
  return 'client-error';
}

export interface BackoffOptions {
  /** Delay scale of the first retry (real ms). */
  baseMs: number;
  /** Upper bound of any single delay (real ms). */
  capMs: number;
}

/**
 * Exponential backoff with full jitter: uniformly random in [0, min(cap, base x 2^attempt)].
 * Full jitter spreads a crowd of failed callers over the whole window instead of bringing
 * them back together, which is what keeps a recovering provider from being hit in waves.
 * `attempt` counts retries from 0; `random` is injectable so tests are exact.
 */
export function fullJitterBackoff(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** Math.max(0, attempt));
  return random() * ceiling;
}

/**
 * How long a rate-limited call waits before it tries again: the provider's hint when it gave
 * one (already real time), else the backoff. The wait becomes a pause of the whole budget, so
 * every caller of the same key waits with it.
 */
export function rateLimitPauseMs(hintMs: number | undefined, attempt: number, backoff: BackoffOptions, random: () => number = Math.random): number {
  return hintMs !== undefined ? hintMs : fullJitterBackoff(attempt, backoff, random);
}

/** Whether one more attempt can still finish before the deadline. */
export function fitsDeadline(input: { now: number; delayMs: number; serviceMs: number; deadlineAt: number }): boolean {
  return input.now + input.delayMs + input.serviceMs <= input.deadlineAt;
}
