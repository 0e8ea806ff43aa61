import type { LlmAttempt, LlmErrorType, LlmObserver } from '../llm/llm-observer.js';
import { parseRateLimitHeaders, type ProviderLimits } from '../llm/provider-headers.js';
import type { BudgetResource, ServerMetrics } from './server-metrics.js';

/** OpenTelemetry's `gen_ai.operation.name` of a chat completion. */
const CHAT = 'chat';

export interface LlmMetricsOptions {
  /**
   * Admission off: no gate knows the budget, so `concierge_budget_*` come from the provider's
   * `x-ratelimit-*` headers on the latest answer, brought forward to the time of the scrape.
   */
  budgetFromHeaders: boolean;
  /** Real ms clock. */
  now?: () => number;
}

/**
 * The LLM observer of a server: per provider attempt, the GenAI duration and token
 * histograms, 429s, retries by the failure they repeat; per admission, the queue wait.
 */
export function createLlmMetrics(metrics: ServerMetrics, options: LlmMetricsOptions): LlmObserver {
  const now = options.now ?? (() => performance.now());
  const headerBudget = new HeaderBudget();
  if (options.budgetFromHeaders) {
    metrics.onScrape(() => {
      for (const resource of ['requests', 'tokens'] as const) {
        const seen = headerBudget.read(resource, now());
        if (!seen) continue;
        metrics.budgetLimit.set({ resource }, seen.limit);
        metrics.budgetRemainingRatio.set({ resource }, seen.ratio);
      }
    });
  }
  return {
    attemptFinished(attempt: LlmAttempt) {
      const model = { gen_ai_request_model: attempt.model };
      metrics.genAiOperationDuration.observe(
        { gen_ai_operation_name: CHAT, ...model, ...(attempt.errorType ? { error_type: attempt.errorType } : {}) },
        attempt.durationMs / 1000,
      );
      if (attempt.usage) {
        metrics.genAiTokenUsage.observe({ gen_ai_operation_name: CHAT, ...model, gen_ai_token_type: 'input' }, attempt.usage.inputTokens);
        metrics.genAiTokenUsage.observe({ gen_ai_operation_name: CHAT, ...model, gen_ai_token_type: 'output' }, attempt.usage.outputTokens);
      }
      if (attempt.errorType === '429') metrics.providerRateLimited.inc(model);
      if (attempt.retryOf) metrics.providerRetries.inc({ reason: retryReason(attempt.retryOf) });
      if (options.budgetFromHeaders && attempt.headers) {
        const limits = parseRateLimitHeaders(attempt.headers);
        if (limits) headerBudget.learn(limits, now());
      }
    },
    admitted(waitedMs, priority) {
      metrics.admissionQueueWait.observe({ priority }, waitedMs / 1000);
    },
  };
}

function retryReason(failed: LlmErrorType): string {
  if (failed === '429') return 'rate_limited';
  if (failed === 'timeout' || failed === 'network' || failed === 'cancelled') return failed;
  return Number(failed) >= 500 || failed === '408' || failed === '409' ? 'server_error' : 'client_error';
}

interface SeenBucket {
  limit: number;
  remaining: number;
  /** Real ms the bucket needed to be full again, as of `at`. */
  resetMs: number | undefined;
  at: number;
}

/**
 * The provider's own view of its buckets, from the latest headers. A bucket refills
 * steadily until its reset time, so between answers the remaining share is interpolated
 * towards full: an idle service reads 100%, not the figure of its last busy answer.
 */
class HeaderBudget {
  readonly #buckets: Partial<Record<BudgetResource, SeenBucket>> = {};

  learn(limits: ProviderLimits, at: number): void {
    const take = (resource: BudgetResource, limit: number | undefined, remaining: number | undefined, resetMs: number | undefined) => {
      if (limit !== undefined && limit > 0 && remaining !== undefined) this.#buckets[resource] = { limit, remaining, resetMs, at };
    };
    take('requests', limits.limitRequests, limits.remainingRequests, limits.resetRequestsMs);
    take('tokens', limits.limitTokens, limits.remainingTokens, limits.resetTokensMs);
  }

  read(resource: BudgetResource, now: number): { limit: number; ratio: number } | undefined {
    const seen = this.#buckets[resource];
    if (!seen) return undefined;
    const refilled = seen.resetMs === undefined ? 0 : seen.resetMs <= 0 ? 1 : Math.min(1, (now - seen.at) / seen.resetMs);
    const remaining = seen.remaining + (seen.limit - seen.remaining) * refilled;
    return { limit: seen.limit, ratio: Math.min(1, Math.max(0, remaining / seen.limit)) };
  }
}
