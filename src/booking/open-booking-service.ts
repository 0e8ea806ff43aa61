import type pg from 'pg';
import { BookingService, type BookingServiceOptions } from './booking-service.js';
import type { BookingStore } from './booking-store.js';
import type { Business } from './business.js';
import type { Clock } from '../shared/clock.js';
import { loadBusiness } from './load-business.js';
import { openPostgresBookingStore } from './postgres-booking-store.js';
import { openSqliteBookingStore } from './sqlite-booking-store.js';

export interface OpenBookingServiceOptions {
  /**
   * Where bookings live: a SQLite file (created on first start), `:memory:`, or a
   * `postgres://` / `postgresql://` URL for a database shared by several processes.
   */
  database: string;
  /** Postgres only: the schema holding the tables. Default `public`. */
  postgresSchema?: string;
  /** Postgres only: the process's pool (connections already in `postgresSchema`), kept open on close. */
  postgresPool?: pg.Pool;
  /** The owner's business file (JSON or YAML); the demo business when absent. */
  businessFile?: string;
  /** A business already loaded; wins over `businessFile`. */
  business?: Business;
  clock?: Clock;
  /** SQLite only: how long a write waits for the lock. Default 5000 ms. */
  busyTimeoutMs?: number;
  /** Told the outcome of every booking action (metrics). */
  onOutcome?: BookingServiceOptions['onOutcome'];
}

export function isPostgresUrl(database: string): boolean {
  return /^postgres(ql)?:\/\//i.test(database);
}

/**
 * Everything a server needs in one call: load the business, open (and migrate) the store,
 * bring its catalogue up to date, and return the service. `close()` closes the store.
 */
export async function openBookingService(options: OpenBookingServiceOptions): Promise<BookingService> {
  const business = options.business ?? (await loadBusiness(options.businessFile));
  const store: BookingStore = isPostgresUrl(options.database)
    ? await openPostgresBookingStore({
        connectionString: options.database,
        ...(options.postgresSchema ? { schema: options.postgresSchema } : {}),
        ...(options.postgresPool ? { pool: options.postgresPool } : {}),
      })
    : await openSqliteBookingStore({ path: options.database, ...(options.busyTimeoutMs !== undefined ? { busyTimeoutMs: options.busyTimeoutMs } : {}) });
  try {
    await store.syncCatalog(business);
  } catch (error) {
    await store.close();
    throw error;
  }
  return new BookingService({ store, business, ...(options.clock ? { clock: options.clock } : {}), ...(options.onOutcome ? { onOutcome: options.onOutcome } : {}) });
}
