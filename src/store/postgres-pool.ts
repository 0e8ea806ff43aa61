import pg from 'pg';
import { assertSchemaName } from './migration-runner.js';

export interface PostgresPoolOptions {
  /** For example `postgres://user:pass@db:5432/concierge`. */
  url: string;
  /** Schema every connection resolves unqualified table names in. Default `public`. */
  schema?: string;
  /** Connections in the pool. Default 10. */
  size?: number;
  /** How long to wait for a connection (from the pool or the server) before failing. Default 10 s. */
  connectionTimeoutMs?: number;
  /**
   * Whether a commit waits for its WAL record to reach the disk (Postgres's default, true).
   * False: the commit returns at once and the WAL writer flushes within a few hundred ms; a
   * database crash can lose the last of those commits but never leaves a torn one. A
   * transaction that must be durable asks for it (`SET LOCAL synchronous_commit TO on`).
   */
  synchronousCommit?: boolean;
}

/**
 * The one pool of a process: bookings, threads and runs, checkpoints and pruning all borrow
 * from it, so a replica holds at most `size` connections whatever it does. pg's defaults
 * wait for a connection forever; a bounded wait turns an exhausted or unreachable database
 * into an error a request can report instead of a hang.
 */
export function openPostgresPool(options: PostgresPoolOptions): pg.Pool {
  const schema = assertSchemaName(options.schema ?? 'public');
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.size ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 10_000,
    options: `-c search_path=${schema}${options.synchronousCommit === false ? ' -c synchronous_commit=off' : ''}`,
  });
  // An idle connection dropped by the server must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  return pool;
}

/** Drop a schema and everything in it (benchmarks and tests clean up after themselves this way). */
export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${assertSchemaName(schema)} CASCADE`);
  } finally {
    await client.end();
  }
}
