import { collectDefaultMetrics, Registry } from 'prom-client';

let shared: Registry | undefined;

/**
 * prom-client's default metrics (CPU, memory, heap, handles, GC, event-loop lag) in a
 * registry of their own, made once per process: they describe the process, so every server
 * and simulator in it reports the same figures, and making them once keeps one event-loop
 * monitor and one GC observer however many servers a test starts.
 */
export function processMetricsRegistry(): Registry {
  if (!shared) {
    shared = new Registry();
    collectDefaultMetrics({ register: shared, eventLoopMonitoringPrecision: 10 });
  }
  return shared;
}

/** A registry's exposition followed by the process's own metrics. */
export async function withProcessMetrics(text: string): Promise<string> {
  return text + (await processMetricsRegistry().metrics());
}
