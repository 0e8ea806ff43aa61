import Database from 'better-sqlite3';

/**
 * LangGraph's SQLite checkpointer stores the whole state at every step and keeps every
 * checkpoint, so a thread's bytes on disk grow with the square of its length. Concierge never
 * reads an old checkpoint (there is no history or time-travel route), so after each run only
 * the latest few of a thread are kept, with their pending writes.
 */
export function createSqliteCheckpointPruner(path: string, keep: number): { prune(threadId: string): number; close(): void } {
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
