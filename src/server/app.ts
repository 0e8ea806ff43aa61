import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { AgentGraph } from '../agent/graph.js';
import type { BookingService } from '../booking/booking-service.js';
import { installHttpMetrics } from '../observability/http-metrics.js';
import { registerMetricsRoute } from '../observability/metrics-route.js';
import { RequestLogController } from '../observability/request-log.js';
import type { ServerMetrics } from '../observability/server-metrics.js';
import { ConciergeError } from '../shared/errors.js';
import type { Authenticator, Principal } from './auth.js';
import { registerCors } from './cors.js';
import { clientErrorHandler, frameworkErrorHandler, installErrorHandling } from './http-errors.js';
import { registerAgentRoutes } from './routes/agent-routes.js';
import { registerOpsRoutes, type OpsDeps } from './routes/ops-routes.js';
import { registerOwnerRoutes } from './routes/owner-routes.js';
import { registerWebRoutes, WEB_PUBLIC_PATHS } from './routes/web-routes.js';
import type { RunExecutor } from './run-executor.js';
import type { RunStore } from '../store/run-store.js';

export interface AppDeps {
  graph: AgentGraph;
  store: RunStore;
  executor: RunExecutor;
  bookings: BookingService;
  authenticator: Authenticator;
  ops: OpsDeps;
  bodyLimitBytes: number;
  maxMessageChars: number;
  /** Sent as `x-concierge-replica` on every answer: which replica served it (behind a balancer). */
  replicaId?: string;
  /** Origins whose pages may call the agent API (the chat widget); none when absent. */
  corsOrigin?: '*' | readonly string[] | undefined;
  /** Where the built pages are (default: the package's dist/web). */
  webAssetsDir?: string;
  /** The process's logger; without one nothing is logged. */
  logger?: Logger;
  /** Without metrics there is no `/metrics` route and requests are not timed. */
  metrics?: ServerMetrics;
}

/** Routes that answer without a key: probes, the public catalogue, and the pages. */
const PUBLIC_ROUTES = new Set(['/healthz', '/readyz', '/v1/services', '/v1/availability', '/v1/business', ...WEB_PUBLIC_PATHS]);
const ADMIN_ROUTES = new Set(['/stats', '/stats/reset', '/metrics']);
const PROBES = new Set(['/healthz', '/readyz']);
/** Routes that also take the key as `Authorization: Bearer`, which is how Prometheus sends one. */
const BEARER_ROUTES = new Set(['/metrics']);

/** A request id a proxy in front of us may have set, if it looks like one; otherwise ours. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function buildApp(deps: AppDeps): FastifyInstance {
  const principals = new WeakMap<FastifyRequest, Principal>();
  const app = Fastify({
    bodyLimit: deps.bodyLimitBytes,
    ...(deps.logger ? { loggerInstance: deps.logger as FastifyBaseLogger } : {}),
    logController: new RequestLogController((request) => principals.get(request)?.customerId),
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    // Runs can last minutes under load; the run timeout, not the socket, decides.
    requestTimeout: 0,
    keepAliveTimeout: 65_000,
    // Our own 503 below keeps the {code, message} shape, and so do the errors raised before
    // routing (frameworkErrors) or in the HTTP parser (clientErrorHandler).
    return503OnClosing: false,
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
  });
  installErrorHandling(app);
  // Bodies are JSON only: fastify would otherwise parse text/plain into a string that then
  // fails validation with a misleading 400, where 415 says what is wrong.
  app.removeContentTypeParser('text/plain');
  // Before the auth hook, so that refusals (401, 403) carry the CORS headers and a widget can read them.
  if (deps.corsOrigin) registerCors(app, deps.corsOrigin);
  // While shutting down, tell clients not to reuse the connection, so it closes after the answer.
  app.addHook('onSend', async (request, reply) => {
    void reply.header('x-request-id', request.id);
    if (deps.ops.isShuttingDown()) void reply.header('connection', 'close');
  });
  if (deps.metrics) installHttpMetrics(app, deps.metrics);

  app.addHook('onRequest', async (request, reply) => {
    // On the raw response, so that streams (written past fastify) carry it too.
    if (deps.replicaId) reply.raw.setHeader('x-concierge-replica', deps.replicaId);
    const path = request.routeOptions.url ?? request.url;
    // Probes still answer while the server drains: /readyz says 503, so balancers stop sending.
    if (deps.ops.isShuttingDown() && !PROBES.has(path)) {
      throw new ConciergeError('SHUTTING_DOWN', 'the server is shutting down; retry on another instance or in a moment', { retryAfterMs: 5000 });
    }
    // OPTIONS is only ever a CORS preflight, which carries no key by design.
    if (PUBLIC_ROUTES.has(path) || request.method === 'OPTIONS') return;
    const principal = deps.authenticator.authenticate(request.headers, { bearer: BEARER_ROUTES.has(path) });
    if (ADMIN_ROUTES.has(path) && !principal.admin) throw new ConciergeError('FORBIDDEN', 'this route needs an admin key');
    principals.set(request, principal);
  });
  const principalOf = (request: FastifyRequest): Principal => {
    const principal = principals.get(request);
    if (!principal) throw new ConciergeError('UNAUTHENTICATED', 'missing x-api-key header');
    return principal;
  };

  registerAgentRoutes(app, { graph: deps.graph, store: deps.store, executor: deps.executor, maxMessageChars: deps.maxMessageChars, principalOf });
  registerOwnerRoutes(app, { bookings: deps.bookings, principalOf });
  registerOpsRoutes(app, deps.ops);
  if (deps.metrics) registerMetricsRoute(app, deps.metrics);
  registerWebRoutes(app, {
    ...(deps.webAssetsDir ? { assetsDir: deps.webAssetsDir } : {}),
    clientConfig: { devMode: deps.authenticator.devMode, businessName: deps.bookings.business.name, maxMessageChars: deps.maxMessageChars },
  });
  return app;
}
