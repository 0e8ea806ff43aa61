import * as hdr from 'hdr-histogram-js';

/** A latency summary in milliseconds. Percentiles come from the HdrHistogram, mean is exact. */
export interface LatencySummaryMs {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/**
 * One latency distribution. Values are recorded as whole microseconds because HdrHistogram
 * stores integers; 3 significant digits keep every percentile within 0.1% of the true value.
 * The exact sum is kept beside it so the mean is not a bucket approximation.
 */
export class LatencyHistogram {
  readonly #histogram: hdr.Histogram;
  #sumMs = 0;

  constructor(histogram?: hdr.Histogram, sumMs = 0) {
    this.#histogram = histogram ?? hdr.build({ numberOfSignificantValueDigits: 3, lowestDiscernibleValue: 1, autoResize: true });
    this.#sumMs = sumMs;
  }

  /** Rebuild from `encode()` output, e.g. to recompute a figure from a stored report. */
  static decode(base64: string, sumMs?: number): LatencyHistogram {
    const histogram = hdr.decodeFromCompressedBase64(base64);
    // Without a stored sum, the histogram's own mean is the best estimate there is.
    return new LatencyHistogram(histogram, sumMs ?? (histogram.totalCount > 0 ? (histogram.mean * histogram.totalCount) / 1000 : 0));
  }

  recordMs(ms: number): void {
    const clamped = Math.max(0, ms);
    this.#histogram.recordValue(Math.max(1, Math.round(clamped * 1000)));
    this.#sumMs += clamped;
  }

  get count(): number {
    return this.#histogram.totalCount;
  }

  get sumMs(): number {
    return this.#sumMs;
  }

  /** The value below which `percentile` % of the recorded latencies fall, in ms (NaN when empty). */
  percentileMs(percentile: number): number {
    if (this.count === 0) return Number.NaN;
    return this.#histogram.getValueAtPercentile(percentile) / 1000;
  }

  summary(): LatencySummaryMs {
    const count = this.count;
    if (count === 0) return { count: 0, mean: 0, p50: 0, p95: 0, p99: 0, max: 0 };
    // max is the 100th percentile (the bucket's highest equivalent value) rather than the raw
    // maximum, so that p99 <= max holds and the figure is the same after decoding.
    return {
      count,
      mean: round3(this.#sumMs / count),
      p50: this.percentileMs(50),
      p95: this.percentileMs(95),
      p99: this.percentileMs(99),
      max: this.percentileMs(100),
    };
  }

  add(other: LatencyHistogram): void {
    this.#histogram.add(other.#histogram);
    this.#sumMs += other.#sumMs;
  }

  /** HdrHistogram's compressed base64 form (`HISTF...`), readable by every HdrHistogram port. */
  encode(): string {
    return hdr.encodeIntoCompressedBase64(this.#histogram);
  }
}

export function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** Divide every figure of a summary by a time scale (real-time equivalents of a scaled run). */
export function scaleSummary(summary: LatencySummaryMs, timeScale: number): LatencySummaryMs {
  const s = (v: number) => round3(v / timeScale);
  return { count: summary.count, mean: s(summary.mean), p50: s(summary.p50), p95: s(summary.p95), p99: s(summary.p99), max: s(summary.max) };
}
