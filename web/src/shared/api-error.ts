/** A refusal from the server in its `{code, message}` shape, with when to retry if it said. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly retryAfterMs: number | undefined;
  readonly details: Record<string, unknown>;

  constructor(status: number, code: string, message: string, options: { retryAfterMs?: number | undefined; details?: Record<string, unknown> } = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.retryAfterMs = options.retryAfterMs;
    this.details = options.details ?? {};
  }
}

/** `retry-after-ms` (precise, as OpenAI sends it) or `Retry-After` in seconds; undefined when absent. */
export function retryAfterMsFrom(headers: { get(name: string): string | null }): number | undefined {
  const ms = Number(headers.get('retry-after-ms'));
  if (headers.get('retry-after-ms') !== null && Number.isFinite(ms) && ms >= 0) return ms;
  const seconds = Number(headers.get('retry-after'));
  if (headers.get('retry-after') !== null && Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  return undefined;
}

/** An ApiError from a response body that may or may not be our JSON. */
export function apiErrorFrom(status: number, bodyText: string, headers: { get(name: string): string | null }): ApiError {
  let code = `HTTP_${status}`;
  let message = bodyText.slice(0, 300) || `the server answered ${status}`;
  let details: Record<string, unknown> = {};
  try {
    const body = JSON.parse(bodyText) as Record<string, unknown>;
    if (typeof body.code === 'string') code = body.code;
    if (typeof body.message === 'string') message = body.message;
    details = body;
  } catch {
    // Not JSON (a proxy's error page): keep the status as the code.
  }
  return new ApiError(status, code, message, { retryAfterMs: retryAfterMsFrom(headers), details });
}

/** A request that never got an answer: the network, not the server, failed. */
export function isNetworkFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'AbortError') return false;
  return error instanceof TypeError || error.name === 'ConnectionError' || /Failed to fetch|NetworkError|network|ECONNREFUSED|ERR_/i.test(error.message);
}
