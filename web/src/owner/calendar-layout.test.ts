import { describe, expect, it } from 'vitest';
import { hourRange, placeBookings } from './calendar-layout.js';
import type { Booking } from './owner-types.js';

const booking = (code: string, time: string, durationMin: number): Booking => ({
  code,
  customerId: 'c',
  customerName: null,
  serviceId: 's',
  service: 'S',
  date: '2026-12-03',
  time,
  endTime: '',
  durationMin,
  priceUsd: 10,
  status: 'confirmed',
  notes: null,
  startAt: '',
  endAt: '',
  createdAt: '',
  updatedAt: '',
  cancelledAt: null,
});

describe('placeBookings', () => {
  it('gives overlapping bookings their own lanes and lets the rest use the full width', () => {
    const placed = placeBookings([booking('A', '10:00', 60), booking('B', '10:30', 30), booking('C', '11:00', 30), booking('D', '12:00', 30)], 9 * 60);
    const by = Object.fromEntries(placed.map((p) => [p.booking.code, p]));
    expect(by.A).toMatchObject({ top: 60, height: 60, lane: 0, lanes: 2 });
    expect(by.B).toMatchObject({ lane: 1, lanes: 2 });
    // C starts when A ends: it takes lane 0 again, and B's lane has been free since 11:00 too.
    expect(by.C).toMatchObject({ lane: 0, lanes: 1 });
    expect(by.D).toMatchObject({ top: 180, lane: 0, lanes: 1 });
  });
});

describe('hourRange', () => {
  it('covers the opening hours of the shown days, in whole hours', () => {
    const hours = { monday: [{ open: '09:30', close: '12:00' }], tuesday: [{ open: '08:00', close: '17:15' }], wednesday: [], thursday: [], friday: [], saturday: [], sunday: [] };
    expect(hourRange({ openingHours: hours }, ['2026-11-30', '2026-12-01'])).toEqual({ startMin: 480, endMin: 1080 });
    expect(hourRange({ openingHours: hours }, ['2026-12-02'])).toEqual({ startMin: 540, endMin: 1020 });
  });
});
