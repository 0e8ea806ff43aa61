import { checkSlot, freeSlots, horizonEnd, nearestSlots, requireDate, requireTime, type Slot } from './availability.js';
import { BookingError, isBookingError, type AlternativeSlot, type BookingErrorCode } from './booking-error.js';
import type { Booking, BookingStatus, BookingStore, CreateResult } from './booking-store.js';
import type { Business, Service } from './business.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { normalizeConfirmationCode } from './confirmation-code.js';
import { serviceDayCapacity, type ServiceDayCapacity } from './day-capacity.js';
import { matchService } from './find-service.js';
import { addDays, datesBetween, daysBetween, localToInstant, todayIn } from '../shared/local-time.js';

export interface BookingServiceOptions {
  store: BookingStore;
  business: Business;
  /** Default: the system clock. */
  clock?: Clock;
  /** How many alternatives a refusal offers. Default 5. */
  alternatives?: number;
  /** How many days after the wished one alternatives may come from. Default 7. */
  alternativeDays?: number;
  /** Longest date range one availability query may cover. Default 31 days. */
  maxRangeDays?: number;
  /** Told the outcome of every booking action (metrics): see BookingOutcome. Must not throw. */
  onOutcome?: (outcome: BookingOutcome) => void;
}

/**
 * What a book, cancel or reschedule came to: `confirmed`, `replayed` (an idempotent repeat),
 * `cancelled`, `rescheduled`, or the refusal's code in lower case (`slot_full`, ...); `failed`
 * for anything else. A closed set, so it can label a metric.
 */
export type BookingOutcome = 'confirmed' | 'replayed' | 'cancelled' | 'rescheduled' | Lowercase<BookingErrorCode> | 'failed';

export interface AvailabilityQuery {
  /** Service id or name (loosely matched). */
  service: string;
  from: string;
  /** Default: `from`. */
  to?: string;
  /** A preferred time: the slots returned are those nearest to it. */
  time?: string;
  /** At most this many slots (nearest to `time` when given, else the earliest). */
  limit?: number;
}

export interface Availability {
  service: Service;
  from: string;
  to: string;
  slots: Slot[];
  /** Present when a preferred time was given: whether that exact start is free. */
  requested?: { date: string; time: string; available: boolean; remaining: number };
}

export interface BookRequest {
  customerId: string;
  customerName?: string;
  service: string;
  date: string;
  time: string;
  notes?: string;
  /** Repeat-safe: the same key from the same customer returns the first booking. */
  idempotencyKey?: string;
}

export interface ListAllQuery {
  /** Local dates, inclusive. */
  from?: string;
  to?: string;
  status?: BookingStatus;
  customerId?: string;
  limit?: number;
  offset?: number;
}

const LIMITS = { customerId: 200, customerName: 100, notes: 500, idempotencyKey: 255 } as const;

function requireText(value: unknown, field: keyof typeof LIMITS, required: boolean): string | null {
  if (value === undefined || value === null || value === '') {
    if (required) throw new BookingError('INVALID_REQUEST', `${field} is required.`, { details: { field } });
    return null;
  }
  // NUL is refused because Postgres text cannot hold it; both stores then accept the same input.
  if (typeof value !== 'string' || value.length > LIMITS[field] || value.includes('\u0000')) {
    throw new BookingError('INVALID_REQUEST', `${field} must be text of at most ${LIMITS[field]} characters.`, { details: { field } });
  }
  return value;
}

/**
 * The booking domain: opening hours, the clock and the catalogue on top of a store that
 * guarantees capacity. Every refusal is a BookingError with a stable code; refusals that
 * can suggest another time (SLOT_FULL, OUTSIDE_OPENING_HOURS, IN_THE_PAST, a start between
 * two steps) carry `details.alternatives`.
 */
export class BookingService {
  readonly business: Business;
  readonly #store: BookingStore;
  readonly #clock: Clock;
  readonly #alternatives: number;
  readonly #alternativeDays: number;
  readonly #maxRangeDays: number;
  readonly #onOutcome: ((outcome: BookingOutcome) => void) | undefined;

  constructor(options: BookingServiceOptions) {
    this.business = options.business;
    this.#store = options.store;
    this.#clock = options.clock ?? systemClock;
    this.#alternatives = options.alternatives ?? 5;
    this.#alternativeDays = options.alternativeDays ?? 7;
    this.#maxRangeDays = options.maxRangeDays ?? 31;
    this.#onOutcome = options.onOutcome;
  }

  #now(): Date {
    return new Date(this.#clock.now());
  }

  /** Today's date in the business's time zone. */
  today(): string {
    return todayIn(this.business.timeZone, this.#now());
  }

  listServices(): Service[] {
    return [...this.business.services];
  }

  /** A service by id or name, case-insensitive and loosely ("haircut"); undefined if none or ambiguous. */
  findService(idOrName: string): Service | undefined {
    const match = matchService(this.business.services, idOrName);
    return match.kind === 'found' ? match.service : undefined;
  }

  /** Like findService, but UNKNOWN_SERVICE (naming the candidates or the whole menu) when it fails. */
  requireService(idOrName: string): Service {
    const match = matchService(this.business.services, typeof idOrName === 'string' ? idOrName : '');
    if (match.kind === 'found') return match.service;
    if (match.kind === 'ambiguous') {
      const names = match.candidates.map((s) => s.name);
      throw new BookingError('UNKNOWN_SERVICE', `"${idOrName}" could mean ${names.join(' or ')}; which one?`, {
        details: { candidates: match.candidates.map((s) => ({ id: s.id, name: s.name })) },
      });
    }
    throw new BookingError('UNKNOWN_SERVICE', `No service called "${idOrName}". Services: ${this.business.services.map((s) => s.name).join(', ')}.`, {
      details: { candidates: this.business.services.map((s) => ({ id: s.id, name: s.name })) },
    });
  }

  async availability(query: AvailabilityQuery): Promise<Availability> {
    const service = this.requireService(query.service);
    const now = this.#now();
    const today = todayIn(this.business.timeZone, now);
    const lastDate = horizonEnd(this.business, now);
    let from = requireDate(query.from, 'from');
    let to = query.to === undefined || query.to === '' ? from : requireDate(query.to, 'to');
    if (query.time !== undefined && query.time !== '') requireTime(query.time);
    if (to < from) throw new BookingError('INVALID_DATE', `The range ends (${to}) before it starts (${from}).`, { details: { field: 'to' } });
    if (to < today) throw new BookingError('IN_THE_PAST', `${to} is in the past (today is ${today}).`, { details: { today } });
    if (from > lastDate) {
      throw new BookingError('BEYOND_HORIZON', `Bookings open ${this.business.bookingHorizonDays} days ahead; ${from} is after ${lastDate}.`, { details: { lastDate } });
    }
    if (from < today) from = today;
    if (to > lastDate) to = lastDate;
    if (daysBetween(from, to) + 1 > this.#maxRangeDays) {
      throw new BookingError('INVALID_DATE', `Ask for at most ${this.#maxRangeDays} days at a time.`, { details: { field: 'to' } });
    }
    let slots = await this.#freeSlots(service, service.durationMin, from, to, now);
    let requested: Availability['requested'];
    if (query.time) {
      const exact = slots.find((s) => s.date === from && s.time === query.time);
      requested = { date: from, time: query.time, available: exact !== undefined, remaining: exact?.remaining ?? 0 };
      slots = nearestSlots(slots, { date: from, time: query.time }, query.limit ?? slots.length);
    } else if (query.limit !== undefined) {
      slots = slots.slice(0, Math.max(0, query.limit));
    }
    return requested ? { service, from, to, slots, requested } : { service, from, to, slots };
  }

  book(request: BookRequest): Promise<CreateResult> {
    return this.#reported(this.#book(request), (result) => (result.replayed ? 'replayed' : 'confirmed'));
  }

  cancel(request: { customerId: string; code: string }): Promise<Booking> {
    return this.#reported(this.#cancel(request), () => 'cancelled');
  }

  reschedule(request: { customerId: string; code: string; date: string; time: string }): Promise<Booking> {
    return this.#reported(this.#reschedule(request), () => 'rescheduled');
  }

  async #reported<T>(action: Promise<T>, success: (result: T) => BookingOutcome): Promise<T> {
    if (!this.#onOutcome) return action;
    let outcome: BookingOutcome = 'failed';
    try {
      const result = await action;
      outcome = success(result);
      return result;
    } catch (error) {
      if (isBookingError(error)) outcome = error.code.toLowerCase() as BookingOutcome;
      throw error;
    } finally {
      try {
        this.#onOutcome(outcome);
      } catch {
        // Counting must never change what the caller gets.
      }
    }
  }

  async #book(request: BookRequest): Promise<CreateResult> {
    const customerId = requireText(request.customerId, 'customerId', true)!;
    const customerName = requireText(request.customerName, 'customerName', false);
    const notes = requireText(request.notes, 'notes', false);
    const idempotencyKey = requireText(request.idempotencyKey, 'idempotencyKey', false);
    const service = this.requireService(request.service);
    const now = this.#now();
    const slot = await this.#checkOrSuggest(service, service.durationMin, request.date, request.time, now);
    try {
      return await this.#store.createBooking({
        customerId,
        customerName,
        serviceId: service.id,
        serviceName: service.name,
        date: slot.date,
        time: slot.time,
        endTime: slot.endTime,
        start: slot.start,
        end: slot.end,
        durationMin: service.durationMin,
        priceUsd: service.priceUsd,
        notes,
        idempotencyKey,
        now,
      });
    } catch (error) {
      throw await this.#withAlternatives(error, service, service.durationMin, slot.date, slot.time, now);
    }
  }

  async #cancel(request: { customerId: string; code: string }): Promise<Booking> {
    const customerId = requireText(request.customerId, 'customerId', true)!;
    const now = this.#now();
    const booking = await this.#ownBooking(customerId, request.code);
    if (booking.status === 'cancelled') throw new BookingError('ALREADY_CANCELLED', `Booking ${booking.code} is already cancelled.`);
    if (Date.parse(booking.startAt) <= now.getTime()) throw new BookingError('IN_THE_PAST', `Booking ${booking.code} has already started or passed.`);
    return this.#store.cancelBooking({ customerId, code: booking.code, now });
  }

  async #reschedule(request: { customerId: string; code: string; date: string; time: string }): Promise<Booking> {
    const customerId = requireText(request.customerId, 'customerId', true)!;
    const now = this.#now();
    const booking = await this.#ownBooking(customerId, request.code);
    if (booking.status === 'cancelled') throw new BookingError('ALREADY_CANCELLED', `Booking ${booking.code} is cancelled; book a new appointment instead.`);
    if (Date.parse(booking.startAt) <= now.getTime()) throw new BookingError('IN_THE_PAST', `Booking ${booking.code} has already started or passed.`);
    const service = this.business.services.find((s) => s.id === booking.serviceId);
    if (!service) throw new BookingError('UNKNOWN_SERVICE', `${booking.service} is no longer offered; cancel and book another service.`);
    // The appointment keeps the length it was booked with, even if the menu changed since.
    const slot = await this.#checkOrSuggest(service, booking.durationMin, request.date, request.time, now);
    try {
      return await this.#store.rescheduleBooking({ customerId, code: booking.code, date: slot.date, time: slot.time, endTime: slot.endTime, start: slot.start, end: slot.end, now });
    } catch (error) {
      throw await this.#withAlternatives(error, service, booking.durationMin, slot.date, slot.time, now);
    }
  }

  /**
   * The owner cancels any booking. The customer's rules apply unchanged (not twice, not once
   * it has started), so the console can do nothing the agent's tool could not.
   */
  async cancelAsOwner(code: string): Promise<Booking> {
    const booking = await this.#anyBooking(code);
    return this.cancel({ customerId: booking.customerId, code: booking.code });
  }

  /** The owner moves any booking, with the same rules and refusals (and alternatives) as the customer. */
  async rescheduleAsOwner(request: { code: string; date: string; time: string }): Promise<Booking> {
    const booking = await this.#anyBooking(request.code);
    return this.reschedule({ customerId: booking.customerId, code: booking.code, date: request.date, time: request.time });
  }

  /** How much room each service has left on a date (default today), for the owner. */
  async capacityOn(date: string = this.today()): Promise<ServiceDayCapacity[]> {
    const day = requireDate(date, 'date');
    const now = this.#now();
    const bookings = await this.listAll({ from: day, to: day, status: 'confirmed' });
    const out: ServiceDayCapacity[] = [];
    for (const service of this.business.services) {
      const free = await this.#freeSlots(service, service.durationMin, day, day, now);
      out.push(serviceDayCapacity({ business: this.business, service, date: day, bookings, freeSlots: free }));
    }
    return out;
  }

  /** The customer's booking by code; BOOKING_NOT_FOUND when it is not theirs or does not exist. */
  async getForCustomer(customerId: string, code: string): Promise<Booking> {
    return this.#ownBooking(requireText(customerId, 'customerId', true)!, code);
  }

  /** Any booking by code (owner API). */
  async getBooking(code: string): Promise<Booking | undefined> {
    const canonical = normalizeConfirmationCode(typeof code === 'string' ? code : '');
    return canonical ? this.#store.getBooking(canonical) : undefined;
  }

  /** The customer's bookings, upcoming and confirmed unless asked otherwise, by start time. */
  async listForCustomer(customerId: string, options: { includePast?: boolean; includeCancelled?: boolean } = {}): Promise<Booking[]> {
    const id = requireText(customerId, 'customerId', true)!;
    return this.#store.listBookings({
      customerId: id,
      ...(options.includeCancelled ? {} : { status: 'confirmed' as const }),
      ...(options.includePast ? {} : { from: this.#now() }),
    });
  }

  /** Every booking (owner API), optionally between two local dates (inclusive). */
  async listAll(query: ListAllQuery = {}): Promise<Booking[]> {
    const tz = this.business.timeZone;
    const from = query.from ? localToInstant(requireDate(query.from, 'from'), 0, tz) : undefined;
    const to = query.to ? localToInstant(addDays(requireDate(query.to, 'to'), 1), 0, tz) : undefined;
    if (query.status !== undefined && query.status !== 'confirmed' && query.status !== 'cancelled') {
      throw new BookingError('INVALID_REQUEST', 'status must be "confirmed" or "cancelled".', { details: { field: 'status' } });
    }
    return this.#store.listBookings({
      ...(from ? { from } : {}),
      ...(to ? { to } : {}),
      ...(query.status ? { status: query.status } : {}),
      ...(query.customerId ? { customerId: query.customerId } : {}),
      ...(query.limit !== undefined ? { limit: query.limit } : {}),
      ...(query.offset !== undefined ? { offset: query.offset } : {}),
    });
  }

  async close(): Promise<void> {
    await this.#store.close();
  }

  async #anyBooking(code: string): Promise<Booking> {
    const booking = await this.getBooking(code);
    if (!booking) throw new BookingError('BOOKING_NOT_FOUND', `No booking ${String(code)}.`);
    return booking;
  }

  async #ownBooking(customerId: string, code: string): Promise<Booking> {
    const canonical = normalizeConfirmationCode(typeof code === 'string' ? code : '');
    const booking = canonical ? await this.#store.getCustomerBooking(customerId, canonical) : undefined;
    // Same answer whether the code is unknown or someone else's: a code reveals nothing.
    if (!booking) throw new BookingError('BOOKING_NOT_FOUND', `No booking ${String(code)} for this customer.`);
    return booking;
  }

  async #freeSlots(service: Service, durationMin: number, from: string, to: string, now: Date): Promise<Slot[]> {
    const tz = this.business.timeZone;
    // Appointments end by closing time, at the latest the next midnight: one extra day covers them.
    const start = localToInstant(from, 0, tz) ?? localToInstant(from, 60, tz)!;
    const end = localToInstant(addDays(to, 2), 0, tz) ?? localToInstant(addDays(to, 2), 60, tz)!;
    const occupancy = await this.#store.occupancy({ serviceId: service.id, from: start, to: end });
    return freeSlots({ business: this.business, service: { durationMin, capacity: service.capacity }, dates: datesBetween(from, to), occupancy, now });
  }

  async #alternativesFor(service: Service, durationMin: number, date: string, time: string, now: Date): Promise<AlternativeSlot[]> {
    const today = todayIn(this.business.timeZone, now);
    const from = date < today ? today : date;
    const lastDate = horizonEnd(this.business, now);
    if (from > lastDate) return [];
    const to = addDays(from, this.#alternativeDays) > lastDate ? lastDate : addDays(from, this.#alternativeDays);
    const slots = await this.#freeSlots(service, durationMin, from, to, now);
    return nearestSlots(slots, { date: from, time }, this.#alternatives).map((s) => ({ date: s.date, time: s.time }));
  }

  /** checkSlot, with the nearest free starts attached when the wish was merely mistimed. */
  async #checkOrSuggest(service: Service, durationMin: number, date: string, time: string, now: Date) {
    try {
      return checkSlot(this.business, durationMin, date, time, now);
    } catch (error) {
      if (isBookingError(error) && (error.code === 'OUTSIDE_OPENING_HOURS' || error.code === 'IN_THE_PAST' || (error.code === 'INVALID_TIME' && requireTimeOk(time)))) {
        const alternatives = await this.#alternativesFor(service, durationMin, date, requireTimeOk(time) ? time : '00:00', now);
        throw new BookingError(error.code, error.message, { details: { ...error.details, alternatives }, cause: error.cause });
      }
      throw error;
    }
  }

  async #withAlternatives(error: unknown, service: Service, durationMin: number, date: string, time: string, now: Date): Promise<unknown> {
    if (!isBookingError(error, 'SLOT_FULL')) return error;
    const alternatives = await this.#alternativesFor(service, durationMin, date, time, now);
    return new BookingError('SLOT_FULL', `${service.name} at ${date} ${time} is fully booked.`, {
      details: { service: service.id, date, time, alternatives },
    });
  }
}

function requireTimeOk(time: string): boolean {
  try {
    requireTime(time);
    return true;
  } catch {
    return false;
  }
}
