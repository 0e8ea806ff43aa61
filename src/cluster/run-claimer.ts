import type { ClaimedRun, RunStore } from '../store/run-store.js';

export interface RunClaimerOptions {
  store: RunStore;
  owner: string;
  leaseMs: number;
  /** Runs this replica may still take on now. */
  room: () => number;
  /** Start executing a claimed run (owned by this replica from now on). */
  execute: (claimed: ClaimedRun, claimSentAt: number) => void;
  /** Safety net and, without a bus, the only way to notice queued work. Default 500 ms. */
  pollMs?: number;
  now?: () => number;
  log?: (line: string) => void;
}

/**
 * Takes queued runs from the store while this replica has room: on a wake-up (a run was
 * queued or a thread freed, here or on another replica), and every `pollMs` in case a
 * wake-up was missed. Claims are serialised within the process, so a burst of wake-ups
 * costs one claim loop.
 */
export class RunClaimer {
  readonly #options: RunClaimerOptions;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #again = false;
  #stopped = false;
  claimed = 0;

  constructor(options: RunClaimerOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => performance.now());
  }

  start(): void {
    this.#stopped = false;
    this.#timer ??= setInterval(() => this.wake(), this.#options.pollMs ?? 500);
    this.#timer.unref();
    this.wake();
  }

  /** Stop claiming (shutdown): runs already claimed go on. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  wake(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    void this.#loop().finally(() => {
      this.#running = false;
    });
  }

  async #loop(): Promise<void> {
    do {
      this.#again = false;
      while (!this.#stopped && this.#options.room() > 0) {
        const sentAt = this.#now();
        let claimed: ClaimedRun | undefined;
        try {
          claimed = await this.#options.store.claimRun(this.#options.owner, this.#options.leaseMs);
        } catch (error) {
          this.#options.log?.(`claims: ${String(error)}`);
          return;
        }
        if (!claimed) break;
        this.claimed += 1;
        this.#options.execute(claimed, sentAt);
      }
    } while (this.#again && !this.#stopped);
  }
}
