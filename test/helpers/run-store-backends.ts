import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { migratePostgres } from '../../src/store/migration-runner.js';
import { openPostgresPool } from '../../src/store/postgres-pool.js';
import { PostgresRunStore } from '../../src/store/postgres-run-store.js';
import { POSTGRES_RUN_MIGRATIONS } from '../../src/store/run-store-migrations.js';
import type { RunStore } from '../../src/store/run-store.js';
import { openSqliteRunStore } from '../../src/store/sqlite-run-store.js';
import { dropSchema, freshSchemaName, PG_URL } from './postgres.js';

export interface RunStoreBackend {
  name: 'sqlite' | 'postgres';
  /** A store on fresh state: a new SQLite file, or the shared Postgres schema (migrated once). */
  open(): Promise<RunStore>;
  cleanup(): Promise<void>;
}

/** Both run stores for a test file: SQLite files in a temporary folder, and a Postgres schema of its own. */
export function runStoreBackends(name: string, model: string): RunStoreBackend[] {
  const dir = mkdtempSync(join(tmpdir(), `concierge-${name}-`));
  const schema = freshSchemaName(`${name.replace(/-/g, '_')}_test`);
  let pool: pg.Pool | undefined;
  let files = 0;
  return [
    {
      name: 'sqlite',
      async open() {
        files += 1;
        return openSqliteRunStore({ path: join(dir, `runs-${files}.db`), model });
      },
      async cleanup() {
        rmSync(dir, { recursive: true, force: true });
      },
    },
    {
      name: 'postgres',
      async open() {
        pool ??= openPostgresPool({ url: PG_URL, schema, size: 8 });
        await migratePostgres(pool, schema, [POSTGRES_RUN_MIGRATIONS]);
        return new PostgresRunStore({ pool, model });
      },
      async cleanup() {
        await pool?.end();
        await dropSchema(schema);
      },
    },
  ];
}
