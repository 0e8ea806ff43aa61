import type { RunUsage } from '../llm/run-usage.js';
import type { RunStatus } from './thread-registry.js';

/** What is known about a run once it has been answered and recorded. */
export interface RunSummary {
  runId: string;
  threadId: string;
  customerId: string;
  /** The HTTP request that started the run, when one did. */
  requestId: string | undefined;
  status: RunStatus;
  /** The code the caller received, when the run failed. */
  errorCode: string | undefined;
  usage: RunUsage;
  /** Real ms from accepting the message (before waiting for its thread) to its answer. */
  durationMs: number;
}

/**
 * Told about every run the executor finishes, so that metrics and logs follow the work
 * without the executor knowing about either. It must not throw.
 */
export interface RunObserver {
  runFinished(summary: RunSummary): void;
}
