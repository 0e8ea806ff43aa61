import DatabaseConstructor, { type Database, type Statement } from 'better-sqlite3';
import { ConciergeError } from '../shared/errors.js';
import { BookingError } from './booking-error.js';
import type { Booking, BookingMove, BookingQuery, BookingStore, CatalogSyncResult, CreateResult, NewBooking } from './booking-store.js';
import type { Business } from './business.js';
import { generateConfirmationCode, type RandomInt } from './confirmation-code.js';
import { migrateSqlite } from '../store/migration-runner.js';
import { SQLITE_BOOKING_MIGRATIONS } from './sqlite-migrations.js';
import { BOOKING_COLUMNS, catalogFingerprint, rowToBooking, toCents, type BookingRow } from './store-rows.js';
import { UNIT_MIN, unitsCovering } from './time-units.js';
import { enableWal } from '../store/sqlite-wal.js';

export interface SqliteBookingStoreOptions {
  /** Database file, or `:memory:` (one connection only: for tests). */
  path: string;
  /**
   * How long a write waits for another connection's transaction before giving up with
   * STORE_BUSY. better-sqlite3 waits synchronously, so this also bounds how long the event
   * loop can stall. Default 5000 ms.
   */
  busyTimeoutMs?: number;
  /** Randomness for confirmation codes. Default: crypto.randomInt. */
  random?: RandomInt;
  /** Attempts at a fresh code when one collides with an existing booking. Default 8. */
  codeAttempts?: number;
}

/** The database stayed locked by other writers for longer than the busy timeout. */
function storeBusy(cause: unknown): ConciergeError {
  return new ConciergeError('STORE_BUSY', 'The booking database is busy; try again in a moment.', { cause });
}

class CodeCollision extends Error {}

function sqliteCode(error: unknown): string | undefined {
  return error instanceof DatabaseConstructor.SqliteError ? error.code : undefined;
}

/**
 * The embedded store: one SQLite file in WAL mode, shared safely by several connections
 * and processes. Every write is one `BEGIN IMMEDIATE` transaction, which takes the write
 * lock up front (so a transaction never fails half-way on a lock upgrade) and waits up to
 * the busy timeout for it; the CHECK on slot_occupancy decides who gets the last place.
 */
export class SqliteBookingStore implements BookingStore {
  readonly path: string;
  /** Migration versions this connection applied when it opened (empty when up to date). */
  readonly appliedMigrations: readonly number[];
  readonly #db: Database;
  readonly #random: RandomInt | undefined;
  readonly #codeAttempts: number;
  readonly #stmt: ReturnType<typeof prepareStatements>;
  readonly #listCache = new Map<string, Statement<unknown[], BookingRow>>();

  constructor(options: SqliteBookingStoreOptions) {
    this.path = options.path;
    this.#random = options.random;
    this.#codeAttempts = options.codeAttempts ?? 8;
    this.#db = new DatabaseConstructor(options.path);
    try {
      const busyTimeoutMs = Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000));
      this.#db.pragma(`busy_timeout = ${busyTimeoutMs}`);
      enableWal(this.#db, busyTimeoutMs);
      // NORMAL is durable against application crashes in WAL mode; only an OS crash can lose
      // the last commits, never corrupt the file.
      this.#db.pragma('synchronous = NORMAL');
      this.#db.pragma('foreign_keys = ON');
      this.appliedMigrations = this.migrate();
      this.#stmt = prepareStatements(this.#db);
    } catch (error) {
      this.#db.close();
      throw error;
    }
  }

  /** Apply pending migrations; returns the versions applied now (none on a restart). */
  migrate(): number[] {
    return this.#write(() => migrateSqlite(this.#db, SQLITE_BOOKING_MIGRATIONS));
  }

  async syncCatalog(business: Business): Promise<CatalogSyncResult> {
    const fingerprint = catalogFingerprint(business);
    return this.#write(() =>
      this.#db
        .transaction((): CatalogSyncResult => {
          const stored = this.#stmt.getMeta.get('catalog_fingerprint');
          if (stored?.value === fingerprint) return { changed: false };
          const now = Date.now();
          this.#stmt.deactivateServices.run(now);
          for (const s of business.services) {
            this.#stmt.upsertService.run({ id: s.id, name: s.name, description: s.description, duration_min: s.durationMin, price_cents: toCents(s.priceUsd), capacity: s.capacity, updated_at: now });
          }
          this.#stmt.setMeta.run('catalog_fingerprint', fingerprint);
          return { changed: true };
        })
        .immediate(),
    );
  }

  async createBooking(input: NewBooking): Promise<CreateResult> {
    const units = unitsCovering(input.start.getTime(), input.end.getTime());
    const request = `${input.serviceId}@${input.date} ${input.time}`;
    const attempt = this.#db.transaction((code: string): CreateResult => {
      if (input.idempotencyKey !== null) {
        const earlier = this.#stmt.byIdempotencyKey.get(input.customerId, input.idempotencyKey);
        if (earlier) return replay(earlier, request);
      }
      this.#takeUnits(input.serviceId, units);
      try {
        this.#stmt.insertBooking.run({
          code,
          customer_id: input.customerId,
          customer_name: input.customerName,
          service_id: input.serviceId,
          service_name: input.serviceName,
          local_date: input.date,
          local_time: input.time,
          local_end_time: input.endTime,
          start_at: input.start.getTime(),
          end_at: input.end.getTime(),
          duration_min: input.durationMin,
          price_cents: toCents(input.priceUsd),
          notes: input.notes,
          idempotency_key: input.idempotencyKey,
          idempotency_request: input.idempotencyKey === null ? null : request,
          created_at: input.now.getTime(),
        });
      } catch (error) {
        if (sqliteCode(error) === 'SQLITE_CONSTRAINT_UNIQUE' && String((error as Error).message).includes('bookings.code')) throw new CodeCollision();
        throw error;
      }
      return { booking: rowToBooking(this.#stmt.byCode.get(code)!), replayed: false };
    });
    for (let i = 0; ; i++) {
      try {
        return this.#write(() => attempt.immediate(generateConfirmationCode(this.#random)));
      } catch (error) {
        // A collision rolled everything back; a fresh code is a fresh attempt.
        if (error instanceof CodeCollision && i + 1 < this.#codeAttempts) continue;
        if (error instanceof CodeCollision) throw new ConciergeError('CODE_SPACE_EXHAUSTED', 'Could not find a free confirmation code.');
        throw error;
      }
    }
  }

  async cancelBooking(input: { customerId: string; code: string; now: Date }): Promise<Booking> {
    return this.#write(() =>
      this.#db
        .transaction((): Booking => {
          const row = this.#ownRow(input.customerId, input.code);
          if (row.status === 'cancelled') throw new BookingError('ALREADY_CANCELLED', `Booking ${row.code} is already cancelled.`);
          this.#releaseUnits(row.service_id, unitsCovering(Number(row.start_at), Number(row.end_at)));
          this.#stmt.markCancelled.run({ now: input.now.getTime(), code: input.code, customer_id: input.customerId });
          return rowToBooking(this.#stmt.byCode.get(input.code)!);
        })
        .immediate(),
    );
  }

  async rescheduleBooking(input: BookingMove): Promise<Booking> {
    return this.#write(() =>
      this.#db
        .transaction((): Booking => {
          const row = this.#ownRow(input.customerId, input.code);
          if (row.status === 'cancelled') throw new BookingError('ALREADY_CANCELLED', `Booking ${row.code} is cancelled.`);
          // Release first so a move that overlaps the booking's own time does not count itself.
          this.#releaseUnits(row.service_id, unitsCovering(Number(row.start_at), Number(row.end_at)));
          this.#takeUnits(row.service_id, unitsCovering(input.start.getTime(), input.end.getTime()));
          this.#stmt.moveBooking.run({
            code: input.code,
            customer_id: input.customerId,
            local_date: input.date,
            local_time: input.time,
            local_end_time: input.endTime,
            start_at: input.start.getTime(),
            end_at: input.end.getTime(),
            updated_at: input.now.getTime(),
          });
          return rowToBooking(this.#stmt.byCode.get(input.code)!);
        })
        .immediate(),
    );
  }

  async getBooking(code: string): Promise<Booking | undefined> {
    const row = this.#read(() => this.#stmt.byCode.get(code));
    return row ? rowToBooking(row) : undefined;
  }

  async getCustomerBooking(customerId: string, code: string): Promise<Booking | undefined> {
    const row = this.#read(() => this.#stmt.byCustomerCode.get(code, customerId));
    return row ? rowToBooking(row) : undefined;
  }

  async listBookings(query: BookingQuery): Promise<Booking[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.customerId !== undefined) where.push('customer_id = ?'), params.push(query.customerId);
    if (query.status !== undefined) where.push('status = ?'), params.push(query.status);
    if (query.from !== undefined) where.push('start_at >= ?'), params.push(query.from.getTime());
    if (query.to !== undefined) where.push('start_at < ?'), params.push(query.to.getTime());
    const sql = `SELECT ${BOOKING_COLUMNS} FROM bookings ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY start_at, id LIMIT ? OFFSET ?`;
    params.push(query.limit ?? -1, query.offset ?? 0);
    let stmt = this.#listCache.get(sql);
    if (!stmt) {
      stmt = this.#db.prepare<unknown[], BookingRow>(sql);
      this.#listCache.set(sql, stmt);
    }
    const rows = this.#read(() => stmt.all(...params));
    return rows.map(rowToBooking);
  }

  async occupancy(input: { serviceId: string; from: Date; to: Date }): Promise<Map<number, number>> {
    const fromUnit = Math.floor(input.from.getTime() / 60_000 / UNIT_MIN) * UNIT_MIN;
    const toUnit = Math.ceil(input.to.getTime() / 60_000 / UNIT_MIN) * UNIT_MIN;
    const rows = this.#read(() => this.#stmt.occupancy.all(input.serviceId, fromUnit, toUnit));
    return new Map(rows.map((r) => [r.unit, r.booked]));
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }

  /** Take one place in each unit, or throw: SLOT_FULL from the CHECK, UNKNOWN_SERVICE if the service is not stored. */
  #takeUnits(serviceId: string, units: number[]): void {
    const first = units[0]!;
    const last = units[units.length - 1]!;
    let changed: number;
    try {
      changed = this.#stmt.takeUnits.run({ service_id: serviceId, first, last, step: UNIT_MIN }).changes;
    } catch (error) {
      if (sqliteCode(error) === 'SQLITE_CONSTRAINT_CHECK') throw new BookingError('SLOT_FULL', 'That time is fully booked.', { cause: error });
      throw error;
    }
    if (changed !== units.length) throw new BookingError('UNKNOWN_SERVICE', `Service ${serviceId} is not offered.`);
  }

  #releaseUnits(serviceId: string, units: number[]): void {
    const released = this.#stmt.releaseUnits.run({ service_id: serviceId, first: units[0]!, last: units[units.length - 1]! }).changes;
    // Every unit of a confirmed booking holds a place; anything else means the rows were
    // edited by hand, and writing on would hide it.
    if (released !== units.length) throw new ConciergeError('STORE_INCONSISTENT', `occupancy of ${serviceId} does not match its bookings`);
    this.#stmt.dropEmptyUnits.run({ service_id: serviceId, first: units[0]!, last: units[units.length - 1]! });
  }

  #ownRow(customerId: string, code: string): BookingRow {
    const row = this.#stmt.byCustomerCode.get(code, customerId);
    if (!row) throw new BookingError('BOOKING_NOT_FOUND', `No booking ${code} for this customer.`);
    return row;
  }

  #write<T>(fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      if (sqliteCode(error) === 'SQLITE_BUSY') throw storeBusy(error);
      throw error;
    }
  }

  #read<T>(fn: () => T): T {
    return this.#write(fn);
  }
}

function replay(earlier: BookingRow & { idempotency_request: string | null }, request: string): CreateResult {
  if (earlier.idempotency_request !== request) {
    throw new BookingError('IDEMPOTENCY_KEY_REUSED', `This idempotency key was already used for booking ${earlier.code} (${earlier.idempotency_request}).`, {
      details: { code: earlier.code },
    });
  }
  return { booking: rowToBooking(earlier), replayed: true };
}

function prepareStatements(db: Database) {
  return {
    getMeta: db.prepare<[string], { value: string }>('SELECT value FROM catalog_meta WHERE key = ?'),
    setMeta: db.prepare<[string, string]>('INSERT INTO catalog_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
    deactivateServices: db.prepare<[number]>('UPDATE services SET active = 0, updated_at = ? WHERE active = 1'),
    upsertService: db.prepare<[Record<string, unknown>]>(
      `INSERT INTO services (id, name, description, duration_min, price_cents, capacity, active, updated_at)
       VALUES (:id, :name, :description, :duration_min, :price_cents, :capacity, 1, :updated_at)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, description = excluded.description, duration_min = excluded.duration_min,
         price_cents = excluded.price_cents, capacity = excluded.capacity, active = 1, updated_at = excluded.updated_at`,
    ),
    // One statement takes every unit of the booking: each row is inserted with booked = 1 or
    // incremented, and capacity is refreshed from the catalogue; CHECK (booked <= capacity)
    // aborts the statement when any unit is full. An inactive or unknown service yields no
    // rows, which the caller reports.
    takeUnits: db.prepare<[Record<string, unknown>]>(
      `WITH RECURSIVE span (unit) AS (SELECT :first UNION ALL SELECT unit + :step FROM span WHERE unit < :last)
       INSERT INTO slot_occupancy (service_id, unit, booked, capacity)
       SELECT s.id, span.unit, 1, s.capacity FROM span JOIN services s ON s.id = :service_id AND s.active = 1 WHERE true
       ON CONFLICT (service_id, unit) DO UPDATE SET booked = booked + 1, capacity = excluded.capacity`,
    ),
    releaseUnits: db.prepare<[Record<string, unknown>]>('UPDATE slot_occupancy SET booked = booked - 1 WHERE service_id = :service_id AND unit BETWEEN :first AND :last'),
    dropEmptyUnits: db.prepare<[Record<string, unknown>]>('DELETE FROM slot_occupancy WHERE service_id = :service_id AND unit BETWEEN :first AND :last AND booked = 0'),
    insertBooking: db.prepare<[Record<string, unknown>]>(
      `INSERT INTO bookings (code, customer_id, customer_name, service_id, service_name, local_date, local_time, local_end_time, start_at, end_at,
         duration_min, price_cents, status, notes, idempotency_key, idempotency_request, created_at, updated_at)
       VALUES (:code, :customer_id, :customer_name, :service_id, :service_name, :local_date, :local_time, :local_end_time, :start_at, :end_at,
         :duration_min, :price_cents, 'confirmed', :notes, :idempotency_key, :idempotency_request, :created_at, :created_at)`,
    ),
    markCancelled: db.prepare<[Record<string, unknown>]>(
      `UPDATE bookings SET status = 'cancelled', cancelled_at = :now, updated_at = :now, idempotency_key = NULL, idempotency_request = NULL
       WHERE code = :code AND customer_id = :customer_id AND status = 'confirmed'`,
    ),
    moveBooking: db.prepare<[Record<string, unknown>]>(
      `UPDATE bookings SET local_date = :local_date, local_time = :local_time, local_end_time = :local_end_time, start_at = :start_at, end_at = :end_at, updated_at = :updated_at,
         idempotency_key = NULL, idempotency_request = NULL
       WHERE code = :code AND customer_id = :customer_id AND status = 'confirmed'`,
    ),
    byCode: db.prepare<[string], BookingRow>(`SELECT ${BOOKING_COLUMNS} FROM bookings WHERE code = ?`),
    byCustomerCode: db.prepare<[string, string], BookingRow>(`SELECT ${BOOKING_COLUMNS} FROM bookings WHERE code = ? AND customer_id = ?`),
    byIdempotencyKey: db.prepare<[string, string], BookingRow & { idempotency_request: string | null }>(
      `SELECT ${BOOKING_COLUMNS}, idempotency_request FROM bookings WHERE customer_id = ? AND idempotency_key = ?`,
    ),
    occupancy: db.prepare<[string, number, number], { unit: number; booked: number }>('SELECT unit, booked FROM slot_occupancy WHERE service_id = ? AND unit >= ? AND unit < ? AND booked > 0'),
  };
}

/** Open (creating and migrating when needed) a SQLite booking store. */
export async function openSqliteBookingStore(options: SqliteBookingStoreOptions): Promise<SqliteBookingStore> {
  return new SqliteBookingStore(options);
}
