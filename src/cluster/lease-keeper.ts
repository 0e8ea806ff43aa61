import type { RunStore } from '../store/run-store.js';

export interface LeaseKeeperOptions {
  store: RunStore;
  owner: string;
  leaseMs: number;
  /** The run can no longer be written by this replica: stop it. */
  onLost: (runId: string, reason: string) => void;
  /** Someone asked to cancel the run (seen at renewal). */
  onCancel: (runId: string) => void;
  /** Milliseconds on this process's monotonic clock. Default performance.now. */
  now?: () => number;
  log?: (line: string) => void;
}

/**
 * Renews the leases of the runs this replica executes, every third of the lease. Whether a
 * lease still holds is judged on this process's clock from the moment each renewal was
 * sent: the database set the expiry later than that, so the local view errs on the safe
 * side without the clocks having to agree. A run whose lease was taken away, or whose lease
 * could not be renewed in time, is stopped (onLost) before anyone else may see it expired.
 */
export class LeaseKeeper {
  readonly #options: LeaseKeeperOptions;
  readonly #now: () => number;
  /** Run id -> local instant until which its lease certainly holds. */
  readonly #held = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #renewing: Promise<void> | undefined;
  renewals = 0;
  failures = 0;
  lost = 0;

  constructor(options: LeaseKeeperOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => performance.now());
  }

  get intervalMs(): number {
    return Math.max(100, Math.floor(this.#options.leaseMs / 3));
  }

  /** Start tracking a run whose lease was set by a statement sent at `sentAt` (local clock). */
  add(runId: string, sentAt: number): void {
    this.#held.set(runId, sentAt + this.#options.leaseMs);
  }

  remove(runId: string): void {
    this.#held.delete(runId);
  }

  /** Whether this replica may still write for the run (checkpoints, its record). */
  holds(runId: string): boolean {
    const until = this.#held.get(runId);
    return until !== undefined && this.#now() < until;
  }

  get held(): string[] {
    return [...this.#held.keys()];
  }

  start(): void {
    this.#timer ??= setInterval(() => void this.renew(), this.intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#renewing;
  }

  /** One round of renewals (also called by the timer). */
  renew(): Promise<void> {
    this.#renewing ??= this.#renewOnce().finally(() => {
      this.#renewing = undefined;
    });
    return this.#renewing;
  }

  async #renewOnce(): Promise<void> {
    const ids = this.held;
    if (ids.length === 0) return;
    const sentAt = this.#now();
    try {
      const renewed = await this.#options.store.renewLeases(this.#options.owner, ids, this.#options.leaseMs);
      this.renewals += 1;
      const kept = new Set<string>();
      for (const { runId, cancelRequested } of renewed) {
        kept.add(runId);
        if (this.#held.has(runId)) this.#held.set(runId, sentAt + this.#options.leaseMs);
        if (cancelRequested) this.#options.onCancel(runId);
      }
      for (const runId of ids) {
        if (!kept.has(runId) && this.#held.has(runId)) this.#lose(runId, 'its lease was taken away (it expired and the run was marked interrupted)');
      }
    } catch (error) {
      this.failures += 1;
      this.#options.log?.(`leases: renewal failed: ${String(error)}`);
      // Another attempt comes in a third of the lease; a run whose lease would run out
      // before then is stopped now, while it is still certainly ours to record.
      const next = this.#now() + this.intervalMs;
      for (const runId of ids) {
        const until = this.#held.get(runId);
        if (until !== undefined && until <= next) this.#lose(runId, `its lease could not be renewed: ${String(error)}`);
      }
    }
  }

  #lose(runId: string, reason: string): void {
    this.#held.delete(runId);
    this.lost += 1;
    this.#options.onLost(runId, reason);
  }
}
