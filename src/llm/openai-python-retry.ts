import { createClientRetryFetch, type ClientRetryOptions, type ClientRetryProfile } from './client-retry-fetch.js';
import { parseRetryAfter } from './provider-headers.js';

type Fetch = typeof fetch;

/** openai-python's `DEFAULT_MAX_RETRIES`: what LangGraph in Python (the seed's system) retried. */
export const OPENAI_PYTHON_MAX_RETRIES = 2;
/** openai-python's `DEFAULT_TIMEOUT` of one attempt, nominal ms. */
export const OPENAI_PYTHON_TIMEOUT_MS = 600_000;
const INITIAL_RETRY_DELAY_MS = 500;
const MAX_RETRY_DELAY_MS = 8_000;
/** A hint above a minute is ignored (the client backs off on its own instead). */
const HINT_LIMIT_MS = 60_000;

/**
 * The OpenAI Python client's retries (`_base_client.py`): 2 retries; `x-should-retry` decides
 * when present, else 408, 409, 429 and 5xx are retried, as are connection errors and
 * timeouts; the wait is the server's `retry-after-ms` / `retry-after` when it is above 0 and
 * at most a minute, else `min(0.5 s x 2^n, 8 s) x (1 - 0.25 x random)` for the n-th retry.
 * Nominal durations (the backoff and the minute cap) are scaled; the hint is already real.
 */
export function openAiPythonRetryProfile(maxRetries = OPENAI_PYTHON_MAX_RETRIES): ClientRetryProfile {
  return {
    maxRetries,
    next({ attempt, response, now }, { timeScale, random }) {
      if (response) {
        const should = response.headers.get('x-should-retry');
        const retryable = should === 'true' || (should !== 'false' && (response.status === 408 || response.status === 409 || response.status === 429 || response.status >= 500));
        if (!retryable) return { retry: false };
        const ms = Number(response.headers.get('retry-after-ms') ?? Number.NaN);
        const hint = Number.isFinite(ms) ? ms : parseRetryAfter(response.headers.get('retry-after'), now);
        if (hint !== undefined && hint > 0 && hint <= HINT_LIMIT_MS * timeScale) return { retry: true, waitMs: hint };
      }
      const backoff = Math.min(INITIAL_RETRY_DELAY_MS * 2 ** (attempt - 1), MAX_RETRY_DELAY_MS) * (1 - 0.25 * random());
      return { retry: true, waitMs: backoff * timeScale };
    },
  };
}

/** The OpenAI Python client's default retries on a scaled clock: the seed system's client. */
export function createOpenAiPythonRetryFetch(inner: Fetch, options: ClientRetryOptions & { maxRetries?: number }): Fetch {
  return createClientRetryFetch(inner, openAiPythonRetryProfile(options.maxRetries), options);
}
