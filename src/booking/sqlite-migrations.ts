import type { Migration, MigrationSet } from '../store/migration-runner.js';

/**
 * The schema, one numbered step at a time. A released migration is never edited: changes
 * go into a new one, so every database reaches the same schema whatever version it starts
 * from. Times are epoch milliseconds (instants) next to the local date and time shown to
 * people; prices are whole cents.
 */
export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'catalogue, bookings and per-unit occupancy',
    sql: `
      CREATE TABLE services (
        id           TEXT PRIMARY KEY,
        name         TEXT NOT NULL,
        description  TEXT NOT NULL,
        duration_min INTEGER NOT NULL CHECK (duration_min > 0),
        price_cents  INTEGER NOT NULL CHECK (price_cents >= 0),
        capacity     INTEGER NOT NULL CHECK (capacity >= 1),
        active       INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
        updated_at   INTEGER NOT NULL
      );

      CREATE TABLE catalog_meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );

      CREATE TABLE bookings (
        id              INTEGER PRIMARY KEY,
        code            TEXT NOT NULL UNIQUE,
        customer_id     TEXT NOT NULL,
        customer_name   TEXT,
        service_id      TEXT NOT NULL REFERENCES services (id),
        service_name    TEXT NOT NULL,
        local_date      TEXT NOT NULL,
        local_time      TEXT NOT NULL,
        local_end_time  TEXT NOT NULL,
        start_at        INTEGER NOT NULL,
        end_at          INTEGER NOT NULL,
        duration_min    INTEGER NOT NULL,
        price_cents     INTEGER NOT NULL,
        status          TEXT NOT NULL CHECK (status IN ('confirmed', 'cancelled')),
        notes           TEXT,
        idempotency_key TEXT,
        -- What the key was first used for (service, date, time): a reuse for another slot is refused.
        idempotency_request TEXT,
        created_at      INTEGER NOT NULL,
        updated_at      INTEGER NOT NULL,
        cancelled_at    INTEGER,
        CHECK (end_at > start_at),
        UNIQUE (customer_id, idempotency_key)
      );
      CREATE INDEX bookings_by_customer ON bookings (customer_id, start_at);
      CREATE INDEX bookings_by_start ON bookings (start_at);

      -- One row per service and 5-minute unit that holds at least one booking. The CHECK is
      -- the double-booking guard: a transaction that would push a unit past capacity fails
      -- and rolls back whole. capacity is copied from services on every increment, so a
      -- lowered capacity applies to the next booking without touching existing ones.
      CREATE TABLE slot_occupancy (
        service_id TEXT NOT NULL REFERENCES services (id),
        unit       INTEGER NOT NULL,
        booked     INTEGER NOT NULL CHECK (booked >= 0),
        capacity   INTEGER NOT NULL CHECK (capacity >= 1),
        CHECK (booked <= capacity),
        PRIMARY KEY (service_id, unit)
      ) WITHOUT ROWID;
    `,
  },
];

/** The booking tables' migrations, as the one runner (src/store/migration-runner.ts) applies them. */
export const SQLITE_BOOKING_MIGRATIONS: MigrationSet = { component: 'bookings', migrations: SQLITE_MIGRATIONS, legacyTable: 'schema_migrations' };
