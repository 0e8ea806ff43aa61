import { clockTimeout, sleep, systemClock, type Clock } from '../shared/clock.js';
import { parseRetryAfter, parseTryAgainIn } from './provider-headers.js';

type Fetch = typeof fetch;

/** The statuses LangChain's AsyncCaller never retries. */
const NO_RETRY = new Set([400, 401, 402, 403, 404, 405, 406, 407, 409, 413]);
/** Wordings LangChain takes for an exhausted quota: final, never retried. */
const QUOTA_EXHAUSTED = [/insufficient[_ -]?quota/i, /exceeded (?:your|the current|the available).+quota/i, /usage quota/i, /quota (?:has been )?exhausted/i, /billing/i, /credit balance/i, /out of credits/i, /will reset at/i];
/** LangChain waits out a 429's hint only up to a minute; a longer one, or none, is final. */
const HINT_LIMIT_MS = 60_000;

export interface LangChainRetryOptions {
  /** LangChain's default: 6. */
  maxRetries?: number;
  /** Nominal durations are multiplied by this, like the simulator's clock. */
  timeScale: number;
  /**
   * Real ms one attempt may take. LangChain retries around the SDK call, so its timeout
   * applies to each attempt, never to the backoff between them.
   */
  attemptTimeoutMs: number;
  clock?: Clock;
  random?: () => number;
}

/**
 * The wait a failed answer asks for, read as LangChain reads it: `Retry-After` (seconds or an
 * HTTP date; LangChain never looks at `retry-after-ms`), else the hint in the message.
 */
function hintMs(response: Response, body: string, now: number): number | undefined {
  return parseRetryAfter(response.headers.get('retry-after'), now) ?? parseTryAgainIn(body);
}

/**
 * The seed architecture's retry behaviour (LangChain's AsyncCaller defaults: 6 retries,
 * p-retry backoff of 1 s x 2^n x random 1-2, at least the retry hint; no retry of 4xx other
 * than 408/429; a 429 retried only when it carries a hint of at most a minute; quota errors
 * final), reproduced at the HTTP layer on a
 * scaled clock. It exists only so that `--admission off` under `--time-scale F` waits F times
 * its nominal backoff, like every other duration of the run; at F = 1 the server uses
 * LangChain's own AsyncCaller instead.
 */
export function createLangChainDefaultRetryFetch(inner: Fetch, options: LangChainRetryOptions): Fetch {
  const maxRetries = options.maxRetries ?? 6;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  return async (input, init) => {
    for (let attempt = 1; ; attempt += 1) {
      let response: Response | undefined;
      let failure: unknown;
      const timeout = clockTimeout(clock, options.attemptTimeoutMs, 'the provider did not answer in time');
      try {
        response = await inner(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, timeout.signal]) : timeout.signal });
      } catch (error) {
        failure = error;
        if (init?.signal?.aborted) throw error;
      } finally {
        timeout.clear();
      }
      if (response && (response.ok || NO_RETRY.has(response.status))) return response;
      let retryAfter: number | undefined;
      if (response) {
        const body = await response.clone().text();
        retryAfter = hintMs(response, body, clock.now());
        if (response.status === 429) {
          if (QUOTA_EXHAUSTED.some((pattern) => pattern.test(body))) return response;
          // As LangChain classifies a 429: wait out a hint of up to a (scaled) minute, give up
          // on a longer one or on none at all.
          if (retryAfter === undefined || retryAfter > HINT_LIMIT_MS * options.timeScale) return response;
        }
      }
      if (attempt > maxRetries) {
        if (response) return response;
        throw failure;
      }
      const backoff = Math.round((random() + 1) * 1000 * 2 ** (attempt - 1)) * options.timeScale;
      await sleep(clock, Math.max(backoff, retryAfter ?? 0), init?.signal ?? undefined);
    }
  };
}
