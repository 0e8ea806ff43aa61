import type { FastifyInstance } from 'fastify';

export interface OpsDeps {
  /** Checks that must pass for the server to take traffic (database, LLM endpoint). */
  readiness: () => Promise<Record<string, boolean>>;
  stats: () => Record<string, unknown>;
  resetStats: () => void;
  isShuttingDown: () => boolean;
}

export function registerOpsRoutes(app: FastifyInstance, deps: OpsDeps): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const checks = await deps.readiness();
    const ready = !deps.isShuttingDown() && Object.values(checks).every(Boolean);
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', shuttingDown: deps.isShuttingDown(), checks });
  });

  app.get('/stats', async () => deps.stats());
  app.post('/stats/reset', async () => {
    deps.resetStats();
    return { status: 'reset' };
  });
}
