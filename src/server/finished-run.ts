import type { RunUsage } from '../llm/run-usage.js';

/** What is known about a run once it has been answered and recorded. */
export interface FinishedRun {
  runId: string;
  threadId: string;
  customerId: string;
  /** The HTTP request that started the run, when one did. */
  requestId: string | undefined;
  status: 'success' | 'error' | 'timeout' | 'interrupted';
  /** The code the caller received, when the run failed. */
  errorCode: string | undefined;
  usage: RunUsage;
  /** Real ms from accepting the message (before waiting for its thread and for admission) to its answer. */
  durationMs: number;
}
