import { maxHeaderSize, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z, ZodError } from 'zod';
import type { ErrorCode } from '../shared/error-catalogue.js';
import { ConciergeError, isConciergeError } from '../shared/errors.js';

export function notFound(what: string): ConciergeError {
  return new ConciergeError('NOT_FOUND', `${what} not found`);
}

export function validationFailed(message: string): ConciergeError {
  return new ConciergeError('VALIDATION_FAILED', message);
}

/** Zod's issues as one readable line: `input.messages.0.content: expected string, got number; ...`. */
export function validationFailedFrom(error: ZodError): ConciergeError {
  const parts = error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : 'body'}: ${issue.message}`);
  return validationFailed(parts.join('; '));
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/**
 * The words of a type mismatch, for every request schema: the field is named by the path,
 * and the message says what was expected and what came (a schema's own message wins).
 */
const requestIssue: z.core.$ZodErrorMap = (issue) => {
  if (issue.code !== 'invalid_type') return undefined;
  return issue.input === undefined ? `is required (${issue.expected})` : `expected ${issue.expected}, got ${kindOf(issue.input)}`;
};

/** Validate a request body or query, or throw 400 VALIDATION_FAILED naming each field. */
export function parseRequest<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const result = schema.safeParse(value ?? {}, { error: requestIssue });
  if (!result.success) throw validationFailedFrom(result.error);
  return result.data;
}

/** Fastify's own errors, as catalogue codes. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'INVALID_REQUEST',
  FST_ERR_MAX_PARAM_LENGTH: 'URI_TOO_LONG',
  FST_ERR_BAD_URL: 'INVALID_REQUEST',
};

/** What any error becomes on the wire; unknown ones are logged and answered as a generic 500. */
function toConciergeError(error: FastifyError | Error, request: FastifyRequest): ConciergeError {
  if (isConciergeError(error)) return error;
  if (error instanceof ZodError) return validationFailedFrom(error);
  const fastifyCode = (error as FastifyError).code;
  const mapped = fastifyCode ? FASTIFY_CODES[fastifyCode] : undefined;
  if (mapped) return new ConciergeError(mapped, error.message);
  if (error instanceof SyntaxError || (error as FastifyError).statusCode === 400) {
    return new ConciergeError('INVALID_JSON', `the request body is not valid JSON: ${error.message}`);
  }
  const status = (error as FastifyError).statusCode;
  if (status && status >= 400 && status < 500) return new ConciergeError('INVALID_REQUEST', error.message);
  request.log.error({ err: error }, 'unhandled error');
  return new ConciergeError('INTERNAL', 'internal server error');
}

/** `{code, message, ...details}`, and Retry-After for the codes that carry it. */
function send(reply: FastifyReply, error: ConciergeError): FastifyReply {
  if (error.retryAfterMs !== undefined) {
    // Retry-After takes whole seconds; retry-after-ms (as OpenAI sends it) keeps the precision.
    void reply.header('retry-after', String(Math.max(1, Math.ceil(error.retryAfterMs / 1000))));
    void reply.header('retry-after-ms', String(error.retryAfterMs));
  }
  return reply.status(error.status).send(error.toJSON());
}

/**
 * Fastify's `frameworkErrors`: errors raised before routing (a path parameter over
 * `maxParamLength`, a malformed URL), answered in our shape instead of fastify's.
 */
export function frameworkErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  void send(reply, toConciergeError(error, request));
}

/**
 * Errors of the HTTP parser itself, before fastify sees a request: Node answers them on the
 * raw socket (431 for a request line and headers over `maxHeaderSize`, 400 for anything
 * malformed). Written in our `{code, message}` shape instead; the connection is closed, as
 * Node does. (Fastify's default handler writes its own shape.)
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const failure =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? new ConciergeError('HEADERS_TOO_LARGE', `the request line and headers are over ${Math.round(maxHeaderSize / 1024)} KiB`)
      : new ConciergeError('INVALID_REQUEST', 'the request is not valid HTTP');
  const body = JSON.stringify(failure.toJSON());
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${failure.status} ${STATUS_CODES[failure.status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

/**
 * Every error leaves the server as `{code, message}` with the catalogue's status. Unknown
 * errors are logged and answered with a generic 500 so internals never leak to callers.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | Error, request, reply) => send(reply, toConciergeError(error, request)));
  app.setNotFoundHandler((request, reply) => {
    void send(reply, new ConciergeError('NOT_FOUND', `no route ${request.method} ${request.url}`));
  });
}
