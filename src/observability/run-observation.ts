import type { Logger } from 'pino';
import type { RunObserver, RunSummary } from '../server/run-observer.js';
import { customerHash } from './customer-hash.js';
import type { ServerMetrics } from './server-metrics.js';

/**
 * The run observer of a server: counts each finished run by status (and error code), times
 * it, adds its cost and cached tokens, and writes the run's log line: ids, customer hash,
 * status, LLM calls, tokens, queue wait and duration; never what was said.
 */
export function createRunObservation(options: { metrics?: ServerMetrics | undefined; logger?: Logger | undefined }): RunObserver {
  const { metrics, logger } = options;
  return {
    runFinished(summary: RunSummary) {
      if (metrics) {
        metrics.runsTotal.inc({ status: summary.status });
        metrics.runDuration.observe({ status: summary.status }, summary.durationMs / 1000);
        if (summary.errorCode) metrics.runErrors.inc({ code: summary.errorCode });
        const model = summary.usage.model;
        if (summary.usage.costUsd > 0) metrics.llmCostUsd.inc({ gen_ai_request_model: model }, summary.usage.costUsd);
        if (summary.usage.cachedTokens > 0) metrics.llmCachedTokens.inc({ gen_ai_request_model: model }, summary.usage.cachedTokens);
      }
      const level = summary.status === 'success' ? 'info' : 'warn';
      if (!logger?.isLevelEnabled(level)) return;
      const u = summary.usage;
      logger[level](
        {
          ...(summary.requestId ? { reqId: summary.requestId } : {}),
          runId: summary.runId,
          threadId: summary.threadId,
          customer: customerHash(summary.customerId),
          status: summary.status,
          ...(summary.errorCode ? { errorCode: summary.errorCode } : {}),
          llmCalls: u.llmCalls,
          toolCalls: u.toolCalls,
          promptTokens: u.promptTokens,
          cachedTokens: u.cachedTokens,
          completionTokens: u.completionTokens,
          costUsd: u.costUsd,
          retries: u.retries,
          providerRateLimited: u.providerRateLimited,
          queueWaitMs: Math.round(u.queueWaitMs),
          llmMs: Math.round(u.llmMs),
          durationMs: Math.round(summary.durationMs),
        },
        'run finished',
      );
    },
  };
}
