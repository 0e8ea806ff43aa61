import Database from 'better-sqlite3';
import type pg from 'pg';

/**
 * LangGraph's SQLite checkpointer stores the whole state at every step and keeps every
 * checkpoint, so a thread's bytes on disk grow with the square of its length. Concierge never
 * reads an old checkpoint (there is no history or time-travel route), so after each run only
 * the latest few of a thread are kept, with their pending writes.
 */
export function createSqliteCheckpointPruner(path: string, keep: number): CheckpointPruner & { prune(threadId: string): number } {
  const db = new Database(path);
  db.pragma('busy_timeout = 5000');
  // Like the other connections to this WAL file: durable at checkpoints, not on every commit.
  db.pragma('synchronous = NORMAL');
  let statements: { checkpoints: Database.Statement; writes: Database.Statement } | undefined;
  const prepare = () => {
    // The tables appear when the checkpointer first writes; until then there is nothing to prune.
    const exists = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name IN ('checkpoints', 'writes')").get() as { n: number };
    if (exists.n < 2) return undefined;
    const oldest = `(SELECT checkpoint_id FROM checkpoints WHERE thread_id = @thread AND checkpoint_ns = '' ORDER BY checkpoint_id DESC LIMIT 1 OFFSET @offset)`;
    return {
      checkpoints: db.prepare(`DELETE FROM checkpoints WHERE thread_id = @thread AND checkpoint_ns = '' AND checkpoint_id < ${oldest}`),
      writes: db.prepare(`DELETE FROM writes WHERE thread_id = @thread AND checkpoint_ns = '' AND checkpoint_id < ${oldest}`),
    };
  };
  return {
    prune(threadId) {
      statements ??= prepare();
      if (!statements) return 0;
      const s = statements;
      const args = { thread: threadId, offset: keep - 1 };
      return db.transaction(() => {
        // Writes first: their subquery still sees the checkpoints they are measured against.
        s.writes.run(args);
        return s.checkpoints.run(args).changes;
      }).immediate();
    },
    close() {
      db.close();
    },
  };
}

/** Keeps only the latest checkpoints of a thread after each run; SQLite and Postgres alike. */
export interface CheckpointPruner {
  /** Returns how many checkpoints were deleted. */
  prune(threadId: string): number | Promise<number>;
  close(): void;
}

/**
 * The same for `PostgresSaver`'s tables (checkpoints, checkpoint_writes, checkpoint_blobs),
 * in one statement. A blob is a channel's value at one version, shared by every checkpoint
 * that did not change it, so a blob goes only when no kept checkpoint refers to it. Runs
 * started meanwhile on another replica write newer checkpoints, which this statement
 * neither sees nor touches.
 */
export function createPostgresCheckpointPruner(pool: pg.Pool, keep: number): CheckpointPruner {
  return {
    async prune(threadId) {
      const { rows } = await pool.query<{ deleted: string }>(
        `WITH kept AS (
           SELECT checkpoint_id, checkpoint FROM checkpoints WHERE thread_id = $1 AND checkpoint_ns = '' ORDER BY checkpoint_id DESC LIMIT $2
         ), oldest AS (
           SELECT min(checkpoint_id) AS id FROM kept HAVING count(*) = $2
         ), writes AS (
           DELETE FROM checkpoint_writes w USING oldest WHERE w.thread_id = $1 AND w.checkpoint_ns = '' AND w.checkpoint_id < oldest.id
         ), deleted AS (
           DELETE FROM checkpoints c USING oldest WHERE c.thread_id = $1 AND c.checkpoint_ns = '' AND c.checkpoint_id < oldest.id RETURNING 1
         ), blobs AS (
           DELETE FROM checkpoint_blobs b WHERE b.thread_id = $1 AND b.checkpoint_ns = '' AND EXISTS (SELECT 1 FROM oldest)
             AND NOT EXISTS (SELECT 1 FROM kept, jsonb_each_text(kept.checkpoint -> 'channel_versions') v WHERE v.key = b.channel AND v.value = b.version)
         )
         SELECT count(*) AS deleted FROM deleted`,
        [threadId, keep],
      );
      return Number(rows[0]?.deleted ?? 0);
    },
    close() {},
  };
}
