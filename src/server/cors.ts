import fastifyCors, { type FastifyCorsOptions } from '@fastify/cors';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** Paths another site's page may call: what the chat widget needs, nothing of the owner's. */
const CROSS_ORIGIN_PATH = /^\/(threads(\/|$)|assistants(\/|$)|v1\/(client-config|services|availability|business)$|healthz$)/;

/**
 * Cross-origin access for the embeddable chat widget (`--cors-origin`). The owner's routes and
 * `/stats` stay same-origin even on an allowed origin: in dev mode every caller is an admin,
 * and a preflight that passed would let another site's page cancel bookings.
 */
export function registerCors(app: FastifyInstance, origins: '*' | readonly string[]): void {
  const base: FastifyCorsOptions = {
    origin: origins === '*' ? '*' : [...origins],
    methods: ['GET', 'POST', 'OPTIONS'],
    allowedHeaders: ['content-type', 'x-api-key', 'x-customer-id'],
    exposedHeaders: ['retry-after', 'retry-after-ms', 'content-location'],
    maxAge: 600,
  };
  void app.register(fastifyCors, {
    delegator: (request: FastifyRequest, callback: (error: Error | null, options?: FastifyCorsOptions) => void) => {
      const path = request.url.split('?')[0] ?? '';
      callback(null, CROSS_ORIGIN_PATH.test(path) ? base : { origin: false });
    },
  });
}
