import { bucketsOf, valueOf, type Exposition } from './prometheus-text.js';

/**
 * What the servers' own Prometheus metrics say about one stage: the difference between a
 * scrape of every target just before the stage and one just after, summed over the targets.
 * It is the server's account of the stage, next to the load generator's: runs by status,
 * sheds, provider 429s and retries, LLM calls, tokens and cost as the server metered them,
 * and latency percentiles from its histograms.
 */
export interface PrometheusFigures {
  /** Targets whose `/metrics` could be read at both ends of the stage. */
  targets: number;
  runs: { success: number; error: number; timeout: number; interrupted: number };
  /** Messages and calls refused with 503 OVERLOADED. */
  shed: number;
  providerRateLimited: number;
  retries: number;
  llmCalls: number;
  tokens: { input: number; output: number; cached: number };
  costUsd: number;
  /** Provider call p95 from `gen_ai_client_operation_duration_seconds`, real ms; null without calls. */
  llmCallP95Ms: number | null;
  /** Message p95 from `concierge_run_duration_seconds`, real ms; null without runs. */
  runP95Ms: number | null;
  /** Mean wait for admission, real ms; null without admitted calls. */
  queueWaitMeanMs: number | null;
  /** The lowest share of the provider budget left at the end of the stage, per resource, over the targets. */
  budgetLeftAtEnd: { requests: number | null; tokens: number | null };
  /** CPU seconds the server processes used during the stage (user + system), summed over the targets. */
  cpuSec?: number;
}

const RUN_STATUSES = ['success', 'error', 'timeout', 'interrupted'] as const;

/** Figures of a stage from the scrapes before and after it, target by target (same order). */
export function stageFigures(before: Exposition[], after: Exposition[]): PrometheusFigures {
  const increase = (name: string, labels: Record<string, string> = {}) =>
    after.reduce((sum, end, i) => sum + counterIncrease(valueOf(before[i]!, name, labels), valueOf(end, name, labels)), 0);
  const bucketIncrease = (name: string) => {
    const total = new Map<number, number>();
    after.forEach((end, i) => {
      const start = bucketsOf(before[i]!, name);
      for (const [le, count] of bucketsOf(end, name)) total.set(le, (total.get(le) ?? 0) + counterIncrease(start.get(le) ?? 0, count));
    });
    return total;
  };
  const queueWaits = increase('concierge_admission_queue_wait_seconds_count');
  const lowest = (resource: string) => {
    const values = after.flatMap((e) => e.samples.filter((s) => s.name === 'concierge_budget_remaining_ratio' && s.labels.resource === resource).map((s) => s.value));
    return values.length > 0 ? Math.min(...values) : null;
  };
  const toMs = (seconds: number | null) => (seconds === null ? null : seconds * 1000);
  return {
    targets: after.length,
    runs: Object.fromEntries(RUN_STATUSES.map((status) => [status, increase('concierge_runs_total', { status })])) as PrometheusFigures['runs'],
    shed: increase('concierge_admission_shed_total'),
    providerRateLimited: increase('concierge_provider_rate_limited_total'),
    retries: increase('concierge_provider_retries_total'),
    llmCalls: increase('gen_ai_client_operation_duration_seconds_count'),
    tokens: {
      input: increase('gen_ai_client_token_usage_sum', { gen_ai_token_type: 'input' }),
      output: increase('gen_ai_client_token_usage_sum', { gen_ai_token_type: 'output' }),
      cached: increase('concierge_llm_cached_tokens_total'),
    },
    costUsd: increase('concierge_llm_cost_usd_total'),
    llmCallP95Ms: toMs(histogramQuantile(0.95, bucketIncrease('gen_ai_client_operation_duration_seconds'))),
    runP95Ms: toMs(histogramQuantile(0.95, bucketIncrease('concierge_run_duration_seconds'))),
    queueWaitMeanMs: queueWaits > 0 ? (increase('concierge_admission_queue_wait_seconds_sum') / queueWaits) * 1000 : null,
    budgetLeftAtEnd: { requests: lowest('requests'), tokens: lowest('tokens') },
    cpuSec: increase('process_cpu_seconds_total'),
  };
}

/** A counter's increase; a lower value means the process restarted, and counts from zero. */
function counterIncrease(start: number, end: number): number {
  return end >= start ? end - start : end;
}

/**
 * The q-quantile of cumulative buckets (upper bound to count), interpolated linearly inside
 * the bucket it falls in, as Prometheus's histogram_quantile does; the highest finite bound
 * when it falls in the +Inf bucket. Null without observations.
 */
export function histogramQuantile(q: number, buckets: ReadonlyMap<number, number>): number | null {
  const sorted = [...buckets].sort(([a], [b]) => a - b);
  const total = sorted.at(-1)?.[1] ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let previousBound = 0;
  let previousCount = 0;
  for (const [bound, count] of sorted) {
    if (count >= rank) {
      if (bound === Number.POSITIVE_INFINITY) return previousBound;
      const inBucket = count - previousCount;
      return inBucket <= 0 ? bound : previousBound + (bound - previousBound) * ((rank - previousCount) / inBucket);
    }
    previousBound = bound;
    previousCount = count;
  }
  return previousBound;
}
