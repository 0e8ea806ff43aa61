import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrateSqlite, pendingMigrations } from './migration-runner.js';
import { SQLITE_RUN_MIGRATIONS } from './run-store-migrations.js';
import { openSqliteRunStore } from './sqlite-run-store.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'concierge-migrations-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('migration runner', () => {
  it('refuses a set whose versions repeat', () => {
    const set = { component: 'x', migrations: [{ version: 1, name: 'a', sql: '' }, { version: 1, name: 'b', sql: '' }] };
    expect(() => pendingMigrations(set, new Set())).toThrow(/repeat version 1/);
  });

  it('keeps components apart in one bookkeeping table', () => {
    const db = new Database(':memory:');
    expect(migrateSqlite(db, { component: 'a', migrations: [{ version: 1, name: 'a1', sql: 'CREATE TABLE a (x)' }] })).toEqual([1]);
    expect(migrateSqlite(db, { component: 'b', migrations: [{ version: 1, name: 'b1', sql: 'CREATE TABLE b (x)' }] })).toEqual([1]);
    expect(migrateSqlite(db, { component: 'a', migrations: [{ version: 1, name: 'a1', sql: 'CREATE TABLE a (x)' }] })).toEqual([]);
    expect(db.prepare('SELECT component, version FROM concierge_migrations ORDER BY component').all()).toEqual([
      { component: 'a', version: 1 },
      { component: 'b', version: 1 },
    ]);
    db.close();
  });

  it('adopts a database made before the one runner, and records why its unfinished runs stopped', async () => {
    const path = join(dir, 'old.db');
    // The layout the thread registry used to create, with a run left running by a crash.
    const old = new Database(path);
    old.exec('CREATE TABLE agent_registry_migrations (version INTEGER PRIMARY KEY); INSERT INTO agent_registry_migrations VALUES (1);');
    old.exec(SQLITE_RUN_MIGRATIONS.migrations[0]!.sql);
    old.exec(`INSERT INTO agent_threads VALUES ('t1', 'ann', '2026-01-01', '2026-01-01', '{}', 'busy', '{}');
              INSERT INTO agent_runs VALUES ('r1', 't1', 'concierge', '2026-01-01', '2026-01-01', 'running', '{}', 'reject', NULL, NULL);`);
    old.close();
    const store = openSqliteRunStore({ path, model: 'gpt-4o-mini' });
    try {
      expect(await store.getRun('t1', 'r1')).toMatchObject({ status: 'interrupted', error: { code: 'RUN_INTERRUPTED', status: 503 } });
      expect((await store.getThread('t1'))?.status).toBe('error');
    } finally {
      await store.close();
    }
    const db = new Database(path, { readonly: true });
    expect(db.prepare("SELECT version, name FROM concierge_migrations WHERE component = 'runs' ORDER BY version").all()).toEqual([
      { version: 1, name: 'adopted' },
      { version: 2, name: 'queued runs, owners and leases' },
      { version: 3, name: 'deadlines of queued runs' },
    ]);
    db.close();
  });
});
