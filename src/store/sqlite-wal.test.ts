import Database from 'better-sqlite3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { enableWal } from './sqlite-wal.js';

// Another thread takes the new file's write lock and holds it for `holdMs`.
const HOLDER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require('better-sqlite3');
const db = new Database(workerData.path);
db.exec('BEGIN EXCLUSIVE');
db.exec('CREATE TABLE t (x)');
parentPort.postMessage('locked');
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, workerData.holdMs);
db.exec('COMMIT');
db.close();
parentPort.postMessage('released');
`;

function holdLock(path: string, holdMs: number): Promise<{ released: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(HOLDER, { eval: true, workerData: { path, holdMs } });
    let release: () => void;
    const released = new Promise<void>((r) => (release = r));
    worker.on('message', (m) => (m === 'locked' ? resolve({ released }) : release()));
    worker.on('error', reject);
  });
}

describe('enableWal', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** A connection without a busy timeout to a new file whose write lock another thread holds for `holdMs`. */
  async function lockedNewFile(holdMs: number): Promise<{ db: Database.Database; released: Promise<void> }> {
    dir = await mkdtemp(join(tmpdir(), 'concierge-wal-'));
    const path = join(dir, 'new.db');
    const { released } = await holdLock(path, holdMs);
    const db = new Database(path);
    db.pragma('busy_timeout = 0');
    return { db, released };
  }

  it('waits for a write lock held elsewhere, where the pragma alone answers SQLITE_BUSY', async () => {
    const { db, released } = await lockedNewFile(150);
    expect(() => db.pragma('journal_mode = WAL')).toThrow(/database is locked/);
    const startedAt = Date.now();
    enableWal(db, 5000);
    expect(Date.now() - startedAt).toBeGreaterThan(50);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
    await released;
  });

  it('gives up with SQLITE_BUSY when the lock outlasts the timeout', async () => {
    const { db, released } = await lockedNewFile(400);
    expect(() => enableWal(db, 40)).toThrow(/database is locked/);
    db.close();
    await released;
  });
});
