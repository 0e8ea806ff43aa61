import type { ExpiredRun, RunError, RunStore } from '../store/run-store.js';

export interface QueuedRunExpiryOptions {
  store: RunStore;
  /** The error recorded on the runs a pass expires (its Retry-After estimated at the pass). */
  error: () => RunError;
  /** Told of each run a pass expired (publish its end, count it); must not throw. */
  onExpired: (expired: ExpiredRun) => void;
  /** How often queued runs are looked at besides the deadlines this replica knows of. */
  pollMs: number;
  now?: () => number;
  log?: (line: string) => void;
}

/**
 * Ends queued runs whose deadline passed before any replica had room for them, so that their
 * callers get a retryable refusal instead of waiting until their own timeout. A pass runs at
 * each deadline this replica knows of (the runs it queued) and every `pollMs` (the runs other
 * replicas queued, or follow-up turns whose deadline counts from their thread's previous
 * run); passes never overlap, and the database decides which replica ends each run.
 */
export class QueuedRunExpiry {
  readonly #options: QueuedRunExpiryOptions;
  readonly #now: () => number;
  readonly #timers = new Set<NodeJS.Timeout>();
  #interval: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = true;
  expired = 0;

  constructor(options: QueuedRunExpiryOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  start(): void {
    this.#stopped = false;
    this.#interval ??= setInterval(() => void this.pass(), this.#options.pollMs);
    this.#interval.unref();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#interval) clearInterval(this.#interval);
    this.#interval = undefined;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  /** Look again just after `epochMs`, a queued run's deadline. */
  at(epochMs: number): void {
    if (this.#stopped) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      void this.pass();
    }, Math.max(0, epochMs - this.#now()) + 5);
    timer.unref();
    this.#timers.add(timer);
  }

  /** Expire what is due now; resolves once a pass that started after this call has ended. */
  async pass(): Promise<void> {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      do {
        this.#again = false;
        try {
          const expired = await this.#options.store.expireQueued(this.#options.error());
          this.expired += expired.length;
          for (const run of expired) this.#options.onExpired(run);
        } catch (error) {
          this.#options.log?.(`queued run deadlines: ${String(error)}`);
        }
      } while (this.#again && !this.#stopped);
    })().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }
}
