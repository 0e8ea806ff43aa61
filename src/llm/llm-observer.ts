/** Why a provider attempt failed, as `error_type` names it: the HTTP status, or what happened instead. */
export type LlmErrorType = `${number}` | 'timeout' | 'cancelled' | 'network';

/** One HTTP attempt to the provider, as the innermost fetch saw it. */
export interface LlmAttempt {
  /** The model the request named (after any fallback). */
  model: string;
  /** Real ms from sending to the end of the answer (the last chunk of a stream). */
  durationMs: number;
  /** Absent when the provider answered 2xx. */
  errorType: LlmErrorType | undefined;
  /** The usage the provider reported with a successful answer. */
  usage: { inputTokens: number; outputTokens: number; cachedTokens: number } | undefined;
  /** The attempt repeats one of the same run that failed with this error type. */
  retryOf: LlmErrorType | undefined;
  /** The answer's headers (`x-ratelimit-*` among them); absent when no answer came. */
  headers: Headers | undefined;
}

/**
 * Told about every provider attempt and every admission, so that metrics follow the LLM
 * traffic without this module knowing how they are exported. Implementations must not throw
 * and must be cheap: they run on every call.
 */
export interface LlmObserver {
  attemptFinished(attempt: LlmAttempt): void;
  /** A call was admitted by the gate after waiting `waitedMs` (real ms). */
  admitted(waitedMs: number, priority: 'new' | 'continuing'): void;
}
