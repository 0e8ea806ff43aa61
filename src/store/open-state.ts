import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { BaseCheckpointSaver } from '@langchain/langgraph';
import { SqliteSaver } from '@langchain/langgraph-checkpoint-sqlite';
import type pg from 'pg';
import { createPostgresCheckpointPruner, createSqliteCheckpointPruner, type CheckpointPruner } from '../agent/checkpoint-pruning.js';
import type { BookingService } from '../booking/booking-service.js';
import { openBookingService } from '../booking/open-booking-service.js';
import { POSTGRES_BOOKING_MIGRATIONS } from '../booking/postgres-migrations.js';
import { migratePostgres, withMigrationLock } from './migration-runner.js';
import { FencedPostgresSaver, type WriteFence } from './postgres-checkpoint-saver.js';
import { openPostgresPool } from './postgres-pool.js';
import { PostgresRunStore } from './postgres-run-store.js';
import { POSTGRES_RUN_MIGRATIONS } from './run-store-migrations.js';
import type { RunStore } from './run-store.js';
import { openSqliteRunStore } from './sqlite-run-store.js';

export interface StateOptions {
  /** The embedded SQLite file (or `:memory:`), used when `databaseUrl` is absent. */
  db: string;
  /** A Postgres URL: every replica given the same URL and schema shares one state. */
  databaseUrl?: string | undefined;
  /** Postgres schema holding every table (created when missing). Default `public`. */
  databaseSchema?: string;
  /** Connections this process may hold. Default 10. */
  databasePoolSize?: number;
  /** Postgres commits that wait for the disk flush (see the serve setting). Default `bookings`. */
  durableCommits?: 'bookings' | 'all';
  model: string;
  businessFile?: string | undefined;
  /** Checkpoints kept per thread after each run. Default 2. */
  keepCheckpoints?: number;
  /** Told the outcome of every booking attempt (metrics). */
  onBookingOutcome?: (outcome: string) => void;
}

/** Everything a server keeps: bookings, threads and runs, and the conversations' checkpoints. */
export interface State {
  kind: 'sqlite' | 'postgres';
  bookings: BookingService;
  runs: RunStore;
  checkpointer: BaseCheckpointSaver;
  pruner: CheckpointPruner | undefined;
  /** Postgres only: the one pool of the process. */
  pool: pg.Pool | undefined;
  /** Migration versions applied by this start, by component (empty when up to date). */
  migrated: Record<string, number[]>;
  /** Throws when the database cannot answer. */
  ping(): Promise<void>;
  /**
   * Refuse checkpoint writes of runs this process no longer owns (Postgres; on SQLite one
   * process owns the file and there is nobody to overwrite).
   */
  setWriteFence(fence: WriteFence): void;
  close(): Promise<void>;
}

/**
 * Open the state the server runs on: the embedded SQLite file by default, or a shared
 * Postgres database. On Postgres every table (bookings, runs, LangGraph's checkpoints) lives
 * in one schema and one pool, and every migration, the checkpointer's `setup()` included,
 * runs under the schema's advisory lock, so replicas starting together migrate once.
 */
export async function openState(options: StateOptions): Promise<State> {
  return options.databaseUrl ? openPostgresState({ ...options, databaseUrl: options.databaseUrl }) : openSqliteState(options);
}

async function openSqliteState(options: StateOptions): Promise<State> {
  if (options.db !== ':memory:') mkdirSync(dirname(options.db), { recursive: true });
  const closers: Array<() => Promise<void> | void> = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await Promise.resolve(close()).catch(() => undefined);
  };
  try {
    const bookings = await openBookingService({
      database: options.db,
      ...(options.businessFile ? { businessFile: options.businessFile } : {}),
      ...(options.onBookingOutcome ? { onOutcome: options.onBookingOutcome } : {}),
    });
    closers.push(() => bookings.close());
    const runs = openSqliteRunStore({ path: options.db, model: options.model });
    closers.push(() => runs.close());
    const checkpointer = SqliteSaver.fromConnString(options.db);
    closers.push(() => (checkpointer as unknown as { db: { close(): void } }).db.close());
    const pruner = options.db === ':memory:' ? undefined : createSqliteCheckpointPruner(options.db, options.keepCheckpoints ?? 2);
    if (pruner) closers.push(() => pruner.close());
    return { kind: 'sqlite', bookings, runs, checkpointer, pruner, pool: undefined, migrated: {}, ping: () => runs.ping(), setWriteFence: () => {}, close: closeAll };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

async function openPostgresState(options: StateOptions & { databaseUrl: string }): Promise<State> {
  const schema = options.databaseSchema ?? 'public';
  const pool = openPostgresPool({
    url: options.databaseUrl,
    schema,
    ...(options.databasePoolSize ? { size: options.databasePoolSize } : {}),
    // Bookings wait for the flush whatever this says (their transactions ask for it).
    synchronousCommit: (options.durableCommits ?? 'bookings') === 'all',
  });
  // Leases, sweeps and readiness on connections of their own (see PostgresRunStore).
  const controlPool = openPostgresPool({ url: options.databaseUrl, schema, size: 2, connectionTimeoutMs: 5000, synchronousCommit: (options.durableCommits ?? 'bookings') === 'all' });
  try {
    const migrated = await migratePostgres(pool, schema, [POSTGRES_BOOKING_MIGRATIONS, POSTGRES_RUN_MIGRATIONS]);
    const checkpointer = new FencedPostgresSaver(pool, { schema });
    // setup() has no lock of its own: under ours, ten replicas create its tables once.
    // It runs on another connection of the pool while this transaction holds the lock.
    await withMigrationLock(pool, schema, () => checkpointer.setup());
    const bookings = await openBookingService({
      database: options.databaseUrl,
      postgresSchema: schema,
      postgresPool: pool,
      ...(options.businessFile ? { businessFile: options.businessFile } : {}),
      ...(options.onBookingOutcome ? { onOutcome: options.onBookingOutcome } : {}),
    });
    const runs = new PostgresRunStore({ pool, controlPool, model: options.model });
    const pruner = createPostgresCheckpointPruner(pool, options.keepCheckpoints ?? 2);
    return {
      kind: 'postgres',
      bookings,
      runs,
      checkpointer,
      pruner,
      pool,
      migrated,
      ping: () => runs.ping(),
      setWriteFence(fence) {
        checkpointer.fence = fence;
      },
      async close() {
        await bookings.close().catch(() => undefined);
        await pool.end().catch(() => undefined);
        await controlPool.end().catch(() => undefined);
      },
    };
  } catch (error) {
    await pool.end().catch(() => undefined);
    await controlPool.end().catch(() => undefined);
    throw error;
  }
}
