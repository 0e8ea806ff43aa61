import pg from 'pg';
import { ConciergeError } from '../shared/errors.js';
import { BookingError } from './booking-error.js';
import type { Booking, BookingMove, BookingQuery, BookingStore, CatalogSyncResult, CreateResult, NewBooking } from './booking-store.js';
import type { Business } from './business.js';
import { generateConfirmationCode, type RandomInt } from './confirmation-code.js';
import { migratePostgres } from '../store/migration-runner.js';
import { openPostgresPool } from '../store/postgres-pool.js';
import { POSTGRES_BOOKING_MIGRATIONS } from './postgres-migrations.js';
import { BOOKING_COLUMNS, catalogFingerprint, rowToBooking, toCents, type BookingRow } from './store-rows.js';
import { UNIT_MIN, unitsCovering } from './time-units.js';

export interface PostgresBookingStoreOptions {
  /** For example `postgres://user:pass@127.0.0.1:5432/concierge`; ignored when `pool` is given. */
  connectionString?: string;
  /** A pool shared with the rest of the process, whose connections already use `schema`; the caller closes it. */
  pool?: pg.Pool;
  /** Schema holding the tables (created when missing). Default `public`. */
  schema?: string;
  /** Connections in the pool this store makes. Default 10. */
  poolSize?: number;
  /** Randomness for confirmation codes. Default: crypto.randomInt. */
  random?: RandomInt;
  /** Attempts for a transaction that lost a deadlock or a code collision. Default 8. */
  attempts?: number;
}

/** Postgres SQLSTATEs the store reacts to. */
const PG = { uniqueViolation: '23505', checkViolation: '23514', deadlock: '40P01', serialization: '40001' } as const;

function pgError(error: unknown): { code?: string; constraint?: string } {
  return typeof error === 'object' && error !== null ? (error as { code?: string; constraint?: string }) : {};
}

class Retry extends Error {}

type Client = pg.PoolClient;
type IdempotentRow = BookingRow & { idempotency_request: string | null };

/**
 * The shared store for several server processes. Same schema and same guard as SQLite:
 * each booking increments per-unit occupancy rows whose CHECK (booked <= capacity) fails
 * the transaction when a unit is full. Postgres serialises concurrent increments of one row
 * on its row lock (READ COMMITTED re-reads the row after the wait), so no two transactions
 * can both take the last place. Rows are always locked in ascending unit order; a
 * transaction that still loses a deadlock is retried whole.
 */
export class PostgresBookingStore implements BookingStore {
  readonly schema: string;
  /** Migration versions applied when this store opened (empty when up to date). */
  appliedMigrations: readonly number[] = [];
  readonly #pool: pg.Pool;
  readonly #ownsPool: boolean;
  readonly #random: RandomInt | undefined;
  readonly #attempts: number;

  constructor(options: PostgresBookingStoreOptions) {
    this.schema = options.schema ?? 'public';
    if (!/^[a-z_][a-z0-9_]*$/.test(this.schema)) throw new ConciergeError('CONFIG_INVALID', `schema must be a plain lower-case SQL identifier, got "${this.schema}"`);
    this.#random = options.random;
    this.#attempts = options.attempts ?? 8;
    this.#ownsPool = options.pool === undefined;
    if (!options.pool && !options.connectionString) throw new ConciergeError('CONFIG_INVALID', 'a Postgres booking store needs a connection string or a pool');
    // Every connection resolves table names in this store's schema.
    this.#pool = options.pool ?? openPostgresPool({ url: options.connectionString!, schema: this.schema, ...(options.poolSize ? { size: options.poolSize } : {}) });
  }

  /** Create the schema when missing and apply pending migrations. */
  async migrate(): Promise<number[]> {
    return (await migratePostgres(this.#pool, this.schema, [POSTGRES_BOOKING_MIGRATIONS])).bookings ?? [];
  }

  async syncCatalog(business: Business): Promise<CatalogSyncResult> {
    const fingerprint = catalogFingerprint(business);
    return this.#transaction(async (c) => {
      await c.query("SELECT pg_advisory_xact_lock(hashtext('concierge_catalog'))");
      const { rows } = await c.query<{ value: string }>("SELECT value FROM catalog_meta WHERE key = 'catalog_fingerprint'");
      if (rows[0]?.value === fingerprint) return { changed: false };
      const now = Date.now();
      await c.query('UPDATE services SET active = FALSE, updated_at = $1 WHERE active', [now]);
      for (const s of business.services) {
        await c.query(
          `INSERT INTO services (id, name, description, duration_min, price_cents, capacity, active, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, TRUE, $7)
           ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, description = EXCLUDED.description, duration_min = EXCLUDED.duration_min,
             price_cents = EXCLUDED.price_cents, capacity = EXCLUDED.capacity, active = TRUE, updated_at = EXCLUDED.updated_at`,
          [s.id, s.name, s.description, s.durationMin, toCents(s.priceUsd), s.capacity, now],
        );
      }
      await c.query(
        "INSERT INTO catalog_meta (key, value) VALUES ('catalog_fingerprint', $1) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
        [fingerprint],
      );
      return { changed: true };
    });
  }

  async createBooking(input: NewBooking): Promise<CreateResult> {
    const units = unitsCovering(input.start.getTime(), input.end.getTime());
    const request = `${input.serviceId}@${input.date} ${input.time}`;
    return this.#transaction(async (c) => {
      if (input.idempotencyKey !== null) {
        // Two requests with one key wait for each other here, so the second finds the first
        // booking instead of competing with it for the last place.
        await c.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [JSON.stringify([input.customerId, input.idempotencyKey])]);
        const earlier = await c.query<IdempotentRow>(`SELECT ${BOOKING_COLUMNS}, idempotency_request FROM bookings WHERE customer_id = $1 AND idempotency_key = $2`, [
          input.customerId,
          input.idempotencyKey,
        ]);
        if (earlier.rows[0]) return replay(earlier.rows[0], request);
      }
      await takeUnits(c, input.serviceId, units);
      const code = generateConfirmationCode(this.#random);
      try {
        await c.query(
          `INSERT INTO bookings (code, customer_id, customer_name, service_id, service_name, local_date, local_time, local_end_time, start_at, end_at,
             duration_min, price_cents, status, notes, idempotency_key, idempotency_request, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'confirmed', $13, $14, $15, $16, $16)`,
          [
            code,
            input.customerId,
            input.customerName,
            input.serviceId,
            input.serviceName,
            input.date,
            input.time,
            input.endTime,
            input.start.getTime(),
            input.end.getTime(),
            input.durationMin,
            toCents(input.priceUsd),
            input.notes,
            input.idempotencyKey,
            input.idempotencyKey === null ? null : request,
            input.now.getTime(),
          ],
        );
      } catch (error) {
        // A collision aborts the transaction; the retry draws a new code.
        if (pgError(error).code === PG.uniqueViolation && pgError(error).constraint === 'bookings_code_key') throw new Retry();
        throw error;
      }
      return { booking: rowToBooking((await selectBooking(c, code))!), replayed: false };
    });
  }

  async cancelBooking(input: { customerId: string; code: string; now: Date }): Promise<Booking> {
    return this.#transaction(async (c) => {
      const row = await lockOwnRow(c, input.customerId, input.code);
      if (row.status === 'cancelled') throw new BookingError('ALREADY_CANCELLED', `Booking ${row.code} is already cancelled.`);
      await releaseUnits(c, row.service_id, unitsCovering(Number(row.start_at), Number(row.end_at)));
      await c.query("UPDATE bookings SET status = 'cancelled', cancelled_at = $1, updated_at = $1, idempotency_key = NULL, idempotency_request = NULL WHERE code = $2 AND customer_id = $3 AND status = 'confirmed'", [
        input.now.getTime(),
        input.code,
        input.customerId,
      ]);
      return rowToBooking((await selectBooking(c, input.code))!);
    });
  }

  async rescheduleBooking(input: BookingMove): Promise<Booking> {
    return this.#transaction(async (c) => {
      const row = await lockOwnRow(c, input.customerId, input.code);
      if (row.status === 'cancelled') throw new BookingError('ALREADY_CANCELLED', `Booking ${row.code} is cancelled.`);
      const released = new Set(unitsCovering(Number(row.start_at), Number(row.end_at)));
      const taken = new Set(unitsCovering(input.start.getTime(), input.end.getTime()));
      // One ascending sweep over both spans, a unit at a time: every transaction then locks
      // occupancy rows in the same order, so two moves in opposite directions cannot
      // deadlock. Units in both spans keep their place untouched.
      for (const unit of [...new Set([...released, ...taken])].sort((x, y) => x - y)) {
        if (released.has(unit) && taken.has(unit)) continue;
        if (released.has(unit)) await releaseUnits(c, row.service_id, [unit]);
        else await takeUnits(c, row.service_id, [unit]);
      }
      await c.query(
        `UPDATE bookings SET local_date = $1, local_time = $2, local_end_time = $3, start_at = $4, end_at = $5, updated_at = $6,
           idempotency_key = NULL, idempotency_request = NULL
         WHERE code = $7 AND customer_id = $8 AND status = 'confirmed'`,
        [input.date, input.time, input.endTime, input.start.getTime(), input.end.getTime(), input.now.getTime(), input.code, input.customerId],
      );
      return rowToBooking((await selectBooking(c, input.code))!);
    });
  }

  async getBooking(code: string): Promise<Booking | undefined> {
    const { rows } = await this.#pool.query<BookingRow>(`SELECT ${BOOKING_COLUMNS} FROM bookings WHERE code = $1`, [code]);
    return rows[0] ? rowToBooking(rows[0]) : undefined;
  }

  async getCustomerBooking(customerId: string, code: string): Promise<Booking | undefined> {
    const { rows } = await this.#pool.query<BookingRow>(`SELECT ${BOOKING_COLUMNS} FROM bookings WHERE code = $1 AND customer_id = $2`, [code, customerId]);
    return rows[0] ? rowToBooking(rows[0]) : undefined;
  }

  async listBookings(query: BookingQuery): Promise<Booking[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: string, value: unknown) => {
      params.push(value);
      where.push(clause.replace('?', `$${params.length}`));
    };
    if (query.customerId !== undefined) add('customer_id = ?', query.customerId);
    if (query.status !== undefined) add('status = ?', query.status);
    if (query.from !== undefined) add('start_at >= ?', query.from.getTime());
    if (query.to !== undefined) add('start_at < ?', query.to.getTime());
    params.push(query.limit ?? null, query.offset ?? 0);
    const sql = `SELECT ${BOOKING_COLUMNS} FROM bookings ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY start_at, id LIMIT $${params.length - 1} OFFSET $${params.length}`;
    const { rows } = await this.#pool.query<BookingRow>(sql, params);
    return rows.map(rowToBooking);
  }

  async occupancy(input: { serviceId: string; from: Date; to: Date }): Promise<Map<number, number>> {
    const fromUnit = Math.floor(input.from.getTime() / 60_000 / UNIT_MIN) * UNIT_MIN;
    const toUnit = Math.ceil(input.to.getTime() / 60_000 / UNIT_MIN) * UNIT_MIN;
    const { rows } = await this.#pool.query<{ unit: string; booked: number }>(
      'SELECT unit, booked FROM slot_occupancy WHERE service_id = $1 AND unit >= $2 AND unit < $3 AND booked > 0',
      [input.serviceId, fromUnit, toUnit],
    );
    return new Map(rows.map((r) => [Number(r.unit), r.booked]));
  }

  async close(): Promise<void> {
    if (this.#ownsPool) await this.#pool.end();
  }

  async #transaction<T>(fn: (client: Client) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.#pool.connect();
      try {
        // A booking is durable before anyone hears of it, whatever the pool's default.
        await client.query('BEGIN; SET LOCAL synchronous_commit TO on');
        const result = await fn(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        const code = pgError(error).code;
        const retryable = error instanceof Retry || code === PG.deadlock || code === PG.serialization;
        if (retryable && attempt < this.#attempts) continue;
        if (error instanceof Retry) throw new ConciergeError('CODE_SPACE_EXHAUSTED', 'Could not find a free confirmation code.');
        throw error;
      } finally {
        client.release();
      }
    }
  }
}

function replay(earlier: IdempotentRow, request: string): CreateResult {
  if (earlier.idempotency_request !== request) {
    throw new BookingError('IDEMPOTENCY_KEY_REUSED', `This idempotency key was already used for booking ${earlier.code} (${earlier.idempotency_request}).`, {
      details: { code: earlier.code },
    });
  }
  return { booking: rowToBooking(earlier), replayed: true };
}

async function selectBooking(c: Client, code: string): Promise<BookingRow | undefined> {
  const { rows } = await c.query<BookingRow>(`SELECT ${BOOKING_COLUMNS} FROM bookings WHERE code = $1`, [code]);
  return rows[0];
}

/** The customer's booking row, locked until the transaction ends. */
async function lockOwnRow(c: Client, customerId: string, code: string): Promise<BookingRow> {
  const { rows } = await c.query<BookingRow>(`SELECT ${BOOKING_COLUMNS} FROM bookings WHERE code = $1 AND customer_id = $2 FOR UPDATE`, [code, customerId]);
  if (!rows[0]) throw new BookingError('BOOKING_NOT_FOUND', `No booking ${code} for this customer.`);
  return rows[0];
}

async function takeUnits(c: Client, serviceId: string, units: number[]): Promise<void> {
  let count: number;
  try {
    const result = await c.query(
      `INSERT INTO slot_occupancy (service_id, unit, booked, capacity)
       SELECT s.id, u, 1, s.capacity FROM generate_series($2::bigint, $3::bigint, $4::bigint) AS u JOIN services s ON s.id = $1 AND s.active
       ORDER BY u
       ON CONFLICT (service_id, unit) DO UPDATE SET booked = slot_occupancy.booked + 1, capacity = EXCLUDED.capacity`,
      [serviceId, units[0], units[units.length - 1], UNIT_MIN],
    );
    count = result.rowCount ?? 0;
  } catch (error) {
    if (pgError(error).code === PG.checkViolation) throw new BookingError('SLOT_FULL', 'That time is fully booked.', { cause: error });
    throw error;
  }
  if (count !== units.length) throw new BookingError('UNKNOWN_SERVICE', `Service ${serviceId} is not offered.`);
}

async function releaseUnits(c: Client, serviceId: string, units: number[]): Promise<void> {
  const released = await c.query('UPDATE slot_occupancy SET booked = booked - 1 WHERE service_id = $1 AND unit BETWEEN $2 AND $3', [serviceId, units[0], units[units.length - 1]]);
  if (released.rowCount !== units.length) throw new ConciergeError('STORE_INCONSISTENT', `occupancy of ${serviceId} does not match its bookings`);
  // Rows at zero stay: deleting them would make a concurrent taker wait for this whole
  // transaction and re-insert, a lock pattern that can deadlock. Readers skip booked = 0.
}

/** Open a Postgres booking store: creates the schema and applies migrations when needed. */
export async function openPostgresBookingStore(options: PostgresBookingStoreOptions): Promise<PostgresBookingStore> {
  const store = new PostgresBookingStore(options);
  try {
    store.appliedMigrations = await store.migrate();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}
