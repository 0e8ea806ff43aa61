import type { Migration, MigrationSet } from '../store/migration-runner.js';

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

/** The booking tables' migrations, as the one runner (src/store/migration-runner.ts) applies them. */
export const POSTGRES_BOOKING_MIGRATIONS: MigrationSet = { component: 'bookings', migrations: POSTGRES_MIGRATIONS, legacyTable: 'schema_migrations' };
