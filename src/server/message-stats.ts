/** One finished run, as the live view counts it. */
export interface FinishedMessage {
  status: 'success' | 'error' | 'timeout' | 'interrupted';
  /** Real milliseconds from the request to the answer (lock and admission waits included). */
  durationMs: number;
  costUsd: number;
}

export interface MessageStatsSnapshot {
  /** Since start (or the last reset). */
  answered: number;
  failed: number;
  costUsd: number;
  /** Answered messages of the last `windowSec` real seconds. */
  latencyMs: { windowSec: number; count: number; p50: number | null; p95: number | null; max: number | null };
}

export interface MessageStatsOptions {
  /** Real seconds of latencies the percentiles cover. Default 60. */
  windowSec?: number;
  /** Most latencies kept in the window (the newest win). Default 20,000. */
  maxSamples?: number;
  now?: () => number;
}

/**
 * Messages answered, their latency over a recent window and their cost, for `/stats` and the
 * `/ops` page. Percentiles come from sorting the window on demand: it is read about once a
 * second and holds at most `maxSamples` numbers, which costs less than keeping a histogram
 * per time slice.
 */
export class MessageStats {
  readonly #windowMs: number;
  readonly #maxSamples: number;
  readonly #now: () => number;
  #answered = 0;
  #failed = 0;
  #costUsd = 0;
  /** [finishedAt, latencyMs], oldest first. */
  #samples: Array<[number, number]> = [];

  constructor(options: MessageStatsOptions = {}) {
    this.#windowMs = (options.windowSec ?? 60) * 1000;
    this.#maxSamples = options.maxSamples ?? 20_000;
    this.#now = options.now ?? Date.now;
  }

  record(message: FinishedMessage): void {
    this.#costUsd += message.costUsd;
    if (message.status !== 'success') {
      this.#failed += 1;
      return;
    }
    this.#answered += 1;
    this.#samples.push([this.#now(), message.durationMs]);
    if (this.#samples.length > this.#maxSamples) this.#samples.splice(0, this.#samples.length - this.#maxSamples);
  }

  snapshot(): MessageStatsSnapshot {
    const since = this.#now() - this.#windowMs;
    const firstInWindow = this.#samples.findIndex(([at]) => at >= since);
    this.#samples = firstInWindow < 0 ? [] : this.#samples.slice(firstInWindow);
    const sorted = this.#samples.map(([, ms]) => ms).sort((a, b) => a - b);
    const at = (q: number) => (sorted.length ? Math.round(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!) : null);
    return {
      answered: this.#answered,
      failed: this.#failed,
      costUsd: this.#costUsd,
      latencyMs: { windowSec: this.#windowMs / 1000, count: sorted.length, p50: at(0.5), p95: at(0.95), max: sorted.length ? Math.round(sorted.at(-1)!) : null },
    };
  }

  reset(): void {
    this.#answered = 0;
    this.#failed = 0;
    this.#costUsd = 0;
    this.#samples = [];
  }
}
