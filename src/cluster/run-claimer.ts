import type { ClaimedRun, RunStore } from '../store/run-store.js';

export interface RunClaimerOptions {
  store: RunStore;
  owner: string;
  leaseMs: number;
  /** Take one of this replica's run slots for a claim about to be made; false when none is free. */
  reserve: () => boolean;
  /** Give back the slot of a claim that found nothing (or failed). */
  unreserve: () => void;
  /** Start executing a claimed run (owned by this replica from now on) in the slot reserved for it. */
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
  #inFlight: Promise<void> | undefined;
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

  /**
   * Settles when the claim being made now (holding a reserved slot) has ended, its run
   * executing or its slot given back; undefined when no claim is in flight.
   */
  get claimInFlight(): Promise<void> | undefined {
    return this.#inFlight;
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
      // The slot is reserved before the claim is sent, so that a run started directly while
      // the claim is in flight cannot take it too: a replica never executes more than its slots.
      while (!this.#stopped && this.#options.reserve()) {
        const sentAt = this.#now();
        let settle!: () => void;
        this.#inFlight = new Promise<void>((resolve) => (settle = resolve));
        try {
          let claimed: ClaimedRun | undefined;
          try {
            claimed = await this.#options.store.claimRun(this.#options.owner, this.#options.leaseMs);
          } catch (error) {
            this.#options.unreserve();
            this.#options.log?.(`claims: ${String(error)}`);
            return;
          }
          if (!claimed) {
            this.#options.unreserve();
            break;
          }
          this.claimed += 1;
          this.#options.execute(claimed, sentAt);
        } finally {
          this.#inFlight = undefined;
          settle();
        }
      }
    } while (this.#again && !this.#stopped);
  }
}
