import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { emptyUsage, withCost, type RunUsage } from '../llm/run-usage.js';
import {
  threadBusy,
  threadExists,
  threadStatusAfter,
  type ClaimedRun,
  type CreatedRun,
  type ExpiredRun,
  type FinishOutcome,
  type FinishedRun,
  type InterruptScope,
  type NewRun,
  type RunError,
  type RunPayload,
  type RunRecord,
  type RunStore,
  type ThreadRecord,
} from './run-store.js';

export interface PostgresRunStoreOptions {
  /** The process's pool; its connections resolve names in the schema that holds the tables. */
  pool: pg.Pool;
  /**
   * A small pool for lease renewals, sweeps and readiness, so that they never queue behind
   * the runs' own traffic: a renewal that waits for a busy pool is a lease that expires.
   * Default: `pool`.
   */
  controlPool?: pg.Pool;
  /** Model named in a new thread's empty usage. */
  model: string;
}

interface ThreadRow {
  thread_id: string;
  customer_id: string;
  created_at: Date;
  updated_at: Date;
  metadata: Record<string, unknown>;
  status: ThreadRecord['status'];
  usage: RunUsage;
}

interface RunRow {
  run_id: string;
  thread_id: string;
  assistant_id: string;
  created_at: Date;
  updated_at: Date;
  status: RunRecord['status'];
  metadata: Record<string, unknown>;
  multitask_strategy: string;
  usage: RunUsage | null;
  error: RunError | null;
}

const RUN_COLUMNS = 'run_id, thread_id, assistant_id, created_at, updated_at, status, metadata, multitask_strategy, usage, error';
const UNIQUE_VIOLATION = '23505';

function toThread(row: ThreadRow): ThreadRecord {
  return {
    thread_id: row.thread_id,
    customer_id: row.customer_id,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    metadata: row.metadata,
    status: row.status,
    // Summed in SQL (concierge_add_usage); the cost is recomputed from the summed tokens.
    usage: withCost(row.usage),
  };
}

function toRun(row: RunRow): RunRecord {
  return {
    run_id: row.run_id,
    thread_id: row.thread_id,
    assistant_id: row.assistant_id,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    status: row.status,
    metadata: row.metadata,
    multitask_strategy: row.multitask_strategy,
    usage: row.usage,
    error: row.error,
  };
}

function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const e = error as { code?: string; constraint?: string };
  return e.code === UNIQUE_VIOLATION && (constraint === undefined || e.constraint === constraint);
}

const INTERVAL_MS = "* interval '1 millisecond'";

/**
 * Queued runs that are their thread's next (nothing running on it, nothing queued before
 * them), with the instant of their deadline: `deadline_ms` after they could first start,
 * their creation or the end of their thread's previous run (whichever is later).
 */
const QUEUE_HEADS = `
  SELECT r.run_id, r.seq,
    greatest(r.created_at, (SELECT max(p.updated_at) FROM agent_runs p WHERE p.thread_id = r.thread_id AND p.seq < r.seq)) + r.deadline_ms ${INTERVAL_MS} AS deadline_at
  FROM agent_runs r
  WHERE r.status = 'pending'
    AND NOT EXISTS (
      SELECT 1 FROM agent_runs x
      WHERE x.thread_id = r.thread_id AND (x.status = 'running' OR (x.status = 'pending' AND x.seq < r.seq)))`;

/**
 * The shared run store. Every transition is one statement (or one short transaction) whose
 * conditions the database checks: the partial unique index on running runs decides which of
 * two replicas starts a thread's run, `FOR UPDATE SKIP LOCKED` hands each queued run to one
 * claimer, and renewals and finishes carry `owner = $me AND status = 'running'`, so a
 * replica whose lease was swept cannot write over the record. Lease instants come from the
 * database's `now()`: replicas' clocks never have to agree.
 */
export class PostgresRunStore implements RunStore {
  readonly kind = 'postgres' as const;
  readonly #pool: pg.Pool;
  readonly #control: pg.Pool;
  readonly #model: string;

  constructor(options: PostgresRunStoreOptions) {
    this.#pool = options.pool;
    this.#control = options.controlPool ?? options.pool;
    this.#model = options.model;
  }

  async createThread(input: { threadId?: string; customerId: string; metadata: Record<string, unknown> }): Promise<ThreadRecord> {
    const threadId = input.threadId ?? randomUUID();
    try {
      const { rows } = await this.#pool.query<ThreadRow>(
        "INSERT INTO agent_threads (thread_id, customer_id, metadata, status, usage) VALUES ($1, $2, $3, 'idle', $4) RETURNING *",
        [threadId, input.customerId, JSON.stringify(input.metadata), JSON.stringify(emptyUsage(this.#model))],
      );
      return toThread(rows[0]!);
    } catch (error) {
      if (isUniqueViolation(error)) throw threadExists(threadId);
      throw error;
    }
  }

  async getThread(threadId: string): Promise<ThreadRecord | undefined> {
    const { rows } = await this.#pool.query<ThreadRow>('SELECT * FROM agent_threads WHERE thread_id = $1', [threadId]);
    return rows[0] ? toThread(rows[0]) : undefined;
  }

  /**
   * One round trip: `concierge_create_run` takes the thread's row lock, so that concurrent
   * creations on one thread are ordered (`reject` sees what another replica queued a moment
   * before), then decides and inserts; the unique index stays the last word on which run starts.
   */
  async createRun(input: NewRun): Promise<CreatedRun> {
    try {
      const { rows } = await this.#pool.query<RunRow & { started: boolean }>(
        `SELECT ${RUN_COLUMNS}, status = 'running' AS started FROM concierge_create_run($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [
          randomUUID(),
          input.threadId,
          input.assistantId,
          JSON.stringify(input.metadata),
          input.multitaskStrategy,
          JSON.stringify(input.payload),
          input.owner,
          input.background,
          input.leaseMs,
          input.deadlineMs === undefined ? null : Math.round(input.deadlineMs),
        ],
      );
      const row = rows[0];
      if (!row) throw threadBusy(input.threadId);
      return { run: toRun(row), started: row.started } as CreatedRun;
    } catch (error) {
      if (isUniqueViolation(error, 'agent_runs_one_running_per_thread')) {
        if (input.multitaskStrategy === 'reject') throw threadBusy(input.threadId);
        return this.createRun({ ...input, background: true });
      }
      throw error;
    }
  }

  async claimRun(owner: string, leaseMs: number): Promise<ClaimedRun | undefined> {
    try {
      const { rows } = await this.#pool.query<RunRow & { customer_id: string; payload: RunPayload; deadline_in_ms: number | null }>(
        `WITH next AS (
           SELECT r.run_id, h.deadline_at FROM agent_runs r JOIN (${QUEUE_HEADS}) h ON h.run_id = r.run_id
           WHERE h.deadline_at IS NULL OR h.deadline_at > now()
           ORDER BY r.seq
           LIMIT 1
           FOR UPDATE OF r SKIP LOCKED
         ), claimed AS (
           UPDATE agent_runs r SET status = 'running', owner = $1, lease_expires_at = now() + $2 ${INTERVAL_MS}, updated_at = now()
           FROM next WHERE r.run_id = next.run_id AND r.status = 'pending'
           RETURNING r.*, (extract(epoch FROM next.deadline_at - now()) * 1000)::float8 AS deadline_in_ms
         ), busy AS (
           UPDATE agent_threads t SET status = 'busy', updated_at = now() FROM claimed WHERE t.thread_id = claimed.thread_id
           RETURNING t.customer_id
         )
         SELECT claimed.*, (SELECT customer_id FROM busy) AS customer_id FROM claimed`,
        [owner, leaseMs],
      );
      const row = rows[0];
      if (!row) return undefined;
      return {
        run: toRun(row),
        customerId: row.customer_id,
        payload: row.payload,
        ...(row.deadline_in_ms === null ? {} : { deadlineInMs: Math.max(0, row.deadline_in_ms) }),
      };
    } catch (error) {
      // A run started on its thread between our look and our claim: the next claim finds another.
      if (isUniqueViolation(error, 'agent_runs_one_running_per_thread')) return undefined;
      throw error;
    }
  }

  async expireQueued(error: RunError): Promise<ExpiredRun[]> {
    // SKIP LOCKED: a run another replica is claiming or expiring right now is theirs.
    const { rows } = await this.#control.query<RunRow & { customer_id: string }>(
      `WITH overdue AS (
         SELECT r.run_id FROM agent_runs r JOIN (${QUEUE_HEADS}) h ON h.run_id = r.run_id
         WHERE h.deadline_at <= now()
         FOR UPDATE OF r SKIP LOCKED
       )
       UPDATE agent_runs r SET status = 'error', error = $1, updated_at = now(), payload = NULL
       FROM overdue WHERE r.run_id = overdue.run_id AND r.status = 'pending'
       RETURNING ${RUN_COLUMNS.split(', ').map((c) => `r.${c}`).join(', ')},
         (SELECT t.customer_id FROM agent_threads t WHERE t.thread_id = r.thread_id) AS customer_id`,
      [JSON.stringify(error)],
    );
    return rows.map((row) => ({ run: toRun(row), customerId: row.customer_id }));
  }

  async renewLeases(owner: string, runIds: readonly string[], leaseMs: number): Promise<Array<{ runId: string; cancelRequested: boolean }>> {
    if (runIds.length === 0) return [];
    const { rows } = await this.#control.query<{ run_id: string; cancel_requested: boolean }>(
      `UPDATE agent_runs SET lease_expires_at = now() + $3 ${INTERVAL_MS}
       WHERE run_id = ANY($2) AND owner = $1 AND status = 'running' RETURNING run_id, cancel_requested`,
      [owner, runIds, leaseMs],
    );
    return rows.map((r) => ({ runId: r.run_id, cancelRequested: r.cancel_requested }));
  }

  /** One statement: the fenced run update, and the thread's total summed under its row lock. */
  async finishRun(runId: string, owner: string, outcome: FinishOutcome): Promise<FinishedRun | undefined> {
    const { rows } = await this.#pool.query<ThreadRow & { queued: boolean }>(
      `WITH finished AS (
         UPDATE agent_runs SET status = $3, usage = $4, error = $5, updated_at = now(), lease_expires_at = NULL, payload = NULL
         WHERE run_id = $1 AND owner = $2 AND status = 'running'
         RETURNING thread_id
       )
       UPDATE agent_threads t SET usage = concierge_add_usage(t.usage, $4::jsonb), status = $6, updated_at = now()
       FROM finished WHERE t.thread_id = finished.thread_id
       RETURNING t.*, EXISTS (SELECT 1 FROM agent_runs p WHERE p.thread_id = t.thread_id AND p.status = 'pending') AS queued`,
      [runId, owner, outcome.status, JSON.stringify(outcome.usage), outcome.error ? JSON.stringify(outcome.error) : null, threadStatusAfter(outcome.status)],
    );
    return rows[0] ? { thread: toThread(rows[0]), queued: rows[0].queued } : undefined;
  }

  async interruptRuns(scope: InterruptScope, error: RunError): Promise<RunRecord[]> {
    const [where, arg] =
      'leaseExpired' in scope ? ['lease_expires_at < now() AND $2::text IS NULL', null] : 'owner' in scope ? ['owner = $2', scope.owner] : ['owner <> $2', scope.ownerNot];
    const { rows } = await this.#control.query<RunRow>(
      `WITH interrupted AS (
         UPDATE agent_runs SET status = 'interrupted', error = $1, updated_at = now(), lease_expires_at = NULL, payload = NULL
         WHERE status = 'running' AND ${where}
         RETURNING *
       ), threads AS (
         UPDATE agent_threads t SET status = 'error', updated_at = now() FROM interrupted WHERE t.thread_id = interrupted.thread_id
       )
       SELECT ${RUN_COLUMNS} FROM interrupted`,
      [JSON.stringify(error), arg],
    );
    return rows.map(toRun);
  }

  async requestCancel(threadId: string, runId: string, error: RunError, options: { queuedOnly?: boolean } = {}): Promise<RunRecord | undefined> {
    await this.#pool.query(
      `WITH queued AS (
         UPDATE agent_runs SET status = 'interrupted', error = $3, updated_at = now(), payload = NULL
         WHERE thread_id = $1 AND run_id = $2 AND status = 'pending' RETURNING run_id
       )
       UPDATE agent_runs SET cancel_requested = TRUE WHERE thread_id = $1 AND run_id = $2 AND status = 'running' AND NOT $4`,
      [threadId, runId, JSON.stringify(error), options.queuedOnly ?? false],
    );
    return this.getRun(threadId, runId);
  }

  async getRun(threadId: string, runId: string): Promise<RunRecord | undefined> {
    const { rows } = await this.#pool.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM agent_runs WHERE thread_id = $1 AND run_id = $2`, [threadId, runId]);
    return rows[0] ? toRun(rows[0]) : undefined;
  }

  async listRuns(threadId: string, limit: number, offset: number): Promise<RunRecord[]> {
    const { rows } = await this.#pool.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM agent_runs WHERE thread_id = $1 ORDER BY seq DESC LIMIT $2 OFFSET $3`, [
      threadId,
      limit,
      offset,
    ]);
    return rows.map(toRun);
  }

  async runCounts(): Promise<{ pending: number; running: number }> {
    const { rows } = await this.#pool.query<{ pending: string; running: string }>(
      "SELECT count(*) FILTER (WHERE status = 'pending') AS pending, count(*) FILTER (WHERE status = 'running') AS running FROM agent_runs WHERE status IN ('pending', 'running')",
    );
    return { pending: Number(rows[0]!.pending), running: Number(rows[0]!.running) };
  }

  async ping(): Promise<void> {
    await this.#control.query('SELECT 1');
  }

  /** The pool belongs to the process; closing it is the caller's job. */
  async close(): Promise<void> {}
}
