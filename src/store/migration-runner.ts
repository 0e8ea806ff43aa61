import type { Database } from 'better-sqlite3';
import type pg from 'pg';
import { dependencyUnreachable } from '../shared/dependency-errors.js';

export interface Migration {
  /** Applied in increasing order; never renumbered or edited once released. */
  version: number;
  name: string;
  sql: string;
}

/**
 * The migrations of one part of the schema (bookings, runs), numbered on their own. Parts
 * share one bookkeeping table, `concierge_migrations`, keyed by component and version.
 */
export interface MigrationSet {
  component: string;
  migrations: readonly Migration[];
  /**
   * The bookkeeping table this component used before there was one runner; its versions are
   * adopted the first time, so an existing database is never migrated twice.
   */
  legacyTable?: string;
}

const BOOKKEEPING = 'concierge_migrations';

/** The migrations not yet applied, in order; refuses a set whose versions repeat. */
export function pendingMigrations(set: MigrationSet, applied: ReadonlySet<number>): Migration[] {
  const sorted = [...set.migrations].sort((a, b) => a.version - b.version);
  sorted.forEach((m, i) => {
    if (!Number.isInteger(m.version) || m.version < 1) throw new Error(`${set.component} migration "${m.name}" has an invalid version ${m.version}`);
    if (i > 0 && sorted[i - 1]!.version === m.version) throw new Error(`${set.component} migrations repeat version ${m.version}`);
  });
  return sorted.filter((m) => !applied.has(m.version));
}

/**
 * Bring a SQLite database up to date, in one IMMEDIATE transaction: two processes opening
 * the same file apply each migration once (the second waits, then finds nothing to do), and
 * a failing migration rolls back whole. Returns the versions applied now.
 */
export function migrateSqlite(db: Database, set: MigrationSet): number[] {
  const apply = db.transaction(() => {
    db.exec(`CREATE TABLE IF NOT EXISTS ${BOOKKEEPING} (
      component  TEXT NOT NULL,
      version    INTEGER NOT NULL,
      name       TEXT NOT NULL,
      applied_at TEXT NOT NULL,
      PRIMARY KEY (component, version)
    )`);
    if (set.legacyTable) {
      const legacy = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = ?").get(set.legacyTable) as { n: number };
      if (legacy.n > 0) {
        db.prepare(`INSERT OR IGNORE INTO ${BOOKKEEPING} (component, version, name, applied_at) SELECT ?, version, 'adopted', ? FROM ${set.legacyTable}`).run(
          set.component,
          new Date().toISOString(),
        );
      }
    }
    const rows = db.prepare(`SELECT version FROM ${BOOKKEEPING} WHERE component = ?`).all(set.component) as Array<{ version: number }>;
    const record = db.prepare(`INSERT INTO ${BOOKKEEPING} (component, version, name, applied_at) VALUES (?, ?, ?, ?)`);
    const applied: number[] = [];
    for (const migration of pendingMigrations(set, new Set(rows.map((r) => r.version)))) {
      db.exec(migration.sql);
      record.run(set.component, migration.version, migration.name, new Date().toISOString());
      applied.push(migration.version);
    }
    return applied;
  });
  return apply.immediate();
}

/** A plain lower-case SQL identifier: safe to put in statements unquoted. */
export function assertSchemaName(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`schema must be a plain lower-case SQL identifier, got "${schema}"`);
  return schema;
}

/**
 * Run `work` in a transaction that holds the schema's migration lock: a transaction-level
 * advisory lock, so replicas starting together queue here and each step runs once, and the
 * lock can never outlive its transaction (a replica that dies mid-way releases it with its
 * connection). The key is derived from the schema name, so test schemas do not wait for
 * each other.
 */
export async function withMigrationLock<T>(pool: pg.Pool, schema: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  // The first connection a process makes: an unreachable database is one clear line here.
  const client = await pool.connect().catch((error: unknown) => {
    throw dependencyUnreachable('Postgres', pool.options.connectionString ?? '', error);
  });
  try {
    await client.query('BEGIN');
    try {
      await client.query("SELECT pg_advisory_xact_lock(hashtextextended('concierge-migrations:' || $1, 0))", [assertSchemaName(schema)]);
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  } finally {
    client.release();
  }
}

/**
 * Bring a Postgres schema up to date: create it when missing and apply each set's pending
 * migrations, all in one transaction under the schema's migration lock, so that ten
 * replicas starting at once migrate once and a failure leaves nothing half applied.
 * Returns the versions applied now, by component.
 */
export async function migratePostgres(pool: pg.Pool, schema: string, sets: readonly MigrationSet[]): Promise<Record<string, number[]>> {
  return withMigrationLock(pool, schema, async (client) => {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${schema}.${BOOKKEEPING} (
      component  TEXT NOT NULL,
      version    INTEGER NOT NULL,
      name       TEXT NOT NULL,
      applied_at TIMESTAMPTZ NOT NULL DEFAULT now(),
      PRIMARY KEY (component, version)
    )`);
    // Migrations name tables unqualified: they land in this schema whatever the connection's path.
    await client.query(`SET LOCAL search_path TO ${schema}`);
    const result: Record<string, number[]> = {};
    for (const set of sets) {
      if (set.legacyTable) {
        const { rows } = await client.query<{ exists: boolean }>('SELECT to_regclass($1) IS NOT NULL AS exists', [`${schema}.${set.legacyTable}`]);
        if (rows[0]?.exists) {
          await client.query(
            `INSERT INTO ${BOOKKEEPING} (component, version, name) SELECT $1, version, 'adopted' FROM ${set.legacyTable} ON CONFLICT DO NOTHING`,
            [set.component],
          );
        }
      }
      const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${BOOKKEEPING} WHERE component = $1`, [set.component]);
      const applied: number[] = [];
      for (const migration of pendingMigrations(set, new Set(rows.map((r) => r.version)))) {
        await client.query(migration.sql);
        await client.query(`INSERT INTO ${BOOKKEEPING} (component, version, name) VALUES ($1, $2, $3)`, [set.component, migration.version, migration.name]);
        applied.push(migration.version);
      }
      result[set.component] = applied;
    }
    return result;
  });
}
