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
  #promisedUntil = 0;

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

  /** The Retry-After of a run that waited in the queue until its deadline passed. */
  retryAfterMs(counts: { pending: number; running: number }): number {
    if (!this.learned) return this.#options.minRetryAfterMs;
    return this.#promise(this.#now(), this.waitMs(counts), counts, this.#answeredMs || this.#runMs);
  }

  #promise(now: number, waitMs: number, counts: { running: number }, serviceMs: number): number {
    const slotMs = this.#runMs / Math.max(this.#options.maxConcurrentRuns, counts.running);
    const promised = promiseSlot({
      now,
      waitMs,
      slotMs,
      promisedUntil: this.#promisedUntil,
      serviceMs,
      deadlineAt: now + this.#options.deadlineMs,
      minRetryAfterMs: this.#options.minRetryAfterMs,
    });
    this.#promisedUntil = promised.promisedUntil;
    return promised.retryAfterMs;
  }
}
