import { PromiseBook } from '../llm/promise-book.js';
import { promiseSlot } from '../llm/wait-prediction.js';

export interface RunQueueForecastOptions {
  /** Real ms within which a message must be answered. */
  deadlineMs: number;
  /** Runs one replica executes at once (`--max-concurrent-runs`). */
  maxConcurrentRuns: number;
  /** The shortest Retry-After given. */
  minRetryAfterMs: number;
  now?: () => number;
}

export type QueueVerdict = { shed: false } | { shed: true; retryAfterMs: number; waitMs: number };

/**
 * How long a run queued now would wait for a slot, from what runs executed here took: while
 * every slot is busy, slots free at `slots / runMs` runs per ms, so the run behind `pending`
 * others starts after `(pending + 1) * runMs / slots`. The slots are those executing across
 * the replicas (every replica is full when this one is, in a balanced cluster), never fewer
 * than this replica's own. A message that would start too late to be answered within its
 * deadline is refused at once, like admission's preflight; each refusal is promised its own
 * future slot, so that refused callers come back spread at the rate slots free up.
 */
export class RunQueueForecast {
  readonly #options: RunQueueForecastOptions;
  readonly #now: () => number;
  /** Mean ms a run holds its slot (every outcome: a refusal frees its slot early too). */
  #runMs = 0;
  /** Mean ms of a run that was answered: what a message needs once it starts. */
  #answeredMs = 0;
  readonly #promises = new PromiseBook();

  constructor(options: RunQueueForecastOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** A run executed here ended after holding its slot `durationMs`. */
  record(durationMs: number, answered: boolean): void {
    const ms = Math.max(0, durationMs);
    this.#runMs = this.#runMs === 0 ? ms : this.#runMs * 0.9 + ms * 0.1;
    if (answered) this.#answeredMs = this.#answeredMs === 0 ? ms : this.#answeredMs * 0.9 + ms * 0.1;
  }

  /** Whether anything has been learnt yet: before the first run ends, nothing is refused. */
  get learned(): boolean {
    return this.#runMs > 0;
  }

  waitMs(counts: { pending: number; running: number }): number {
    const slots = Math.max(this.#options.maxConcurrentRuns, counts.running);
    return ((counts.pending + 1) * this.#runMs) / slots;
  }

  /** Would a message queued now, behind `pending` runs, miss its deadline? */
  verdict(counts: { pending: number; running: number }): QueueVerdict {
    if (!this.learned) return { shed: false };
    const now = this.#now();
    const waitMs = this.waitMs(counts);
    const serviceMs = this.#answeredMs || this.#runMs;
    if (waitMs + serviceMs <= this.#options.deadlineMs) return { shed: false };
    return { shed: true, waitMs, retryAfterMs: this.#promise(now, waitMs, counts, serviceMs) };
  }

  /**
   * The Retry-After a run that waits in the queue until its deadline passes will be given,
   * without promising it a slot: the store writes it on whatever runs expire (often none), so
   * each one that did is booked afterwards with `booked`.
   */
  expiryRetryAfterMs(counts: { pending: number; running: number }): number {
    if (!this.learned) return this.#options.minRetryAfterMs;
    return this.#retryAfterMs(this.#now(), this.waitMs(counts), counts, this.#answeredMs || this.#runMs);
  }

  /** A caller was told to come back in `retryAfterMs`: it holds a slot until then. */
  booked(retryAfterMs: number): void {
    this.#promises.add(this.#now() + retryAfterMs);
  }

  #promise(now: number, waitMs: number, counts: { running: number }, serviceMs: number): number {
    const retryAfterMs = this.#retryAfterMs(now, waitMs, counts, serviceMs);
    this.#promises.add(now + retryAfterMs);
    return retryAfterMs;
  }

  #retryAfterMs(now: number, waitMs: number, counts: { running: number }, serviceMs: number): number {
    return promiseSlot({
      now,
      waitMs,
      slotMs: this.#runMs / Math.max(this.#options.maxConcurrentRuns, counts.running),
      outstanding: this.#promises.outstanding(now),
      serviceMs,
      deadlineAt: now + this.#options.deadlineMs,
      minRetryAfterMs: this.#options.minRetryAfterMs,
    });
  }
}
