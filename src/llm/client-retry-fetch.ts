import { clockTimeout, sleep, systemClock, type Clock } from '../shared/clock.js';

type Fetch = typeof fetch;

/** What a client library does after one failed attempt: give up, or wait this many real ms and try again. */
export type RetryStep = { retry: false } | { retry: true; waitMs: number };

/**
 * A client library's retry behaviour, as data for `createClientRetryFetch`. `attempt` counts
 * from 1 (the attempt that just failed); `response` is undefined when the attempt threw
 * (connection error or timeout), and `body` is its text otherwise.
 */
export interface ClientRetryProfile {
  maxRetries: number;
  next(failed: { attempt: number; response: Response | undefined; body: string; now: number }, scaled: { timeScale: number; random: () => number }): RetryStep;
}

export interface ClientRetryOptions {
  /** Nominal durations are multiplied by this, like the simulator's clock. */
  timeScale: number;
  /** Real ms one attempt may take; the client times each attempt, never the backoff between them. */
  attemptTimeoutMs: number;
  clock?: Clock;
  random?: () => number;
}

/**
 * A client library's retries reproduced at the HTTP layer on a scaled clock, so that the
 * `--admission off` baselines wait F times their nominal backoff under `--time-scale F`,
 * like every other duration of the run. The libraries' own loops cannot be told about a
 * scaled clock, which is why this loop exists.
 */
export function createClientRetryFetch(inner: Fetch, profile: ClientRetryProfile, options: ClientRetryOptions): Fetch {
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
      if (response?.ok) return response;
      const body = response ? await response.clone().text() : '';
      const step = profile.next({ attempt, response, body, now: clock.now() }, { timeScale: options.timeScale, random });
      if (!step.retry || attempt > profile.maxRetries) {
        if (response) return response;
        throw failure;
      }
      await sleep(clock, step.waitMs, init?.signal ?? undefined);
    }
  };
}
