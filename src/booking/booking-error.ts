import type { ErrorCodeOf } from '../shared/error-catalogue.js';
import { ConciergeError } from '../shared/errors.js';

/**
 * Every way a booking request can be refused: the catalogue's booking codes, plus
 * INVALID_REQUEST for a field the domain refuses. The agent's tools return them to the
 * model and REST callers branch on them.
 */
export type BookingErrorCode = ErrorCodeOf<'booking'> | 'INVALID_REQUEST';

/** A free start time offered instead of the one asked for. */
export interface AlternativeSlot {
  date: string;
  time: string;
}

export class BookingError extends ConciergeError {
  declare readonly code: BookingErrorCode;

  constructor(code: BookingErrorCode, message: string, options: { details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(code, message, options);
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
