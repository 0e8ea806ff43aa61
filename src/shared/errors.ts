import { ERROR_CATALOGUE, isErrorCode, type ErrorCode } from './error-catalogue.js';

/** What is kept of a failed run, so that a later `join` answers exactly as the run did. */
export interface ErrorRecord {
  code: string;
  message: string;
  /** The status answered; kept for readers of the record, re-derived from the code on replay. */
  status?: number;
  retryAfterMs?: number;
  details?: Record<string, unknown>;
}

export interface ConciergeErrorOptions {
  /** Extra fields of the answer's body (`alternatives`, `reason`...). */
  details?: Record<string, unknown> | undefined;
  /** Real ms after which a retry may succeed; kept only for codes the catalogue says carry Retry-After. */
  retryAfterMs?: number | undefined;
  cause?: unknown;
}

/**
 * One base class for every error Concierge raises on purpose. Its code is one of the
 * catalogue's (src/shared/error-catalogue.ts), which gives the HTTP status, so the server
 * answers `{code, message, ...details}` and, for the codes that carry it, `Retry-After` from
 * `retryAfterMs`, without knowing which part of the program raised it.
 */
export class ConciergeError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: Readonly<Record<string, unknown>> | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(code: ErrorCode, message: string, options: ConciergeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const spec = ERROR_CATALOGUE[code];
    this.name = new.target.name;
    this.code = code;
    // A code that is never an HTTP answer (a tool result, a refusal to start) that reaches
    // the HTTP layer anyway is a server fault.
    this.status = spec.status ?? 500;
    this.details = options.details;
    this.retryAfterMs = spec.retryAfter && options.retryAfterMs !== undefined && Number.isFinite(options.retryAfterMs) ? Math.max(0, Math.ceil(options.retryAfterMs)) : undefined;
  }

  get retryable(): boolean {
    return ERROR_CATALOGUE[this.code].retryable;
  }

  /** The answer's body: `{code, message}`, the details, and `retryAfterMs` when there is one. */
  toJSON(): { code: ErrorCode; message: string } & Record<string, unknown> {
    return { code: this.code, message: this.message, ...(this.details ?? {}), ...(this.retryAfterMs === undefined ? {} : { retryAfterMs: this.retryAfterMs }) };
  }

  toRecord(): ErrorRecord {
    return {
      code: this.code,
      message: this.message,
      status: this.status,
      ...(this.retryAfterMs === undefined ? {} : { retryAfterMs: this.retryAfterMs }),
      ...(this.details === undefined ? {} : { details: { ...this.details } }),
    };
  }

  /** The error a stored record describes; a code this version does not know reads as AGENT_ERROR. */
  static fromRecord(record: ErrorRecord): ConciergeError {
    if (!isErrorCode(record.code)) return new ConciergeError('AGENT_ERROR', record.message, { details: { storedCode: record.code } });
    return new ConciergeError(record.code, record.message, { details: record.details, retryAfterMs: record.retryAfterMs });
  }
}

export function isConciergeError<C extends ErrorCode>(value: unknown, code?: C): value is ConciergeError & { code: C } {
  return value instanceof ConciergeError && (code === undefined || value.code === code);
}
