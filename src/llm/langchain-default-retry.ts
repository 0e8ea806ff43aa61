import { createClientRetryFetch, type ClientRetryOptions, type ClientRetryProfile } from './client-retry-fetch.js';
import { parseRetryAfter, parseTryAgainIn } from './provider-headers.js';

type Fetch = typeof fetch;

/** The statuses LangChain's AsyncCaller never retries. */
const NO_RETRY = new Set([400, 401, 402, 403, 404, 405, 406, 407, 409, 413]);
/** Wordings LangChain takes for an exhausted quota: final, never retried. */
const QUOTA_EXHAUSTED = [/insufficient[_ -]?quota/i, /exceeded (?:your|the current|the available).+quota/i, /usage quota/i, /quota (?:has been )?exhausted/i, /billing/i, /credit balance/i, /out of credits/i, /will reset at/i];
/** LangChain waits out a 429's hint only up to a minute; a longer one, or none, is final. */
const HINT_LIMIT_MS = 60_000;

export interface LangChainRetryOptions extends ClientRetryOptions {
  /** LangChain's default: 6. */
  maxRetries?: number;
}

/**
 * The seed architecture's retry behaviour (LangChain's AsyncCaller defaults: 6 retries,
 * p-retry backoff of 1 s x 2^n x random 1-2, at least the retry hint; no retry of 4xx other
 * than 408/429; a 429 retried only when it carries a hint of at most a minute; quota errors
 * final). The hint is read as LangChain reads it: `Retry-After` (seconds or an HTTP date;
 * LangChain never looks at `retry-after-ms`), else the hint in the message.
 */
export function langChainRetryProfile(maxRetries = 6): ClientRetryProfile {
  return {
    maxRetries,
    next({ attempt, response, body, now }, { timeScale, random }) {
      if (response && NO_RETRY.has(response.status)) return { retry: false };
      let retryAfter: number | undefined;
      if (response) {
        retryAfter = parseRetryAfter(response.headers.get('retry-after'), now) ?? parseTryAgainIn(body);
        if (response.status === 429) {
          if (QUOTA_EXHAUSTED.some((pattern) => pattern.test(body))) return { retry: false };
          // As LangChain classifies a 429: wait out a hint of up to a (scaled) minute, give up
          // on a longer one or on none at all.
          if (retryAfter === undefined || retryAfter > HINT_LIMIT_MS * timeScale) return { retry: false };
        }
      }
      const backoff = Math.round((random() + 1) * 1000 * 2 ** (attempt - 1)) * timeScale;
      return { retry: true, waitMs: Math.max(backoff, retryAfter ?? 0) };
    },
  };
}

/**
 * LangChain.js's default retries on a scaled clock. At F = 1 the server uses LangChain's own
 * AsyncCaller instead.
 */
export function createLangChainDefaultRetryFetch(inner: Fetch, options: LangChainRetryOptions): Fetch {
  return createClientRetryFetch(inner, langChainRetryProfile(options.maxRetries), options);
}
