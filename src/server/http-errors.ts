import type { FastifyError, FastifyInstance } from 'fastify';
import { ZodError } from 'zod';
import { ConciergeError, isConciergeError } from '../shared/errors.js';

export class NotFoundError extends ConciergeError {
  constructor(what: string) {
    super('NOT_FOUND', `${what} not found`, { status: 404 });
  }
}

export class ValidationError extends ConciergeError {
  constructor(message: string) {
    super('VALIDATION_FAILED', message, { status: 400 });
  }
}

/** Zod's issues as one readable line: `input.messages.0.content: Too big ...`. */
export function validationErrorFrom(error: ZodError): ValidationError {
  const parts = error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : 'body'}: ${issue.message}`);
  return new ValidationError(parts.join('; '));
}

/** Fastify's own error codes, mapped to ours. */
const FASTIFY_CODES: Record<string, { code: string; status: number }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'PAYLOAD_TOO_LARGE', status: 413 },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'UNSUPPORTED_MEDIA_TYPE', status: 415 },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'INVALID_JSON', status: 400 },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'INVALID_JSON', status: 400 },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'INVALID_REQUEST', status: 400 },
};

/**
 * Every error leaves the server as `{code, message}` with the right status. Unknown errors
 * are logged and answered with a generic 500 so internals never leak to callers.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | ConciergeError | Error, request, reply) => {
    if (isConciergeError(error)) {
      const retryAfterMs = (error as { retryAfterMs?: unknown }).retryAfterMs;
      if (typeof retryAfterMs === 'number') {
        // Retry-After takes whole seconds; retry-after-ms (as OpenAI sends it) keeps the precision.
        reply.header('retry-after', String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
        reply.header('retry-after-ms', String(Math.max(0, Math.round(retryAfterMs))));
      }
      return reply.status(error.status).send(error.toJSON());
    }
    if (error instanceof ZodError) return reply.status(400).send(validationErrorFrom(error).toJSON());
    const fastifyCode = (error as FastifyError).code;
    const mapped = fastifyCode ? FASTIFY_CODES[fastifyCode] : undefined;
    if (mapped) return reply.status(mapped.status).send({ code: mapped.code, message: error.message });
    if (error instanceof SyntaxError || (error as FastifyError).statusCode === 400) {
      return reply.status(400).send({ code: 'INVALID_JSON', message: `the request body is not valid JSON: ${error.message}` });
    }
    const status = (error as FastifyError).statusCode;
    if (status && status >= 400 && status < 500) return reply.status(status).send({ code: 'INVALID_REQUEST', message: error.message });
    request.log.error({ err: error }, 'unhandled error');
    return reply.status(500).send({ code: 'INTERNAL', message: 'internal server error' });
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({ code: 'NOT_FOUND', message: `no route ${request.method} ${request.url}` });
  });
}
