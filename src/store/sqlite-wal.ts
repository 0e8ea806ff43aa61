import type { Database } from 'better-sqlite3';

/**
 * Put a SQLite connection in WAL mode, waiting for the lock up to `busyTimeoutMs`. Switching a
 * new file to WAL takes its write lock; when several connections open the same new file at
 * once, SQLite can answer SQLITE_BUSY at once instead of calling the busy handler (it will not
 * wait while holding a read lock another writer waits on), so the wait is ours. Written by
 * hand: better-sqlite3 has no retry of its own, and this is a loop of a few lines.
 */
export function enableWal(db: Database, busyTimeoutMs: number): void {
  const giveUpAt = Date.now() + busyTimeoutMs;
  for (let pause = 2; ; pause = Math.min(pause * 2, 50)) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'SQLITE_BUSY' || Date.now() >= giveUpAt) throw error;
      // A synchronous pause: the connection is being opened, nothing else can use it yet.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, pause);
    }
  }
}
