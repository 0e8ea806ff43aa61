import Fastify, { type FastifyInstance } from 'fastify';

export interface Exposition {
  render(): Promise<string>;
  readonly contentType: string;
}

/** `GET /metrics` in Prometheus text format. Who may read it is the app's business (its auth hook). */
export function registerMetricsRoute(app: FastifyInstance, exposition: Exposition): void {
  app.get('/metrics', async (_request, reply) => reply.header('content-type', exposition.contentType).header('cache-control', 'no-store').send(await exposition.render()));
}

export interface MetricsListener {
  url: string;
  close(): Promise<void>;
}

/**
 * `/metrics` alone on a port of its own, without a key: for a scraper inside the cluster
 * (Kubernetes pod annotations, a sidecar) while the API port stays behind keys. Bind it to
 * loopback or to the cluster network only.
 */
export async function startMetricsListener(options: { host: string; port: number; exposition: Exposition }): Promise<MetricsListener> {
  const app = Fastify({ logger: false, forceCloseConnections: true });
  registerMetricsRoute(app, options.exposition);
  await app.listen({ host: options.host, port: options.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return { url: `http://${host}:${port}/metrics`, close: () => app.close() };
}
