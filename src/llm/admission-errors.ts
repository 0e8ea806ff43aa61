import { ConciergeError } from '../shared/errors.js';

/** Why admission control turned a call away before it reached the provider. */
export type ShedReason = 'deadline' | 'queue-full' | 'closing';

/**
 * The call could not be served within its message's deadline, so it was refused at once
 * rather than left to time out in the queue (503 OVERLOADED). `retryAfterMs` (real
 * milliseconds) estimates when a new message would fit; the server sends it as `Retry-After`.
 * A class rather than a factory because callers branch on `reason`.
 */
export class AdmissionShedError extends ConciergeError {
  readonly reason: ShedReason;

  constructor(reason: ShedReason, retryAfterMs: number, message: string) {
    super('OVERLOADED', message, { details: { reason }, retryAfterMs });
    this.reason = reason;
  }
}

/**
 * One call needs more tokens than the whole per-minute budget (OpenAI: "Request too large").
 * No amount of waiting makes it fit, so it is refused without a retry.
 */
export function llmRequestTooLarge(message: string): ConciergeError {
  return new ConciergeError('LLM_REQUEST_TOO_LARGE', message);
}
