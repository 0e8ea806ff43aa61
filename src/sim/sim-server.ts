import Fastify, { type FastifyInstance } from 'fastify';
import { resolveSettings } from '../config/settings.js';
import { registerMetricsRoute } from '../observability/metrics-route.js';
import { createSimMetrics } from '../observability/sim-metrics.js';
import { OpenAiApiError, routeNotFound } from './openai-error.js';
import { SimEngine, type SimDeps } from './sim-engine.js';
import { simSettingSources, simSettingsSchema, type SimOptions } from './sim-settings.js';
import type { SimStats } from './sim-stats.js';
import { pumpStream } from './sse-pump.js';
import { LISTED_MODELS } from './wire-format.js';

export interface SimServer {
  /** Base URL without `/v1`, e.g. `http://127.0.0.1:8787`. */
  url: string;
  /** The options in force, after defaults. */
  options: SimOptions;
  stats(): SimStats;
  /** Zero the counters, as `POST /sim/reset` does. */
  resetStats(): void;
  close(): Promise<void>;
}

/** Largest request body accepted; OpenAI takes long conversations. */
const BODY_LIMIT_BYTES = 32 * 1024 * 1024;
const MODEL_CREATED = 1_721_172_741;

/**
 * Start the simulator. Options are validated like the CLI's flags (a bad one throws a
 * ConfigError naming it); the environment is not read. Prints nothing.
 */
export async function startSimServer(options: Partial<SimOptions> = {}, deps: SimDeps = {}): Promise<SimServer> {
  const resolved = resolveSettings(simSettingsSchema, simSettingSources, { flags: { ...options }, env: {} });
  const engine = new SimEngine(resolved, deps);
  const app = buildSimApp(engine);
  await app.listen({ port: resolved.port, host: resolved.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : resolved.port;
  return {
    url: `http://${urlHost(resolved.host)}:${port}`,
    options: resolved,
    stats: () => engine.stats(),
    resetStats: () => engine.resetStats(),
    close: () => app.close(),
  };
}

/** The HTTP face of the engine: OpenAI's paths plus `/sim/stats`, `/sim/reset` and `/metrics`. */
export function buildSimApp(engine: SimEngine): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: BODY_LIMIT_BYTES,
    // Hanging requests (a fault) must not keep `close()` waiting.
    forceCloseConnections: true,
    keepAliveTimeout: 65_000,
  });
  // Bodies arrive as text whatever their content type, so that the route can answer a
  // malformed one with OpenAI's own message; JSON.parse is also faster than the default
  // prototype-poisoning-safe parser, and nothing here merges parsed objects.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.setNotFoundHandler((req, reply) => {
    const e = routeNotFound(req.method, req.url);
    void reply.code(404).header('content-type', 'application/json').send(JSON.stringify(e.toBody()));
  });
  app.setErrorHandler((error: { statusCode?: number; message: string }, _req, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    const e =
      error instanceof OpenAiApiError
        ? error
        : new OpenAiApiError(status, { message: error.message, type: status < 500 ? 'invalid_request_error' : 'server_error', param: null, code: null });
    void reply.code(e.status).header('content-type', 'application/json').send(JSON.stringify(e.toBody()));
  });

  app.post('/v1/chat/completions', async (req, reply) => {
    const retryCount = Number(req.headers['x-stainless-retry-count'] ?? 0);
    engine.started(Number.isFinite(retryCount) ? retryCount : 0);
    const raw = reply.raw;
    raw.once('close', () => engine.finished(!raw.writableFinished));
    const result = await engine.chatCompletion(typeof req.body === 'string' ? req.body : '');
    if (result.kind === 'json') {
      return reply.code(result.status).headers(result.headers).header('content-type', 'application/json').send(result.body);
    }
    reply.hijack();
    if (result.kind === 'hang') return reply;
    try {
      result.done(await pumpStream(raw, result.headers, result.stream, engine.clock));
    } catch {
      result.done(false);
      raw.destroy();
    }
    return reply;
  });

  app.get('/v1/models', async (_req, reply) =>
    reply.header('content-type', 'application/json').send(JSON.stringify({ object: 'list', data: LISTED_MODELS.map(model) })),
  );
  app.get<{ Params: { id: string } }>('/v1/models/:id', async (req, reply) => {
    if (!LISTED_MODELS.includes(req.params.id)) {
      const e = new OpenAiApiError(404, {
        message: `The model '${req.params.id}' does not exist`,
        type: 'invalid_request_error',
        param: 'model',
        code: 'model_not_found',
      });
      return reply.code(404).header('content-type', 'application/json').send(JSON.stringify(e.toBody()));
    }
    return reply.header('content-type', 'application/json').send(JSON.stringify(model(req.params.id)));
  });

  app.get('/sim/stats', async () => engine.stats());
  app.post('/sim/reset', async () => {
    engine.resetStats();
    return { ok: true };
  });
  registerMetricsRoute(app, createSimMetrics(() => engine.stats()));
  return app;
}

function model(id: string): Record<string, unknown> {
  return { id, object: 'model', created: MODEL_CREATED, owned_by: 'system' };
}

function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
