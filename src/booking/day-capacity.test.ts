import { describe, expect, it } from 'vitest';
import type { Booking } from './booking-store.js';
import { serviceDayCapacity } from './day-capacity.js';
import { DEMO_BUSINESS } from './demo-business.js';
import { parseTime } from '../shared/local-time.js';

const service = DEMO_BUSINESS.services.find((s) => s.capacity > 1)!;
const booking = (date: string, durationMin: number, status: Booking['status'] = 'confirmed'): Booking =>
  ({ serviceId: service.id, date, durationMin, status }) as Booking;

describe('serviceDayCapacity', () => {
  it('counts place-minutes: open minutes times capacity, less confirmed bookings of that service and day', () => {
    const date = '2026-12-03';
    const result = serviceDayCapacity({
      business: DEMO_BUSINESS,
      service,
      date,
      bookings: [booking(date, 30), booking(date, 60), booking(date, 45, 'cancelled'), booking('2026-12-04', 30)],
      freeSlots: [
        { date, time: '15:00', remaining: 1 },
        { date, time: '15:15', remaining: 2 },
      ],
    });
    const open = DEMO_BUSINESS.openingHours.thursday.reduce((sum, i) => sum + parseTime(i.close, { allowEndOfDay: true })! - parseTime(i.open)!, 0);
    expect(result).toMatchObject({ openMinutes: open, capacityMinutes: open * service.capacity, bookedMinutes: 90, bookings: 2, freeStarts: 2, nextFree: '15:00', closed: null });
    expect(result.leftMinutes).toBe(result.capacityMinutes - 90);
  });

  it('has no room on a closed day', () => {
    // 2026-11-30 is a Monday, when the demo business is closed.
    const result = serviceDayCapacity({ business: DEMO_BUSINESS, service, date: '2026-11-30', bookings: [], freeSlots: [] });
    expect(result).toMatchObject({ openMinutes: 0, capacityMinutes: 0, leftMinutes: 0, nextFree: null });
    expect(result.closed).toMatch(/closed on Mondays/);
  });
});
