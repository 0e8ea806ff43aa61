import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { customerHash } from './customer-hash.js';
import { routeLabel } from './http-metrics.js';

/**
 * One log line per request, when its response has been sent (fastify's default is two, and
 * logs the whole request object): request id, method, route pattern, path, status, duration,
 * the thread it concerns and a hash of the customer. Bodies and headers are never part of it.
 */
export class RequestLogController extends LogController {
  readonly #customerOf: (request: FastifyRequest) => string | undefined;

  constructor(customerOf: (request: FastifyRequest) => string | undefined) {
    super({ requestIdLogLabel: 'reqId' });
    this.#customerOf = customerOf;
  }

  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const status = reply.statusCode;
    const level = status >= 500 || error ? 'error' : 'info';
    if ((request.log as Partial<Pick<Logger, 'isLevelEnabled'>>).isLevelEnabled?.(level) === false) return;
    const customer = this.#customerOf(request);
    const threadId = (request.params as { threadId?: unknown } | undefined)?.threadId;
    request.log[level](
      {
        method: request.method,
        route: routeLabel(request),
        path: request.url.split('?', 1)[0],
        status,
        durationMs: Math.round(reply.elapsedTime * 100) / 100,
        ...(typeof threadId === 'string' ? { threadId } : {}),
        ...(customer ? { customer: customerHash(customer) } : {}),
        ...(error ? { err: error } : {}),
      },
      'request',
    );
  }
}
