import hdr from 'hdr-histogram-js';

export interface ClosedLoopResult {
  messages: number;
  seconds: number;
  messagesPerSec: number;
  p50Ms: number;
  p99Ms: number;
}

/**
 * Send `total` messages with `concurrency` in flight, each as soon as a slot frees (a closed
 * loop: right for throughput and service time, not for latency under an arrival rate), and
 * summarise the rate and the latency of each message (HdrHistogram in microseconds).
 */
export async function closedLoop(total: number, concurrency: number, one: () => Promise<void>, progress: (done: number) => void): Promise<ClosedLoopResult> {
  const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });
  let next = 0;
  let done = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < total) {
      next += 1;
      const t0 = performance.now();
      await one();
      histogram.recordValue(Math.max(1, Math.round((performance.now() - t0) * 1000)));
      done += 1;
      if (done % 500 === 0) progress(done);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  const result = { messages: total, seconds, messagesPerSec: total / seconds, p50Ms: histogram.getValueAtPercentile(50) / 1000, p99Ms: histogram.getValueAtPercentile(99) / 1000 };
  histogram.destroy();
  return result;
}
