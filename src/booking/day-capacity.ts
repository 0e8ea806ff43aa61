import { closedReason, type Slot } from './availability.js';
import type { Booking } from './booking-store.js';
import type { Business, Service } from './business.js';
import { parseTime, weekdayOf } from '../shared/local-time.js';

/** How full one service is on one day: what the owner's console shows as "capacity left". */
export interface ServiceDayCapacity {
  serviceId: string;
  name: string;
  /** Customers the service can hold at the same time. */
  capacity: number;
  /** Minutes the business is open that day (0 when closed). */
  openMinutes: number;
  /** openMinutes x capacity: every place for every open minute. */
  capacityMinutes: number;
  /** Minutes of confirmed appointments that day. */
  bookedMinutes: number;
  /** capacityMinutes - bookedMinutes, never below 0. */
  leftMinutes: number;
  bookings: number;
  /** Start times still bookable (later than now, with a place left). */
  freeStarts: number;
  /** The earliest of them, HH:MM, or null when none is left. */
  nextFree: string | null;
  /** Why the day has no hours, when it has none. */
  closed: string | null;
}

/**
 * Capacity left is counted in place-minutes rather than in start times: start times overlap
 * (a 60-minute appointment blocks four 15-minute starts), so "free starts" alone would
 * overstate how much room remains. Both are returned; the first is the one that adds up.
 */
export function serviceDayCapacity(input: { business: Business; service: Service; date: string; bookings: readonly Booking[]; freeSlots: readonly Slot[] }): ServiceDayCapacity {
  const { business, service, date } = input;
  const closed = closedReason(business, date) ?? null;
  const openMinutes = closed
    ? 0
    : business.openingHours[weekdayOf(date)].reduce((sum, i) => sum + (parseTime(i.close, { allowEndOfDay: true }) ?? 0) - (parseTime(i.open) ?? 0), 0);
  const booked = input.bookings.filter((b) => b.serviceId === service.id && b.date === date && b.status === 'confirmed');
  const bookedMinutes = booked.reduce((sum, b) => sum + b.durationMin, 0);
  const capacityMinutes = openMinutes * service.capacity;
  const free = input.freeSlots.filter((s) => s.date === date);
  return {
    serviceId: service.id,
    name: service.name,
    capacity: service.capacity,
    openMinutes,
    capacityMinutes,
    bookedMinutes,
    leftMinutes: Math.max(0, capacityMinutes - bookedMinutes),
    bookings: booked.length,
    freeStarts: free.length,
    nextFree: free[0]?.time ?? null,
    closed,
  };
}
