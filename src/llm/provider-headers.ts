/**
 * What an OpenAI-compatible provider tells about its rate limits and when to come back, read
 * from response headers and error bodies: the one place that parses `retry-after-ms`,
 * `Retry-After` (seconds or an HTTP date), the `x-ratelimit-*` headers (Go durations) and
 * "Please try again in 450ms". Every duration here is real time as the provider states it;
 * with a time-scaled simulator the provider already speaks real milliseconds, so nothing is
 * rescaled.
 */
export interface ProviderLimits {
  /** `x-ratelimit-limit-requests`: requests per minute. */
  limitRequests?: number;
  /** `x-ratelimit-limit-tokens`: tokens per minute. */
  limitTokens?: number;
  remainingRequests?: number;
  remainingTokens?: number;
  /** `x-ratelimit-reset-requests`: until the request bucket is full again, in ms. */
  resetRequestsMs?: number;
  resetTokensMs?: number;
}

const GO_UNITS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 1e-3, µs: 1e-3, μs: 1e-3, ns: 1e-6 };
const GO_PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/**
 * Parse a Go `time.Duration` string (`6m0s`, `1.5s`, `12ms`, `1h2m3.5s`) into milliseconds.
 * OpenAI writes its reset headers and retry hints this way; no npm package parses exactly
 * this grammar without pulling in a general date library, so it is a dozen lines here.
 * A bare number is read as seconds, which is what some compatible providers send.
 */
export function parseGoDuration(text: string | null | undefined): number | undefined {
  if (text === null || text === undefined) return undefined;
  const s = text.trim();
  if (s === '') return undefined;
  if (/^\d+(?:\.\d+)?$/.test(s)) return Number(s) * 1000;
  if (s === '0') return 0;
  let total = 0;
  GO_PART.lastIndex = 0;
  while (GO_PART.lastIndex < s.length) {
    const at = GO_PART.lastIndex;
    const match = GO_PART.exec(s);
    if (!match || match.index !== at) return undefined;
    total += Number(match[1]) * GO_UNITS[match[2]!]!;
  }
  return total;
}

function numberHeader(headers: Headers, name: string): number | undefined {
  const value = headers.get(name);
  if (value === null || value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** The `x-ratelimit-*` headers, or undefined when the provider sends none of them. */
export function parseRateLimitHeaders(headers: Headers): ProviderLimits | undefined {
  const limits: ProviderLimits = {};
  const set = <K extends keyof ProviderLimits>(key: K, value: number | undefined) => {
    if (value !== undefined) limits[key] = value;
  };
  set('limitRequests', numberHeader(headers, 'x-ratelimit-limit-requests'));
  set('limitTokens', numberHeader(headers, 'x-ratelimit-limit-tokens'));
  set('remainingRequests', numberHeader(headers, 'x-ratelimit-remaining-requests'));
  set('remainingTokens', numberHeader(headers, 'x-ratelimit-remaining-tokens'));
  set('resetRequestsMs', parseGoDuration(headers.get('x-ratelimit-reset-requests')));
  set('resetTokensMs', parseGoDuration(headers.get('x-ratelimit-reset-tokens')));
  return Object.keys(limits).length === 0 ? undefined : limits;
}

/** The `error` object of an OpenAI error body. */
export interface ProviderErrorBody {
  message?: string;
  type?: string;
  code?: string | null;
}

/** Read `{"error": {...}}` from an error response's text; undefined when it is not that shape. */
export function parseErrorBody(text: string): ProviderErrorBody | undefined {
  try {
    const parsed = JSON.parse(text) as { error?: unknown };
    const error = parsed?.error;
    if (!error || typeof error !== 'object') return undefined;
    const { message, type, code } = error as Record<string, unknown>;
    return {
      message: typeof message === 'string' ? message : undefined,
      type: typeof type === 'string' ? type : undefined,
      code: typeof code === 'string' ? code : null,
    };
  } catch {
    return undefined;
  }
}

const GO_DURATION = '(?:(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:ns|us|µs|μs|ms|s|m|h))+';
const WORD_UNITS: ReadonlyArray<[RegExp, number]> = [
  [/^(?:ms|milliseconds?)$/i, 1],
  [/^(?:s|secs?|seconds?)$/i, 1000],
  [/^(?:m|mins?|minutes?)$/i, 60_000],
  [/^(?:h|hrs?|hours?)$/i, 3_600_000],
];
const TRY_AGAIN = new RegExp(`(?:try again in|retry after)\\s+(?:(${GO_DURATION})|(\\d+(?:\\.\\d+)?)\\s*(milliseconds?|ms|seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h))\\b`, 'i');

/**
 * The wait an error message asks for: OpenAI's "Please try again in 450ms." (a Go duration:
 * `1.5s`, `6m0s`), or the wording other providers use and LangChain also reads ("try again
 * in 20 seconds", "retry after 2 min").
 */
export function parseTryAgainIn(message: string | undefined): number | undefined {
  const match = message?.match(TRY_AGAIN);
  if (!match) return undefined;
  if (match[1] !== undefined) return parseGoDuration(match[1]);
  const unit = WORD_UNITS.find(([pattern]) => pattern.test(match[3]!));
  return unit ? Number(match[2]) * unit[1] : undefined;
}

/**
 * How long to wait before the provider will accept the call again, in real ms, taking the
 * most precise hint available: `retry-after-ms` (not standard, but what OpenAI sends and its
 * SDK reads first), `retry-after` (seconds or an HTTP date), the "Please try again in" text,
 * then the reset header of the bucket that ran out. Undefined when the provider gave no hint.
 */
export function retryHintMs(headers: Headers, body: ProviderErrorBody | undefined, now: number): number | undefined {
  const explicit = retryAfterMs(headers, now);
  if (explicit !== undefined) return explicit;
  const text = parseTryAgainIn(body?.message);
  if (text !== undefined) return text;
  return resetHintMs(parseRateLimitHeaders(headers), body?.type);
}

/** `retry-after-ms`, else `retry-after` (seconds or an HTTP date), in real ms; undefined without either. */
export function retryAfterMs(headers: Headers, now: number): number | undefined {
  return numberHeader(headers, 'retry-after-ms') ?? parseRetryAfter(headers.get('retry-after'), now);
}

/** A `Retry-After` value: whole or fractional seconds, or an HTTP date (then the time until it, from `now`). */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

/**
 * The reset of the bucket that ran out: the one the error names (`type: "requests"` or
 * `"tokens"`), else one whose remaining is 0, else the sooner of the two.
 */
export function resetHintMs(limits: ProviderLimits | undefined, type: string | undefined): number | undefined {
  if (!limits) return undefined;
  if (type === 'requests' && limits.resetRequestsMs !== undefined) return limits.resetRequestsMs;
  if (type === 'tokens' && limits.resetTokensMs !== undefined) return limits.resetTokensMs;
  const empty: number[] = [];
  if (limits.remainingRequests === 0 && limits.resetRequestsMs !== undefined) empty.push(limits.resetRequestsMs);
  if (limits.remainingTokens === 0 && limits.resetTokensMs !== undefined) empty.push(limits.resetTokensMs);
  if (empty.length > 0) return Math.max(...empty);
  const any = [limits.resetRequestsMs, limits.resetTokensMs].filter((v): v is number => v !== undefined);
  return any.length > 0 ? Math.min(...any) : undefined;
}
