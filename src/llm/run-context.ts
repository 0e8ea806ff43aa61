import { AsyncLocalStorage } from 'node:async_hooks';
import type { ConciergeError } from '../shared/errors.js';
import { emptyUsage, type RunUsage } from './run-usage.js';

/**
 * What the LLM layer needs to know about the run that makes a call, without the agent having
 * to thread it through LangChain: which customer (fair share), by when the message must be
 * answered (deadline), whether the message already holds budget (priority), and where to
 * record usage. Carried by AsyncLocalStorage, which follows every await of the run.
 */
export interface RunContext {
  readonly runId: string;
  readonly threadId: string;
  readonly customerId: string;
  /** Epoch milliseconds (real clock) by which the message should be answered. */
  readonly deadlineAt: number;
  readonly signal: AbortSignal | undefined;
  /** LLM calls this message has already started: 0 means the call opens a new message. */
  llmCallsStarted: number;
  /** The last provider attempt of this run failed, so the next one is a retry. */
  lastAttemptFailed: boolean;
  /** The typed error the LLM layer gave up with, kept here because the SDK rewraps it. */
  llmFailure: ConciergeError | undefined;
  usage: RunUsage;
  /**
   * What this run changed for good in the booking store (a booking made, cancelled, moved),
   * one line each: a run stopped before it could answer still reports what it did.
   */
  committed: string[];
}

const storage = new AsyncLocalStorage<RunContext>();

export function createRunContext(init: {
  runId: string;
  threadId: string;
  customerId: string;
  deadlineAt: number;
  model: string;
  signal?: AbortSignal;
}): RunContext {
  return {
    runId: init.runId,
    threadId: init.threadId,
    customerId: init.customerId,
    deadlineAt: init.deadlineAt,
    signal: init.signal,
    llmCallsStarted: 0,
    lastAttemptFailed: false,
    llmFailure: undefined,
    usage: emptyUsage(init.model),
    committed: [],
  };
}

export function withRunContext<T>(context: RunContext, fn: () => Promise<T>): Promise<T> {
  return storage.run(context, fn);
}

export function currentRunContext(): RunContext | undefined {
  return storage.getStore();
}
