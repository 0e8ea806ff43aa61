import { waitInWords } from '../shared/words.js';

/** A failure as the chat page decides what to do about it. */
export interface Failure {
  code: string;
  message: string;
  status?: number | undefined;
  retryAfterMs?: number | undefined;
}

/** Codes after which the same message, sent again a little later, may well succeed. */
const BUSY = new Set(['OVERLOADED', 'SHUTTING_DOWN']);

export function isBusy(failure: Failure): boolean {
  return BUSY.has(failure.code);
}

/** Default wait when a busy server did not say how long: a few seconds, not a hammering. */
export const DEFAULT_BUSY_WAIT_MS = 5000;

/** What the visitor reads, in plain words, for a failure the page will not fix by itself. */
export function failureInWords(failure: Failure, options: { maxMessageChars?: number } = {}): string {
  const wait = failure.retryAfterMs === undefined ? 'in a moment' : waitInWords(failure.retryAfterMs);
  switch (failure.code) {
    case 'OVERLOADED':
    case 'SHUTTING_DOWN':
      return `Concierge is very busy right now. Please try again ${wait}; your message is still in the box.`;
    case 'PROVIDER_RATE_LIMITED':
    case 'PROVIDER_UNAVAILABLE':
      return `Concierge cannot think right now: its language service is not answering. Please try again ${wait}.`;
    case 'PROVIDER_QUOTA_EXCEEDED':
      return 'Concierge is unavailable: its language service account has run out. Please contact the business directly.';
    case 'RUN_TIMEOUT':
      return 'That took too long to answer. Please send it again.';
    case 'RUN_INTERRUPTED':
      return 'The answer was interrupted (the server restarted). Please send your message again.';
    case 'PAYLOAD_TOO_LARGE':
      return options.maxMessageChars ? `That message is too long: please keep it under ${options.maxMessageChars} characters.` : 'That message is too long: please shorten it.';
    case 'UNAUTHENTICATED':
      return 'Your access key was not accepted. Please enter it again.';
    case 'FORBIDDEN':
      return 'This key may not do that.';
    case 'THREAD_BUSY':
      return 'Concierge is still answering your previous message. Please wait for it.';
    case 'VALIDATION_FAILED':
    case 'INVALID_REQUEST':
      return `The server could not read that message (${failure.message}).`;
    default:
      return `Something went wrong (${failure.code}). Please try again ${wait}.`;
  }
}
