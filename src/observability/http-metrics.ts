import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ServerMetrics } from './server-metrics.js';

/** The `http_route` of a request that matched no route: a fixed value, never the path asked for. */
export const UNMATCHED_ROUTE = 'unmatched';

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'CONNECT', 'TRACE']);

/** The route pattern (`/threads/:threadId/runs/wait`), or UNMATCHED_ROUTE. */
export function routeLabel(request: FastifyRequest): string {
  return request.routeOptions.url ?? UNMATCHED_ROUTE;
}

/** OpenTelemetry's rule for `http.request.method`: known methods as they are, anything else `_OTHER`. */
export function methodLabel(method: string): string {
  return KNOWN_METHODS.has(method) ? method : '_OTHER';
}

/**
 * `http_server_request_duration_seconds` for every response, streams included (fastify
 * calls onResponse when the last byte has gone, hijacked replies too), labelled by route
 * pattern so that a thread id never becomes a label value.
 */
export function installHttpMetrics(app: FastifyInstance, metrics: ServerMetrics): void {
  app.addHook('onResponse', (request, reply, done) => {
    metrics.httpRequestDuration.observe(
      { http_request_method: methodLabel(request.method), http_route: routeLabel(request), http_response_status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    done();
  });
}
