import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { addUsage, emptyUsage, type RunUsage } from '../llm/run-usage.js';
import { migrateSqlite } from './migration-runner.js';
import { SQLITE_RUN_MIGRATIONS } from './run-store-migrations.js';
import { enableWal } from './sqlite-wal.js';
import {
  threadBusy,
  threadExists,
  threadStatusAfter,
  type ClaimedRun,
  type ExpiredRun,
  type FinishedRun,
  type InterruptScope,
  type RunPayload,
  type RunRecord,
  type RunStore,
  type ThreadRecord,
} from './run-store.js';

export interface SqliteRunStoreOptions {
  path: string;
  /** Model named in a new thread's empty usage. */
  model: string;
  /** Epoch ms; leases and timestamps follow it. Default Date.now. */
  now?: () => number;
}

/** The stored forms: JSON fields as text. */
type ThreadRow = Omit<ThreadRecord, 'metadata' | 'usage'> & { metadata: string; usage: string };
type RunRow = Omit<RunRecord, 'metadata' | 'usage' | 'error'> & {
  metadata: string;
  usage: string | null;
  error: string | null;
  payload: string | null;
  owner: string | null;
  lease_expires_at: number | null;
  cancel_requested: number;
  deadline_ms: number | null;
};

/**
 * Queued runs that are their thread's next (nothing running on it, nothing queued before
 * them), with the epoch ms of their deadline: `deadline_ms` after they could first start,
 * their creation or the end of their thread's previous run (whichever is later).
 */
// julianday keeps milliseconds to within a hundredth; rounded back to the stored instant.
const QUEUE_HEADS = `
  SELECT r.rowid AS seq, r.*,
    CASE WHEN r.deadline_ms IS NULL THEN NULL ELSE
      round((julianday(max(r.created_at, coalesce((SELECT max(p.updated_at) FROM agent_runs p WHERE p.thread_id = r.thread_id AND p.rowid < r.rowid), r.created_at))) - 2440587.5) * 86400000.0)
        + r.deadline_ms END AS deadline_at
  FROM agent_runs r
  WHERE r.status = 'pending'
    AND NOT EXISTS (SELECT 1 FROM agent_runs x WHERE x.thread_id = r.thread_id AND (x.status = 'running' OR (x.status = 'pending' AND x.rowid < r.rowid)))`;

type HeadRow = RunRow & { seq: number; deadline_at: number | null };

const RUN_COLUMNS = 'run_id, thread_id, assistant_id, created_at, updated_at, status, metadata, multitask_strategy, usage, error';

function toThread(row: ThreadRow): ThreadRecord {
  return { ...row, metadata: JSON.parse(row.metadata) as Record<string, unknown>, usage: JSON.parse(row.usage) as RunUsage };
}

function toRun(row: RunRow): RunRecord {
  return {
    run_id: row.run_id,
    thread_id: row.thread_id,
    assistant_id: row.assistant_id,
    created_at: row.created_at,
    updated_at: row.updated_at,
    status: row.status,
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    multitask_strategy: row.multitask_strategy,
    usage: row.usage ? (JSON.parse(row.usage) as RunUsage) : null,
    error: row.error ? (JSON.parse(row.error) as RunRecord['error']) : null,
  };
}

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

/**
 * The embedded run store: the same contract as Postgres in the SQLite file that holds the
 * bookings and checkpoints. One process owns the file, so transactions are synchronous and
 * serialised; leases still exist (on this process's clock) so that the executor does not
 * care which store it runs on.
 */
export function openSqliteRunStore(options: SqliteRunStoreOptions): RunStore {
  const db = new Database(options.path);
  db.pragma('busy_timeout = 5000');
  enableWal(db, 5000);
  db.pragma('synchronous = NORMAL');
  try {
    migrateSqlite(db, SQLITE_RUN_MIGRATIONS);
  } catch (error) {
    db.close();
    throw error;
  }
  const clock = options.now ?? Date.now;
  const iso = () => new Date(clock()).toISOString();

  const s = {
    insertThread: db.prepare(
      "INSERT INTO agent_threads (thread_id, customer_id, created_at, updated_at, metadata, status, usage) VALUES (@thread_id, @customer_id, @created_at, @updated_at, @metadata, 'idle', @usage)",
    ),
    thread: db.prepare<[string], ThreadRow>('SELECT * FROM agent_threads WHERE thread_id = ?'),
    threadStatus: db.prepare('UPDATE agent_threads SET status = ?, updated_at = ? WHERE thread_id = ?'),
    threadUsage: db.prepare('UPDATE agent_threads SET usage = ?, status = ?, updated_at = ? WHERE thread_id = ?'),
    active: db.prepare<[string], { running: number; pending: number }>(
      "SELECT count(*) FILTER (WHERE status = 'running') AS running, count(*) FILTER (WHERE status = 'pending') AS pending FROM agent_runs WHERE thread_id = ? AND status IN ('pending', 'running')",
    ),
    insertRun: db.prepare(
      `INSERT INTO agent_runs (run_id, thread_id, assistant_id, created_at, updated_at, status, metadata, multitask_strategy, payload, background, owner, lease_expires_at, deadline_ms)
       VALUES (@run_id, @thread_id, @assistant_id, @created_at, @updated_at, @status, @metadata, @multitask_strategy, @payload, @background, @owner, @lease_expires_at, @deadline_ms)`,
    ),
    run: db.prepare<[string, string], RunRow>(`SELECT * FROM agent_runs WHERE thread_id = ? AND run_id = ?`),
    runById: db.prepare<[string], RunRow>('SELECT * FROM agent_runs WHERE run_id = ?'),
    runs: db.prepare<[string, number, number], RunRow>(`SELECT ${RUN_COLUMNS} FROM agent_runs WHERE thread_id = ? ORDER BY rowid DESC LIMIT ? OFFSET ?`),
    nextQueued: db.prepare<[number], HeadRow>(`SELECT * FROM (${QUEUE_HEADS}) WHERE deadline_at IS NULL OR deadline_at > ? ORDER BY seq LIMIT 1`),
    overdue: db.prepare<[number], HeadRow>(`SELECT * FROM (${QUEUE_HEADS}) WHERE deadline_at <= ? ORDER BY seq`),
    expire: db.prepare("UPDATE agent_runs SET status = 'error', error = ?, updated_at = ?, payload = NULL WHERE run_id = ? AND status = 'pending'"),
    start: db.prepare("UPDATE agent_runs SET status = 'running', owner = ?, lease_expires_at = ?, updated_at = ? WHERE run_id = ?"),
    renew: db.prepare<[number, string, string], { cancel_requested: number }>(
      "UPDATE agent_runs SET lease_expires_at = ? WHERE run_id = ? AND owner = ? AND status = 'running' RETURNING cancel_requested",
    ),
    finish: db.prepare<[string, string, string, string | null, string, string], { thread_id: string }>(
      "UPDATE agent_runs SET status = ?, updated_at = ?, usage = ?, error = ?, lease_expires_at = NULL, payload = NULL WHERE run_id = ? AND owner = ? AND status = 'running' RETURNING thread_id",
    ),
    cancelQueued: db.prepare("UPDATE agent_runs SET status = 'interrupted', error = ?, updated_at = ?, payload = NULL WHERE run_id = ? AND status = 'pending'"),
    flagCancel: db.prepare("UPDATE agent_runs SET cancel_requested = 1 WHERE run_id = ? AND status = 'running'"),
    counts: db.prepare<[], { pending: number; running: number }>(
      "SELECT count(*) FILTER (WHERE status = 'pending') AS pending, count(*) FILTER (WHERE status = 'running') AS running FROM agent_runs WHERE status IN ('pending', 'running')",
    ),
  };

  const interruptWhere = (scope: InterruptScope): { sql: string; args: unknown[] } => {
    if ('leaseExpired' in scope) return { sql: 'lease_expires_at < ?', args: [clock()] };
    if ('owner' in scope) return { sql: 'owner = ?', args: [scope.owner] };
    return { sql: 'owner IS NOT ?', args: [scope.ownerNot] };
  };

  return {
    kind: 'sqlite',
    async createThread(input) {
      const at = iso();
      const row: ThreadRow = {
        thread_id: input.threadId ?? randomUUID(),
        customer_id: input.customerId,
        created_at: at,
        updated_at: at,
        metadata: JSON.stringify(input.metadata),
        status: 'idle',
        usage: JSON.stringify(emptyUsage(options.model)),
      };
      try {
        s.insertThread.run(row);
      } catch (error) {
        if (isUniqueViolation(error)) throw threadExists(row.thread_id);
        throw error;
      }
      return toThread(row);
    },
    async getThread(threadId) {
      const row = s.thread.get(threadId);
      return row ? toThread(row) : undefined;
    },
    async createRun(input) {
      return db
        .transaction(() => {
          const { running, pending } = s.active.get(input.threadId)!;
          const startNow = !input.background && running === 0 && pending === 0;
          if (!startNow && input.multitaskStrategy === 'reject' && running + pending > 0) throw threadBusy(input.threadId);
          const at = iso();
          const row = {
            run_id: randomUUID(),
            thread_id: input.threadId,
            assistant_id: input.assistantId,
            created_at: at,
            updated_at: at,
            status: startNow ? 'running' : 'pending',
            metadata: JSON.stringify(input.metadata),
            multitask_strategy: input.multitaskStrategy,
            payload: JSON.stringify(input.payload),
            background: input.background ? 1 : 0,
            owner: startNow ? input.owner : null,
            lease_expires_at: startNow ? clock() + input.leaseMs : null,
            deadline_ms: input.deadlineMs ?? null,
          };
          s.insertRun.run(row);
          if (startNow) s.threadStatus.run('busy', at, input.threadId);
          return { run: toRun({ ...row, status: row.status as RunRecord['status'], usage: null, error: null, cancel_requested: 0 }), started: startNow };
        })
        .immediate();
    },
    async claimRun(owner, leaseMs) {
      return db
        .transaction((): ClaimedRun | undefined => {
          const now = clock();
          const row = s.nextQueued.get(now);
          if (!row) return undefined;
          const at = iso();
          s.start.run(owner, now + leaseMs, at, row.run_id);
          s.threadStatus.run('busy', at, row.thread_id);
          const thread = s.thread.get(row.thread_id)!;
          return {
            run: toRun({ ...row, status: 'running', updated_at: at }),
            customerId: thread.customer_id,
            payload: JSON.parse(row.payload ?? '{"messages":[],"streamModes":[]}') as RunPayload,
            ...(row.deadline_at === null ? {} : { deadlineInMs: Math.max(0, row.deadline_at - now) }),
          };
        })
        .immediate();
    },
    async expireQueued(error) {
      return db
        .transaction((): ExpiredRun[] => {
          const at = iso();
          const expired: ExpiredRun[] = [];
          const record = JSON.stringify(error);
          // One pass: a run queued behind an expired one could first start now, so it is not due yet.
          for (const row of s.overdue.all(clock())) {
            s.expire.run(record, at, row.run_id);
            expired.push({ run: toRun({ ...row, status: 'error', error: record, updated_at: at }), customerId: s.thread.get(row.thread_id)!.customer_id });
          }
          return expired;
        })
        .immediate();
    },
    async renewLeases(owner, runIds, leaseMs) {
      const until = clock() + leaseMs;
      return db.transaction(() => {
        const renewed: Array<{ runId: string; cancelRequested: boolean }> = [];
        for (const runId of runIds) {
          const row = s.renew.get(until, runId, owner);
          if (row) renewed.push({ runId, cancelRequested: row.cancel_requested === 1 });
        }
        return renewed;
      })();
    },
    async finishRun(runId, owner, outcome) {
      return db
        .transaction((): FinishedRun | undefined => {
          const at = iso();
          const finished = s.finish.get(outcome.status, at, JSON.stringify(outcome.usage), outcome.error ? JSON.stringify(outcome.error) : null, runId, owner);
          if (!finished) return undefined;
          const thread = s.thread.get(finished.thread_id)!;
          const total = addUsage(JSON.parse(thread.usage) as RunUsage, outcome.usage);
          const status = threadStatusAfter(outcome.status);
          s.threadUsage.run(JSON.stringify(total), status, at, finished.thread_id);
          return { thread: toThread({ ...thread, usage: JSON.stringify(total), status, updated_at: at }), queued: s.active.get(finished.thread_id)!.pending > 0 };
        })
        .immediate();
    },
    async interruptRuns(scope, error) {
      const where = interruptWhere(scope);
      return db
        .transaction(() => {
          const at = iso();
          const rows = db
            .prepare(
              `UPDATE agent_runs SET status = 'interrupted', error = ?, updated_at = ?, lease_expires_at = NULL, payload = NULL
               WHERE status = 'running' AND ${where.sql} RETURNING *`,
            )
            .all(JSON.stringify(error), at, ...where.args) as RunRow[];
          for (const row of rows) s.threadStatus.run('error', at, row.thread_id);
          return rows.map(toRun);
        })
        .immediate();
    },
    async requestCancel(threadId, runId, error, cancelOptions = {}) {
      return db
        .transaction(() => {
          const row = s.run.get(threadId, runId);
          if (!row) return undefined;
          if (row.status === 'pending') s.cancelQueued.run(JSON.stringify(error), iso(), runId);
          else if (row.status === 'running' && !cancelOptions.queuedOnly) s.flagCancel.run(runId);
          return toRun(s.run.get(threadId, runId)!);
        })
        .immediate();
    },
    async getRun(threadId, runId) {
      const row = s.run.get(threadId, runId);
      return row ? toRun(row) : undefined;
    },
    async listRuns(threadId, limit, offset) {
      return s.runs.all(threadId, limit, offset).map(toRun);
    },
    async runCounts() {
      const { pending, running } = s.counts.get()!;
      return { pending, running };
    },
    async ping() {
      db.prepare('SELECT 1').get();
    },
    async close() {
      db.close();
    },
  };
}
