import type { PoolClient } from 'pg';
import type { Migration } from './sqlite-migrations.js';

/**
 * The Postgres schema, numbered like the SQLite one and kept in step with it (same tables,
 * columns and constraints; BIGINT epoch milliseconds for instants).
 */
export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'catalogue, bookings and per-unit occupancy',
    sql: `
      CREATE TABLE services (
        id           TEXT PRIMARY KEY,
        name         TEXT NOT NULL,
        description  TEXT NOT NULL,
        duration_min INTEGER NOT NULL CHECK (duration_min > 0),
        price_cents  BIGINT NOT NULL CHECK (price_cents >= 0),
        capacity     INTEGER NOT NULL CHECK (capacity >= 1),
        active       BOOLEAN NOT NULL DEFAULT TRUE,
        updated_at   BIGINT NOT NULL
      );

      CREATE TABLE catalog_meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );

      CREATE TABLE bookings (
        id                  BIGSERIAL PRIMARY KEY,
        code                TEXT NOT NULL CONSTRAINT bookings_code_key UNIQUE,
        customer_id         TEXT NOT NULL,
        customer_name       TEXT,
        service_id          TEXT NOT NULL REFERENCES services (id),
        service_name        TEXT NOT NULL,
        local_date          TEXT NOT NULL,
        local_time          TEXT NOT NULL,
        local_end_time      TEXT NOT NULL,
        start_at            BIGINT NOT NULL,
        end_at              BIGINT NOT NULL,
        duration_min        INTEGER NOT NULL,
        price_cents         BIGINT NOT NULL,
        status              TEXT NOT NULL CHECK (status IN ('confirmed', 'cancelled')),
        notes               TEXT,
        idempotency_key     TEXT,
        idempotency_request TEXT,
        created_at          BIGINT NOT NULL,
        updated_at          BIGINT NOT NULL,
        cancelled_at        BIGINT,
        CHECK (end_at > start_at),
        CONSTRAINT bookings_idempotency_key UNIQUE (customer_id, idempotency_key)
      );
      CREATE INDEX bookings_by_customer ON bookings (customer_id, start_at);
      CREATE INDEX bookings_by_start ON bookings (start_at);

      -- See the SQLite migration: the CHECK is the double-booking guard. Concurrent
      -- increments of one row queue on its row lock, and each sees the previous commit.
      CREATE TABLE slot_occupancy (
        service_id TEXT NOT NULL REFERENCES services (id),
        unit       BIGINT NOT NULL,
        booked     INTEGER NOT NULL CHECK (booked >= 0),
        capacity   INTEGER NOT NULL CHECK (capacity >= 1),
        CONSTRAINT slot_occupancy_within_capacity CHECK (booked <= capacity),
        PRIMARY KEY (service_id, unit)
      );
    `,
  },
];

/** Any stable 64-bit number: the advisory lock that serialises migrations in one schema. */
const MIGRATION_LOCK = 7_261_530_118;

/**
 * Bring the schema up to date in one transaction, under an advisory lock so that several
 * processes starting together apply each migration once. Returns the versions applied now.
 */
export async function runPostgresMigrations(client: PoolClient, migrations: readonly Migration[] = POSTGRES_MIGRATIONS): Promise<number[]> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    INTEGER PRIMARY KEY,
      name       TEXT NOT NULL,
      applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )`);
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
    const done = new Set(rows.map((r) => r.version));
    const applied: number[] = [];
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
      applied.push(migration.version);
    }
    await client.query('COMMIT');
    return applied;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
