import { hostname } from 'node:os';
import { z } from 'zod';
import { field, type SettingSources } from './settings.js';

/**
 * What makes several `concierge serve` processes one service: the shared database, the
 * Redis that coordinates them, and each replica's identity and limits. None is needed by
 * the embedded default (SQLite, one process).
 */
export const clusterSettingsSchema = z.object({
  /** Postgres for every piece of state; without it, the embedded SQLite file (`--db`). */
  databaseUrl: z
    .string()
    .regex(/^postgres(ql)?:\/\/\S+$/i, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  /** Schema holding every table; one Postgres database can hold several isolated deployments. */
  databaseSchema: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier (letters, digits, _)')
    .default('public'),
  /** Connections one replica may hold (at least 2: migrations hold one while the checkpointer sets up on another). */
  databasePoolSize: field.positiveInt().min(2, 'must be at least 2').max(200, 'must be at most 200').default(10),
  /**
   * Which Postgres commits wait for the disk flush. `bookings`: a confirmed booking is
   * durable before the customer hears of it; conversation state, run records and leases are
   * committed without waiting (a database crash may lose their last fraction of a second,
   * never corrupt them: the durability SQLite's WAL mode gives the embedded default).
   * `all`: every commit waits (one flush per statement, the latency of the disk each time).
   */
  durableCommits: z.enum(['bookings', 'all']).default('bookings'),
  /** Redis for coordination: run events, cancels, wake-ups, shared admission demand (and the budget). */
  redisUrl: z
    .string()
    .regex(/^rediss?:\/\/\S+$/, 'must be a redis:// or rediss:// URL')
    .optional(),
  /** Prefix of every coordination key and channel: deployments sharing a Redis stay apart. */
  redisPrefix: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,64}$/, 'must be 1-64 letters, digits, or . _ : -')
    .default('concierge'),
  /** This replica's name in leases and `/stats`; unique among live replicas. */
  replicaId: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must be 1-128 letters, digits, or . _ : -')
    .default(`${hostname()}-${process.pid}`),
  /** How long a run's lease lasts without renewal: a dead replica's runs are interrupted after it. */
  leaseMs: field.positiveInt().min(500, 'must be at least 500').max(600_000, 'must be at most 600000').default(30_000),
  /** Runs this replica executes at once; more wait in the queue for any replica with room. */
  maxConcurrentRuns: field.positiveInt().max(10_000, 'must be at most 10000').default(100),
});

export type ClusterSettings = z.output<typeof clusterSettingsSchema>;

export const clusterSettingSources: SettingSources<z.input<typeof clusterSettingsSchema>> = {
  databaseUrl: { flag: '--database-url', env: 'CONCIERGE_DATABASE_URL', arg: '<url>', help: 'Postgres for all state, shared by replicas', defaultText: 'the SQLite file of --db', secret: true },
  databaseSchema: { flag: '--database-schema', env: 'CONCIERGE_DATABASE_SCHEMA', arg: '<name>', help: 'Postgres schema holding every table' },
  databasePoolSize: { flag: '--database-pool-size', env: 'CONCIERGE_DATABASE_POOL_SIZE', arg: '<n>', help: 'Postgres connections per replica (two more for leases and probes)' },
  durableCommits: { flag: '--durable-commits', env: 'CONCIERGE_DURABLE_COMMITS', arg: '<which>', help: 'Postgres commits that wait for the disk: bookings (conversation state and run records may lose their last moments in a database crash) or all' },
  redisUrl: { flag: '--redis-url', env: 'CONCIERGE_REDIS_URL', arg: '<url>', help: 'Redis for coordination (run events, cancels, wake-ups, admission demand) and the shared budget', secret: true },
  redisPrefix: { flag: '--redis-prefix', env: 'CONCIERGE_REDIS_PREFIX', arg: '<prefix>', help: 'prefix of every Redis key and channel of this deployment' },
  replicaId: { flag: '--replica-id', env: 'CONCIERGE_REPLICA_ID', arg: '<id>', help: "this replica's name in leases and /stats", defaultText: 'hostname-pid' },
  leaseMs: { flag: '--lease-ms', env: 'CONCIERGE_LEASE_MS', arg: '<ms>', help: "how long a run's lease lasts unrenewed; a dead replica's runs are interrupted after it" },
  maxConcurrentRuns: { flag: '--max-concurrent-runs', env: 'CONCIERGE_MAX_CONCURRENT_RUNS', arg: '<n>', help: 'runs this replica executes at once; more wait for any replica with room' },
};
