import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { addUsage, emptyUsage, type RunUsage } from '../llm/run-usage.js';
import { ConciergeError, type ErrorRecord } from '../shared/errors.js';

export type RunStatus = 'pending' | 'running' | 'success' | 'error' | 'timeout' | 'interrupted';

export interface ThreadRecord {
  thread_id: string;
  customer_id: string;
  created_at: string;
  updated_at: string;
  metadata: Record<string, unknown>;
  status: 'idle' | 'busy' | 'error';
  usage: RunUsage;
}

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
  /** What the run failed with: `join` answers it again, status, body and Retry-After alike. */
  error: ErrorRecord | null;
}

/** `createThread` with an id that exists (409 CONFLICT), whichever process created it first. */
export function threadExists(threadId: string): ConciergeError {
  return new ConciergeError('CONFLICT', `thread id ${threadId} is taken`);
}

/**
 * Who owns which thread, the runs made on it and what they cost. Kept apart from LangGraph's
 * checkpoints (which hold the conversation itself) so ownership checks never deserialize a
 * conversation. Async so that a Postgres implementation can take its place.
 */
export interface ThreadRegistry {
  /** Throws `threadExists` when the id is taken. */
  createThread(input: { threadId?: string; customerId: string; metadata: Record<string, unknown> }): Promise<ThreadRecord>;
  getThread(threadId: string): Promise<ThreadRecord | undefined>;
  /** Record a run as running and its thread as busy, in one transaction (or, `pending`, queued). */
  createRun(input: { threadId: string; assistantId: string; metadata: Record<string, unknown>; multitaskStrategy: string; pending?: boolean }): Promise<RunRecord>;
  /** A pending (queued background) run got the thread's lock. */
  markRunning(runId: string, threadId: string): Promise<void>;
  getRun(threadId: string, runId: string): Promise<RunRecord | undefined>;
  listRuns(threadId: string, limit: number, offset: number): Promise<RunRecord[]>;
  /** Mark a run finished and add its usage to the thread's total, in one transaction. */
  finishRun(runId: string, outcome: { status: RunStatus; usage: RunUsage; error?: NonNullable<RunRecord['error']> }): Promise<ThreadRecord>;
  /** Runs left `running` by a process that died are marked interrupted at start. */
  recoverInterruptedRuns(): Promise<number>;
  close(): Promise<void>;
}

/** The stored forms: JSON fields as text. */
type ThreadRow = Omit<ThreadRecord, 'metadata' | 'usage'> & { metadata: string; usage: string };
type RunRow = Omit<RunRecord, 'metadata' | 'usage' | 'error'> & { metadata: string; usage: string | null; error: string | null };

const MIGRATIONS = [
  `CREATE TABLE IF NOT EXISTS agent_threads (
     thread_id TEXT PRIMARY KEY,
     customer_id TEXT NOT NULL,
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL,
     metadata TEXT NOT NULL,
     status TEXT NOT NULL,
     usage TEXT NOT NULL
   );
   CREATE INDEX IF NOT EXISTS agent_threads_customer ON agent_threads(customer_id);
   CREATE TABLE IF NOT EXISTS agent_runs (
     run_id TEXT PRIMARY KEY,
     thread_id TEXT NOT NULL REFERENCES agent_threads(thread_id),
     assistant_id TEXT NOT NULL,
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL,
     status TEXT NOT NULL,
     metadata TEXT NOT NULL,
     multitask_strategy TEXT NOT NULL,
     usage TEXT,
     error TEXT
   );
   CREATE INDEX IF NOT EXISTS agent_runs_thread ON agent_runs(thread_id, created_at);`,
];

export function openSqliteThreadRegistry(options: { path: string; model: string; now?: () => Date }): ThreadRegistry {
  const db = new Database(options.path);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE IF NOT EXISTS agent_registry_migrations (version INTEGER PRIMARY KEY)');
  const applied = new Set((db.prepare('SELECT version FROM agent_registry_migrations').all() as { version: number }[]).map((r) => r.version));
  MIGRATIONS.forEach((sql, index) => {
    if (applied.has(index + 1)) return;
    db.transaction(() => {
      db.exec(sql);
      db.prepare('INSERT INTO agent_registry_migrations (version) VALUES (?)').run(index + 1);
    }).immediate();
  });

  const now = () => (options.now ?? (() => new Date()))().toISOString();
  const toThread = (row: ThreadRow): ThreadRecord => ({
    ...row,
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    usage: JSON.parse(row.usage) as RunUsage,
  });
  const toRun = (row: RunRow): RunRecord => ({
    ...row,
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    usage: row.usage ? (JSON.parse(row.usage) as RunUsage) : null,
    error: row.error ? (JSON.parse(row.error) as RunRecord['error']) : null,
  });

  const insertThread = db.prepare(
    'INSERT INTO agent_threads (thread_id, customer_id, created_at, updated_at, metadata, status, usage) VALUES (@thread_id, @customer_id, @created_at, @updated_at, @metadata, @status, @usage)',
  );
  const selectThread = db.prepare('SELECT * FROM agent_threads WHERE thread_id = ?');
  const updateThreadStatus = db.prepare("UPDATE agent_threads SET status = 'busy', updated_at = ? WHERE thread_id = ?");
  const markRunRunning = db.prepare("UPDATE agent_runs SET status = 'running', updated_at = ? WHERE run_id = ?");
  const insertRun = db.prepare(
    'INSERT INTO agent_runs (run_id, thread_id, assistant_id, created_at, updated_at, status, metadata, multitask_strategy) VALUES (@run_id, @thread_id, @assistant_id, @created_at, @updated_at, @status, @metadata, @multitask_strategy)',
  );
  const selectRun = db.prepare('SELECT * FROM agent_runs WHERE thread_id = ? AND run_id = ?');
  const selectRunById = db.prepare('SELECT * FROM agent_runs WHERE run_id = ?');
  const selectRuns = db.prepare('SELECT * FROM agent_runs WHERE thread_id = ? ORDER BY created_at DESC LIMIT ? OFFSET ?');
  const updateRunFinish = db.prepare('UPDATE agent_runs SET status = ?, updated_at = ?, usage = ?, error = ? WHERE run_id = ?');
  const updateThreadUsage = db.prepare('UPDATE agent_threads SET usage = ?, status = ?, updated_at = ? WHERE thread_id = ?');
  const interruptRuns = db.prepare("UPDATE agent_runs SET status = 'interrupted', updated_at = ? WHERE status IN ('pending', 'running')");
  const idleThreads = db.prepare("UPDATE agent_threads SET status = 'idle' WHERE status = 'busy'");

  const finish = db.transaction((runId: string, outcome: { status: RunStatus; usage: RunUsage; error?: NonNullable<RunRecord['error']> }) => {
    const run = selectRunById.get(runId) as RunRow | undefined;
    if (!run) throw new Error(`unknown run ${runId}`);
    const at = now();
    updateRunFinish.run(outcome.status, at, JSON.stringify(outcome.usage), outcome.error ? JSON.stringify(outcome.error) : null, runId);
    const thread = selectThread.get(run.thread_id) as ThreadRow;
    const total = addUsage(JSON.parse(thread.usage) as RunUsage, outcome.usage);
    const status = outcome.status === 'success' ? 'idle' : 'error';
    updateThreadUsage.run(JSON.stringify(total), status, at, run.thread_id);
    return toThread({ ...thread, usage: JSON.stringify(total), status, updated_at: at });
  });

  return {
    async createThread(input) {
      const at = now();
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
        insertThread.run(row);
      } catch (error) {
        // Two creates of the same id at once: the primary key decides.
        if ((error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw threadExists(row.thread_id);
        throw error;
      }
      return toThread(row);
    },
    async getThread(threadId) {
      const row = selectThread.get(threadId) as ThreadRow | undefined;
      return row ? toThread(row) : undefined;
    },
    async createRun(input) {
      const at = now();
      const row: RunRow = {
        run_id: randomUUID(),
        thread_id: input.threadId,
        assistant_id: input.assistantId,
        created_at: at,
        updated_at: at,
        status: input.pending ? 'pending' : 'running',
        metadata: JSON.stringify(input.metadata),
        multitask_strategy: input.multitaskStrategy,
        usage: null,
        error: null,
      };
      db.transaction(() => {
        insertRun.run(row);
        if (!input.pending) updateThreadStatus.run(at, input.threadId);
      }).immediate();
      return toRun(row);
    },
    async markRunning(runId, threadId) {
      const at = now();
      db.transaction(() => {
        markRunRunning.run(at, runId);
        updateThreadStatus.run(at, threadId);
      }).immediate();
    },
    async getRun(threadId, runId) {
      const row = selectRun.get(threadId, runId) as RunRow | undefined;
      return row ? toRun(row) : undefined;
    },
    async listRuns(threadId, limit, offset) {
      return (selectRuns.all(threadId, limit, offset) as RunRow[]).map(toRun);
    },
    async finishRun(runId, outcome) {
      return finish.immediate(runId, outcome);
    },
    async recoverInterruptedRuns() {
      const changed = interruptRuns.run(now()).changes;
      idleThreads.run();
      return changed;
    },
    async close() {
      db.close();
    },
  };
}
