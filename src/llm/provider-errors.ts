import { APIConnectionError } from 'openai';
import { ConciergeError, isConciergeError } from '../shared/errors.js';
import { llmRequestTooLarge } from './admission-errors.js';
import { retryAfterMs, retryHintMs, type ProviderErrorBody } from './provider-headers.js';
import { classifyFailure } from './retry-policy.js';

/** The provider kept answering 429 and the next attempt would not fit in the deadline. */
export function providerRateLimited(message: string, retryAfterMs: number | undefined, cause?: unknown): ConciergeError {
  return new ConciergeError('PROVIDER_RATE_LIMITED', `the LLM provider rate-limited this request: ${message}`, { retryAfterMs, cause });
}

/** The provider failed repeatedly (5xx, timeouts) or its circuit is open and no fallback model is set. */
export function providerUnavailable(message: string, retryAfterMs: number | undefined, cause?: unknown): ConciergeError {
  return new ConciergeError('PROVIDER_UNAVAILABLE', `the LLM provider is unavailable: ${message}`, { retryAfterMs, cause });
}

/**
 * The provider account is out of credit (`insufficient_quota`). Retrying cannot help and
 * would only burn requests, so it is never retried; the operator has to act.
 */
export function providerQuotaExceeded(message: string): ConciergeError {
  return new ConciergeError('PROVIDER_QUOTA_EXCEEDED', `the LLM provider account is out of quota: ${message}`);
}

/** What an error thrown above the fetch (by the OpenAI SDK, or LangChain around it) may carry. */
interface ThrownLike {
  status?: unknown;
  code?: unknown;
  type?: unknown;
  message?: unknown;
  name?: unknown;
  error?: unknown;
  headers?: unknown;
  cause?: unknown;
}

function* causes(error: unknown): Generator<ThrownLike> {
  let current: unknown = error;
  for (let depth = 0; current && typeof current === 'object' && depth < 8; depth += 1) {
    yield current as ThrownLike;
    current = (current as ThrownLike).cause;
  }
}

/** The `{message, type, code}` of the provider's error body, as the SDK keeps it (or flattened, as LangChain may). */
function bodyOf(error: ThrownLike): ProviderErrorBody {
  const inner = error.error && typeof error.error === 'object' ? (error.error as Record<string, unknown>) : {};
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  return {
    message: text(inner.message) ?? text(error.message),
    type: text(inner.type) ?? text(error.type),
    code: text(inner.code) ?? text(error.code) ?? null,
  };
}

/**
 * What a failure of the provider, thrown by the layers above the fetch, amounts to as one of
 * our codes; undefined when it is not the provider's failure. A typed error anywhere in the
 * cause chain wins: the admission layer raised it and the SDK or LangChain only wrapped it.
 * Otherwise (admission off: LangChain's own retries gave up) the SDK's error is classified
 * with the same rules the admission layer applies to a response.
 */
export function classifyProviderError(error: unknown, now: number = Date.now()): ConciergeError | undefined {
  for (const candidate of causes(error)) {
    if (isConciergeError(candidate)) return candidate;
  }
  for (const candidate of causes(error)) {
    if (typeof candidate.status !== 'number') continue;
    const body = bodyOf(candidate);
    const headers = candidate.headers instanceof Headers ? candidate.headers : new Headers();
    const message = body.message ?? `HTTP ${candidate.status}`;
    switch (classifyFailure(candidate.status, body, headers)) {
      case 'rate-limited':
        return providerRateLimited(message, retryHintMs(headers, body, now), error);
      case 'quota':
        return providerQuotaExceeded(message);
      case 'too-large':
        return llmRequestTooLarge(message);
      case 'server-error':
        return providerUnavailable(message, retryAfterMs(headers, now), error);
      default:
        return undefined;
    }
  }
  for (const candidate of causes(error)) {
    // No answer at all: no connection, or the attempt timed out (LangChain renames the SDK's timeout).
    if (candidate instanceof APIConnectionError || candidate.name === 'TimeoutError') {
      return providerUnavailable(String(candidate.message ?? 'no answer'), undefined, error);
    }
  }
  return undefined;
}
