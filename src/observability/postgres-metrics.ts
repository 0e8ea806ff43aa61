import type { ServerMetrics } from './server-metrics.js';

/** What is read from a `pg.Pool`. */
export interface PoolLike {
  readonly totalCount: number;
  readonly idleCount: number;
  readonly waitingCount: number;
  query(sql: string): Promise<unknown>;
}

/**
 * A Postgres pool as metrics, read at each scrape: its connections by state, and whether the
 * database answers a `SELECT 1` within `probeTimeoutMs`. A pool with callers already waiting
 * for a connection is busy, not down: it is not probed then (the probe would only queue
 * behind them) and keeps its last answer.
 */
export function watchPostgresPool(metrics: ServerMetrics, pool: PoolLike, options: { probeTimeoutMs?: number } = {}): void {
  const probeTimeoutMs = options.probeTimeoutMs ?? 1000;
  metrics.onScrape(async () => {
    metrics.dbPoolConnections.set({ state: 'total' }, pool.totalCount);
    metrics.dbPoolConnections.set({ state: 'idle' }, pool.idleCount);
    metrics.dbPoolConnections.set({ state: 'waiting' }, pool.waitingCount);
    if (pool.waitingCount > 0) return;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), probeTimeoutMs);
    });
    const answered = pool.query('SELECT 1').then(
      () => true,
      () => false,
    );
    const up = await Promise.race([answered, timedOut]);
    clearTimeout(timer);
    metrics.dependencyUp.set({ dependency: 'postgres' }, up ? 1 : 0);
  });
}
