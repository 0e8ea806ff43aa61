import { ConciergeError } from '../shared/errors.js';

/**
 * Every way a booking request can be refused, with the HTTP status the server answers.
 * The codes are a contract: the agent's tools return them to the model and REST callers
 * branch on them, so a code is never renamed, only added.
 */
export const BOOKING_ERROR_STATUS = {
  SLOT_FULL: 409,
  ALREADY_CANCELLED: 409,
  IDEMPOTENCY_KEY_REUSED: 422,
  BOOKING_NOT_FOUND: 404,
  UNKNOWN_SERVICE: 404,
  OUTSIDE_OPENING_HOURS: 400,
  IN_THE_PAST: 400,
  BEYOND_HORIZON: 400,
  INVALID_DATE: 400,
  INVALID_TIME: 400,
  INVALID_REQUEST: 400,
} as const;

export type BookingErrorCode = keyof typeof BOOKING_ERROR_STATUS;

/** A free start time offered instead of the one asked for. */
export interface AlternativeSlot {
  date: string;
  time: string;
}

export class BookingError extends ConciergeError {
  declare readonly code: BookingErrorCode;

  constructor(code: BookingErrorCode, message: string, options: { details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(code, message, { status: BOOKING_ERROR_STATUS[code], ...options });
  }

  /** The alternatives carried by SLOT_FULL (and other refusals that can suggest a time). */
  get alternatives(): AlternativeSlot[] {
    const value = this.details?.['alternatives'];
    return Array.isArray(value) ? (value as AlternativeSlot[]) : [];
  }
}

export function isBookingError(value: unknown, code?: BookingErrorCode): value is BookingError {
  return value instanceof BookingError && (code === undefined || value.code === code);
}
