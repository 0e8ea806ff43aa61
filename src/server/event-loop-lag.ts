import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/**
 * Event-loop delay, the evidence that tells "the process itself is saturated" apart from
 * "we are waiting on the provider". Sampled by Node every 10 ms; reported in milliseconds.
 */
export class EventLoopLag {
  readonly #histogram: IntervalHistogram;

  constructor() {
    this.#histogram = monitorEventLoopDelay({ resolution: 10 });
    this.#histogram.enable();
  }

  snapshot(): { meanMs: number; p50Ms: number; p99Ms: number; maxMs: number } {
    const h = this.#histogram;
    const ms = (ns: number) => Math.round((ns / 1e6) * 100) / 100;
    return { meanMs: ms(h.mean || 0), p50Ms: ms(h.percentile(50) || 0), p99Ms: ms(h.percentile(99) || 0), maxMs: ms(h.max || 0) };
  }

  reset(): void {
    this.#histogram.reset();
  }

  stop(): void {
    this.#histogram.disable();
  }
}
