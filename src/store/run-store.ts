import type { RunUsage } from '../llm/run-usage.js';
import { ConciergeError, type ErrorRecord } from '../shared/errors.js';

export type RunStatus = 'pending' | 'running' | 'success' | 'error' | 'timeout' | 'interrupted';
export type MultitaskStrategy = 'reject' | 'enqueue';

/** What is stored of a failed run, so that `join`, `GET run` and streams answer with it later. */
export type RunError = ErrorRecord;

export interface ThreadRecord {
  thread_id: string;
  customer_id: string;
  created_at: string;
  updated_at: string;
  metadata: Record<string, unknown>;
  /** `busy` while a run executes on it; `error` after a run that did not succeed. */
  status: 'idle' | 'busy' | 'error';
  usage: RunUsage;
}

/** A run as clients see it (`GET /threads/:id/runs/:run_id`). */
export interface RunRecord {
  run_id: string;
  thread_id: string;
  assistant_id: string;
  created_at: string;
  updated_at: string;
  status: RunStatus;
  metadata: Record<string, unknown>;
  multitask_strategy: string;
  usage: RunUsage | null;
  error: RunError | null;
}

export interface RunInputMessage {
  role: string;
  content: string;
  id?: string | undefined;
}

/** What a replica needs to execute a run it did not receive: kept with the run until it finishes. */
export interface RunPayload {
  messages: RunInputMessage[];
  /** The stream modes whose events the run publishes for followers (none for `wait`). */
  streamModes: string[];
}

export interface NewRun {
  threadId: string;
  assistantId: string;
  metadata: Record<string, unknown>;
  multitaskStrategy: MultitaskStrategy;
  payload: RunPayload;
  /**
   * Queued for whichever replica has capacity (`POST /threads/:id/runs`), even when the
   * thread is free. Otherwise the run starts at once, owned by `owner`, when the thread has
   * nothing running or queued.
   */
  background: boolean;
  /** The replica creating the run: it owns it when it starts at once. */
  owner: string;
  leaseMs: number;
  /**
   * Real ms within which the message must be answered, counted from when the run could first
   * start: its creation, or, for a run queued behind its own thread's runs, the end of the
   * thread's previous run. A run still queued when it passes is never started:
   * `expireQueued` ends it. Undefined: it waits as long as it takes.
   */
  deadlineMs?: number;
}

export type CreatedRun = { run: RunRecord; started: true } | { run: RunRecord; started: false };

/** A run this replica now owns and must execute, renew and finish. */
export interface ClaimedRun {
  run: RunRecord;
  customerId: string;
  payload: RunPayload;
  /** Real ms left of the run's deadline when it was claimed (the database's clock); undefined: none. */
  deadlineInMs?: number;
}

/** A queued run ended by `expireQueued`: recorded as failed, never started. */
export interface ExpiredRun {
  run: RunRecord;
  customerId: string;
}

export interface FinishOutcome {
  status: Exclude<RunStatus, 'pending' | 'running'>;
  usage: RunUsage;
  error?: RunError;
}

export interface FinishedRun {
  thread: ThreadRecord;
  /** The thread has runs waiting: a replica should claim the next one now. */
  queued: boolean;
}

/** Which running runs to mark interrupted. */
export type InterruptScope =
  /** Leases that ran out: their replica died or lost the database (the sweeper). */
  | { leaseExpired: true }
  /** Everything a replica left running: its own earlier life, after a restart with the same id. */
  | { owner: string }
  /** Everything not owned by this replica: the embedded store at start, where one process owns the file. */
  | { ownerNot: string };

/**
 * Threads, runs and their leases: the state every replica shares. Enforced by the database,
 * not by a process: at most one run is `running` per thread (a unique index), a queued run
 * is claimed by exactly one replica, and only the replica that holds a run's lease can renew
 * or finish it (fenced by owner), so a replica that lost its lease cannot overwrite what
 * another recorded. Lease times are the database's clock, never a replica's.
 */
export interface RunStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Throws `threadExists` (409 CONFLICT) when `threadId` is taken. */
  createThread(input: { threadId?: string; customerId: string; metadata: Record<string, unknown> }): Promise<ThreadRecord>;
  getThread(threadId: string): Promise<ThreadRecord | undefined>;
  /**
   * Start the run now (owned by `owner`) when the thread has nothing running or queued and
   * the run is not a background one; otherwise queue it, unless the strategy is `reject`
   * and the thread has a run running or queued: then `threadBusy` (409 THREAD_BUSY).
   */
  createRun(input: NewRun): Promise<CreatedRun>;
  /**
   * Claim the oldest queued run whose thread has nothing running (and which is its thread's
   * oldest) and whose deadline has not passed, for `owner`, with a lease; undefined when
   * there is none.
   */
  claimRun(owner: string, leaseMs: number): Promise<ClaimedRun | undefined>;
  /**
   * End the queued runs whose deadline passed before any replica could start them (status
   * `error`, with `error` recorded; their threads are left as they were), whichever replica
   * queued them. Returns them, so that their followers are told.
   */
  expireQueued(error: RunError): Promise<ExpiredRun[]>;
  /**
   * Extend the leases of these runs, if `owner` still holds them. Returns those renewed, with
   * whether a cancel was asked for; a run missing from the answer is no longer this owner's.
   */
  renewLeases(owner: string, runIds: readonly string[], leaseMs: number): Promise<Array<{ runId: string; cancelRequested: boolean }>>;
  /**
   * Record the outcome and add the usage to the thread's total, in one transaction, if
   * `owner` still holds the run (its name stays on the record: who executed it). Returns the
   * thread and whether runs wait on it, or undefined when the lease was lost (the run was
   * interrupted meanwhile and its record stands).
   */
  finishRun(runId: string, owner: string, outcome: FinishOutcome): Promise<FinishedRun | undefined>;
  /** Mark running runs interrupted (with the error recorded); returns them. */
  interruptRuns(scope: InterruptScope, error: RunError): Promise<RunRecord[]>;
  /**
   * Cancel a run: a queued one is interrupted at once; a running one is flagged (unless
   * `queuedOnly`), and its owner stops it at its next renewal or on a broadcast. Returns the
   * run as it now stands.
   */
  requestCancel(threadId: string, runId: string, error: RunError, options?: { queuedOnly?: boolean }): Promise<RunRecord | undefined>;
  getRun(threadId: string, runId: string): Promise<RunRecord | undefined>;
  listRuns(threadId: string, limit: number, offset: number): Promise<RunRecord[]>;
  /** Runs waiting to be claimed and runs executing, on every replica (the queue's forecast). */
  runCounts(): Promise<{ pending: number; running: number }>;
  /** Throws when the database cannot answer (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** `reject` and the thread has a run in progress or queued (409 THREAD_BUSY), whichever replica asks. */
export function threadBusy(threadId: string): ConciergeError {
  return new ConciergeError('THREAD_BUSY', `thread ${threadId} already has a run in progress; retry later or send multitask_strategy "enqueue"`);
}

/** `createThread` with an id that exists (409 CONFLICT), whichever process created it first. */
export function threadExists(threadId: string): ConciergeError {
  return new ConciergeError('CONFLICT', `thread id ${threadId} is taken`);
}

/** Whether a run has reached an outcome (nothing will change it any more). */
export function isFinished(status: RunStatus): boolean {
  return status !== 'pending' && status !== 'running';
}

/** A finished run's thread status. */
export function threadStatusAfter(status: RunStatus): ThreadRecord['status'] {
  return status === 'success' ? 'idle' : 'error';
}
