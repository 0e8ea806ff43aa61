import { costUsd, priceOf } from './pricing.js';

/**
 * What one run (or, summed, one thread) cost and where its time went. Returned to clients
 * with every run so load tests and reports count tokens exactly rather than estimating.
 */
export interface RunUsage {
  llmCalls: number;
  toolCalls: number;
  promptTokens: number;
  /** Part of promptTokens. */
  cachedTokens: number;
  completionTokens: number;
  costUsd: number;
  /** Time spent waiting for the admission gate (0 when admission is off). */
  queueWaitMs: number;
  /** Time spent in HTTP calls to the provider, every attempt included. */
  llmMs: number;
  toolMs: number;
  /** Provider calls repeated after a failure (429, 5xx, timeout). */
  retries: number;
  /** Provider answers with status 429. */
  providerRateLimited: number;
  model: string;
}

export function emptyUsage(model: string): RunUsage {
  return {
    llmCalls: 0,
    toolCalls: 0,
    promptTokens: 0,
    cachedTokens: 0,
    completionTokens: 0,
    costUsd: 0,
    queueWaitMs: 0,
    llmMs: 0,
    toolMs: 0,
    retries: 0,
    providerRateLimited: 0,
    model,
  };
}

/** Sum two usages; cost is recomputed from the summed tokens, so it never drifts by rounding. */
export function addUsage(a: RunUsage, b: RunUsage): RunUsage {
  const sum: RunUsage = {
    llmCalls: a.llmCalls + b.llmCalls,
    toolCalls: a.toolCalls + b.toolCalls,
    promptTokens: a.promptTokens + b.promptTokens,
    cachedTokens: a.cachedTokens + b.cachedTokens,
    completionTokens: a.completionTokens + b.completionTokens,
    costUsd: 0,
    queueWaitMs: a.queueWaitMs + b.queueWaitMs,
    llmMs: a.llmMs + b.llmMs,
    toolMs: a.toolMs + b.toolMs,
    retries: a.retries + b.retries,
    providerRateLimited: a.providerRateLimited + b.providerRateLimited,
    model: b.model || a.model,
  };
  sum.costUsd = costUsd(sum, priceOf(sum.model));
  return sum;
}

export function withCost(usage: RunUsage): RunUsage {
  return { ...usage, costUsd: costUsd(usage, priceOf(usage.model)) };
}
