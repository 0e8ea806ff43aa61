/**
 * The one clock of the program: wall time in epoch milliseconds and timers. Booking (today,
 * the past, the horizon), the LLM layer (deadlines, budgets, backoff) and the simulator
 * (limiter, prompt cache, pacing) all read time through it, so that a test can hold time
 * still and move it by hand with `ManualClock`.
 *
 * Epoch milliseconds rather than a monotonic clock, because deadlines cross modules (the
 * server sets one, the gate compares with it) and reports print instants; every consumer
 * that measures an interval tolerates a clock that steps back (a token bucket just refills
 * nothing for a while).
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Call `fn` after `ms`; the returned function cancels it. */
  setTimer(ms: number, fn: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, fn) {
    const timer = setTimeout(fn, Math.max(0, ms));
    return () => clearTimeout(timer);
  },
};

/** Resolve after `ms` on `clock`, or reject with the signal's reason when it aborts first. */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      cancel();
      reject(abortReason(signal!));
    };
    const cancel = clock.setTimer(ms, () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * A signal that aborts with a `TimeoutError` after `ms` on `clock` (`AbortSignal.timeout`
 * on the injected clock); `clear()` disarms it once the awaited answer has started.
 */
export function clockTimeout(clock: Clock, ms: number, message = 'the operation timed out'): { signal: AbortSignal; clear(): void; readonly fired: boolean } {
  const controller = new AbortController();
  let fired = false;
  const cancel = clock.setTimer(ms, () => {
    fired = true;
    controller.abort(new DOMException(message, 'TimeoutError'));
  });
  return {
    signal: controller.signal,
    clear: cancel,
    get fired() {
      return fired;
    },
  };
}

/** The error an aborted signal carries, always named `AbortError` (or `TimeoutError`) so callers above recognise it. */
export function abortReason(signal: AbortSignal): unknown {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && (reason.name === 'AbortError' || reason.name === 'TimeoutError')) return reason;
  return new DOMException('This operation was aborted', 'AbortError');
}

/** 2023-11-14T22:13:20Z: any fixed instant will do; a round one reads well in failures. */
const DEFAULT_START = 1_700_000_000_000;

/** A clock that moves only when told to; due timers fire in order as it advances. */
export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  readonly #timers = new Map<number, { at: number; fn: () => void }>();

  constructor(start: Date | string | number = DEFAULT_START) {
    this.#now = new Date(start).getTime();
  }

  now(): number {
    return this.#now;
  }

  setTimer(ms: number, fn: () => void): () => void {
    const id = this.#seq++;
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), fn });
    return () => {
      this.#timers.delete(id);
    };
  }

  /** Pending timers, for assertions. */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** Real ms until the earliest pending timer is due, or undefined when none is pending. */
  nextTimerInMs(): number | undefined {
    let at: number | undefined;
    for (const timer of this.#timers.values()) if (at === undefined || timer.at < at) at = timer.at;
    return at === undefined ? undefined : Math.max(0, at - this.#now);
  }

  /** Move time forward by `ms`, firing every timer that falls due on the way, earliest first. */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.#timers) {
        if (entry[1].at <= end && (!next || entry[1].at < next[1].at)) next = entry;
      }
      if (!next) break;
      this.#timers.delete(next[0]);
      this.#now = Math.max(this.#now, next[1].at);
      next[1].fn();
    }
    this.#now = end;
  }

  /**
   * Await `work`, moving time to the next timer whenever nothing else is left to run (the
   * event loop has gone round once with `work` still pending). For tests of code that waits
   * on this clock: backoffs, pauses and timeouts take no real time, and happen in order.
   * When the work also waits on real I/O (a local HTTP server), `idle` says when none is in
   * flight; until then time stands still, so that no timer fires ahead of an answer.
   */
  async settle<T>(work: Promise<T>, options: { idle?: () => boolean; maxSteps?: number } = {}): Promise<T> {
    const { idle = () => true, maxSteps = 100_000 } = options;
    let done = false;
    work.then(
      () => (done = true),
      () => (done = true),
    );
    for (let step = 0; step < maxSteps; step += 1) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (done) return work;
      const next = this.nextTimerInMs();
      if (next === undefined || !idle()) await new Promise<void>((resolve) => setTimeout(resolve, 1));
      else this.advance(next);
    }
    throw new Error(`ManualClock.settle: still pending after ${maxSteps} steps`);
  }

  /** Jump to an instant (forward or back) without firing timers: a wall clock being reset. */
  set(instant: Date | string | number): void {
    this.#now = new Date(instant).getTime();
  }
}
