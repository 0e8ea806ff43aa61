import type { Business } from './business.js';

/**
 * Persistence for bookings, free of any database detail so that SQLite (embedded default)
 * and Postgres (several server processes) implement the same promises.
 *
 * The store owns the one invariant that must hold under any concurrency: a service never
 * holds more bookings in any moment than its capacity. Implementations enforce it inside a
 * database transaction (a CHECK on per-unit occupancy rows), never by reading and then
 * writing from JavaScript. Business rules that depend only on the business file and the
 * clock (opening hours, the past, the horizon) live in BookingService.
 */

export type BookingStatus = 'confirmed' | 'cancelled';

/** A booking as stored and as returned to callers. Times are ISO-8601 UTC instants. */
export interface Booking {
  code: string;
  customerId: string;
  customerName: string | null;
  serviceId: string;
  /** The service's name when booked. */
  service: string;
  /** Local date and start time in the business's time zone. */
  date: string;
  time: string;
  /** Local end time (the wall clock when the appointment ends). */
  endTime: string;
  startAt: string;
  endAt: string;
  durationMin: number;
  priceUsd: number;
  status: BookingStatus;
  notes: string | null;
  createdAt: string;
  updatedAt: string;
  cancelledAt: string | null;
}

export interface NewBooking {
  customerId: string;
  customerName: string | null;
  serviceId: string;
  serviceName: string;
  date: string;
  time: string;
  endTime: string;
  start: Date;
  end: Date;
  durationMin: number;
  priceUsd: number;
  notes: string | null;
  idempotencyKey: string | null;
  now: Date;
}

export interface BookingMove {
  customerId: string;
  code: string;
  date: string;
  time: string;
  endTime: string;
  start: Date;
  end: Date;
  now: Date;
}

export interface BookingQuery {
  customerId?: string;
  status?: BookingStatus;
  /** Bookings starting at or after this instant. */
  from?: Date;
  /** Bookings starting before this instant. */
  to?: Date;
  limit?: number;
  /** Bookings to skip, in the list's order (start time, then id). */
  offset?: number;
}

export interface CreateResult {
  booking: Booking;
  /** True when the idempotency key matched an earlier booking, which is returned unchanged. */
  replayed: boolean;
}

export interface CatalogSyncResult {
  /** False when the stored catalogue already matched the business. */
  changed: boolean;
}

export interface BookingStore {
  /**
   * Make the stored service catalogue match the business (insert, update, deactivate
   * services no longer offered). Cheap when nothing changed; safe to call on every start.
   */
  syncCatalog(business: Business): Promise<CatalogSyncResult>;

  /**
   * Book atomically: take one place in every occupancy unit of [start, end) or nothing.
   * Throws BookingError SLOT_FULL (without alternatives: the service adds them) when any
   * unit is at capacity, UNKNOWN_SERVICE when the service is not in the stored catalogue,
   * IDEMPOTENCY_KEY_REUSED when the key was used for a different slot. A repeated key for
   * the same request returns the first booking with `replayed: true`. Cancelling or moving
   * the booking retires its key: a key derived from (customer, service, date, time) must
   * book again after the customer cancelled that booking.
   */
  createBooking(input: NewBooking): Promise<CreateResult>;

  /**
   * Cancel the customer's booking and release its units. BOOKING_NOT_FOUND when no booking
   * with that code belongs to that customer; ALREADY_CANCELLED when it was cancelled.
   */
  cancelBooking(input: { customerId: string; code: string; now: Date }): Promise<Booking>;

  /**
   * Move the customer's booking: release its units and take the new ones in one
   * transaction. On SLOT_FULL nothing changes.
   */
  rescheduleBooking(input: BookingMove): Promise<Booking>;

  /** A booking by code whoever owns it (owner API); undefined when unknown. */
  getBooking(code: string): Promise<Booking | undefined>;

  /** A booking by code only if it belongs to the customer. */
  getCustomerBooking(customerId: string, code: string): Promise<Booking | undefined>;

  /** Bookings ordered by start time. */
  listBookings(query: BookingQuery): Promise<Booking[]>;

  /**
   * How many places are taken per occupancy unit of a service between two instants, as a
   * map from unit key (epoch minute, see time-units.ts) to count. Units with no booking are
   * absent.
   */
  occupancy(input: { serviceId: string; from: Date; to: Date }): Promise<Map<number, number>>;

  close(): Promise<void>;
}
