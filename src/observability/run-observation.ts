import type { Logger } from 'pino';
import type { FinishedRun } from '../server/finished-run.js';
import { customerHash } from './customer-hash.js';
import type { ServerMetrics } from './server-metrics.js';

/**
 * What a server does with each finished run: counts it by status (and error code), times it,
 * adds its cost and cached tokens, and writes the run's log line: ids, customer hash, status,
 * LLM calls, tokens, queue wait and duration; never what was said.
 */
export function createRunObservation(options: { metrics?: ServerMetrics | undefined; logger?: Logger | undefined }): (run: FinishedRun) => void {
  const { metrics, logger } = options;
  return (run) => {
    const u = run.usage;
    if (metrics) {
      metrics.runsTotal.inc({ status: run.status });
      metrics.runDuration.observe({ status: run.status }, run.durationMs / 1000);
      if (run.errorCode) metrics.runErrors.inc({ code: run.errorCode });
      if (u.costUsd > 0) metrics.llmCostUsd.inc({ gen_ai_request_model: u.model }, u.costUsd);
      if (u.cachedTokens > 0) metrics.llmCachedTokens.inc({ gen_ai_request_model: u.model }, u.cachedTokens);
    }
    const level = run.status === 'success' ? 'info' : 'warn';
    if (!logger?.isLevelEnabled(level)) return;
    logger[level](
      {
        ...(run.requestId ? { reqId: run.requestId } : {}),
        runId: run.runId,
        threadId: run.threadId,
        customer: customerHash(run.customerId),
        status: run.status,
        ...(run.errorCode ? { errorCode: run.errorCode } : {}),
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
        durationMs: Math.round(run.durationMs),
      },
      'run finished',
    );
  };
}
