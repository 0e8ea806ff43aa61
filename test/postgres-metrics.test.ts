import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { watchPostgresPool } from '../src/observability/postgres-metrics.js';
import { createServerMetrics } from '../src/observability/server-metrics.js';
import { parseExposition, valueOf } from './helpers/scrape.js';

describe('Postgres pool metrics', () => {
  const pools: pg.Pool[] = [];
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.end()));
  });

  it('report the pool by state and that the database answers', async () => {
    const pool = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:5432/test', max: 3 });
    pools.push(pool);
    const metrics = createServerMetrics();
    watchPostgresPool(metrics, pool);
    const held = await pool.connect();
    try {
      const exposition = parseExposition(await metrics.render());
      expect(valueOf(exposition, 'concierge_dependency_up', { dependency: 'postgres' })).toBe(1);
      // The pool as the application left it, read before the probe: one connection, held.
      expect(valueOf(exposition, 'concierge_db_pool_connections', { state: 'total' })).toBe(1);
      expect(valueOf(exposition, 'concierge_db_pool_connections', { state: 'idle' })).toBe(0);
      expect(valueOf(exposition, 'concierge_db_pool_connections', { state: 'waiting' })).toBe(0);
    } finally {
      held.release();
    }
  });

  it('report a database that does not answer as down', async () => {
    // Nothing listens on port 1; the pool's connection attempt fails at once.
    const pool = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:1/test', connectionTimeoutMillis: 500 });
    pools.push(pool);
    pool.on('error', () => {});
    const metrics = createServerMetrics();
    watchPostgresPool(metrics, pool, { probeTimeoutMs: 1000 });
    const exposition = parseExposition(await metrics.render());
    expect(valueOf(exposition, 'concierge_dependency_up', { dependency: 'postgres' })).toBe(0);
    expect(exposition.samples.find((s) => s.name === 'concierge_dependency_up')?.labels).toEqual({ dependency: 'postgres' });
  });
});
