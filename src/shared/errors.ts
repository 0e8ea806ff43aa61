/**
 * One base class for every error Concierge raises on purpose. Each carries a stable,
 * machine-readable `code` (documented in docs/errors.md) and the HTTP status it maps to,
 * so the server can answer `{code, message}` without guessing.
 */
export class ConciergeError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, options: { status?: number; details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = options.status ?? 500;
    this.details = options.details;
  }

  toJSON(): { code: string; message: string } & Record<string, unknown> {
    return { code: this.code, message: this.message, ...(this.details ?? {}) };
  }
}

export function isConciergeError(value: unknown): value is ConciergeError {
  return value instanceof ConciergeError;
}
