import { describe, expect, it } from 'vitest';
import { checkSlot, freeSlots, nearestSlots, slotCandidates } from './availability.js';
import { BookingError } from './booking-error.js';
import { businessSchema, type Business } from './business.js';
import { localToInstant } from '../shared/local-time.js';
import { unitsCovering } from './time-units.js';

function business(overrides: Record<string, unknown> = {}): Business {
  return businessSchema.parse({
    name: 'Test Studio',
    timeZone: 'America/New_York',
    slotStepMin: 30,
    bookingHorizonDays: 30,
    openingHours: { thursday: ['09:00-12:00', '13:00-15:00'], friday: ['10:00-11:00'], sunday: ['00:00-24:00'] },
    closedDates: [{ date: '2026-12-11', reason: 'Staff training' }],
    services: [{ id: 'cut', name: 'Cut', durationMin: 30, priceUsd: 30, capacity: 2 }],
    ...overrides,
  });
}

/** Occupancy from bookings given as [local date, local time, minutes]. */
function occupied(b: Business, bookings: Array<[string, string, number]>): Map<number, number> {
  const map = new Map<number, number>();
  for (const [date, time, minutes] of bookings) {
    const [h, m] = time.split(':').map(Number);
    const start = localToInstant(date, h! * 60 + m!, b.timeZone)!.getTime();
    for (const unit of unitsCovering(start, start + minutes * 60_000)) map.set(unit, (map.get(unit) ?? 0) + 1);
  }
  return map;
}

const times = (slots: ReadonlyArray<{ time: string }>) => slots.map((s) => s.time);
const EARLY = new Date('2026-12-01T12:00:00Z');
const THURSDAY = '2026-12-03';

describe('slot candidates from opening hours', () => {
  it('starts every step from each opening and ends by closing', () => {
    const b = business();
    expect(times(slotCandidates(b, 30, THURSDAY))).toEqual(['09:00', '09:30', '10:00', '10:30', '11:00', '11:30', '13:00', '13:30', '14:00', '14:30']);
    // 90 minutes must fit inside one interval: none crosses the lunch break or closing.
    expect(times(slotCandidates(b, 90, THURSDAY))).toEqual(['09:00', '09:30', '10:00', '10:30', '13:00', '13:30']);
    expect(slotCandidates(b, 90, '2026-12-04')).toEqual([]);
  });

  it('has none on closed weekdays and closed dates', () => {
    const b = business();
    expect(slotCandidates(b, 30, '2026-12-02')).toEqual([]); // a Wednesday
    expect(slotCandidates(b, 30, '2026-12-11')).toEqual([]); // a Friday, closed for training
  });

  it('reports the wall-clock end time', () => {
    expect(slotCandidates(business(), 30, THURSDAY)[0]).toMatchObject({ time: '09:00', endTime: '09:30', start: new Date('2026-12-03T14:00:00Z') });
  });
});

describe('slot candidates on DST days (America/New_York, open around the clock on Sundays)', () => {
  it('skips the hour that does not exist when clocks go forward', () => {
    const b = business({ slotStepMin: 60 });
    const day = slotCandidates(b, 60, '2026-03-08');
    expect(day).toHaveLength(23);
    expect(times(day)).not.toContain('02:00');
    expect(day.find((s) => s.time === '01:00')?.endTime).toBe('03:00');
  });

  it('measures duration in real minutes against closing time', () => {
    // Open 01:00-04:00 wall time, but only two real hours pass: 03:30 + 60 min ends after closing.
    const b = business({ openingHours: { sunday: ['01:00-04:00'] } });
    const day = slotCandidates(b, 60, '2026-03-08');
    expect(times(day)).toEqual(['01:00', '01:30', '03:00']);
    expect(day[1]!.endTime).toBe('03:30');
  });

  it('offers a repeated wall time once when clocks go back, and never runs past closing', () => {
    const b = business({ slotStepMin: 60, openingHours: { sunday: ['00:00-03:00'] } });
    const day = slotCandidates(b, 60, '2026-11-01');
    expect(times(day)).toEqual(['00:00', '01:00', '02:00']);
    expect(day[1]!.start.toISOString()).toBe('2026-11-01T05:00:00.000Z');
    expect(day[1]!.endTime).toBe('01:00'); // 01:00 EDT + 60 min = 01:00 EST
    expect(day[2]!.end.toISOString()).toBe('2026-11-01T08:00:00.000Z');
  });
});

describe('freeSlots', () => {
  const service = { durationMin: 30, capacity: 2 };

  it('counts remaining places per slot from capacity', () => {
    const b = business();
    const slots = freeSlots({ business: b, service, dates: [THURSDAY], occupancy: occupied(b, [[THURSDAY, '09:00', 30]]), now: EARLY });
    expect(slots[0]).toEqual({ date: THURSDAY, time: '09:00', remaining: 1 });
    expect(slots[1]).toEqual({ date: THURSDAY, time: '09:30', remaining: 2 });
  });

  it('removes a slot when any unit it covers is full, not only when the start matches', () => {
    const b = business();
    // Two 60-minute bookings at 10:00 fill 10:00-11:00 for a capacity-2 service.
    const occupancy = occupied(b, [
      [THURSDAY, '10:00', 60],
      [THURSDAY, '10:00', 60],
    ]);
    const thirty = freeSlots({ business: b, service, dates: [THURSDAY], occupancy, now: EARLY });
    expect(times(thirty)).toEqual(['09:00', '09:30', '11:00', '11:30', '13:00', '13:30', '14:00', '14:30']);
    // A 60-minute service starting at 09:30 would run into 10:00: gone too.
    const sixty = freeSlots({ business: b, service: { durationMin: 60, capacity: 2 }, dates: [THURSDAY], occupancy, now: EARLY });
    expect(times(sixty)).toEqual(['09:00', '11:00', '13:00', '13:30', '14:00']);
  });

  it('uses the fullest unit of a slot for remaining places', () => {
    const b = business();
    const occupancy = occupied(b, [[THURSDAY, '10:15', 15]]);
    const slots = freeSlots({ business: b, service, dates: [THURSDAY], occupancy, now: EARLY });
    expect(slots.find((s) => s.time === '10:00')?.remaining).toBe(1);
    expect(slots.find((s) => s.time === '10:30')?.remaining).toBe(2);
  });

  it('excludes slots that start at or before now', () => {
    const b = business();
    const now = new Date('2026-12-03T15:30:00Z'); // 10:30 in New York
    expect(times(freeSlots({ business: b, service, dates: [THURSDAY], occupancy: new Map(), now }))).toEqual(['11:00', '11:30', '13:00', '13:30', '14:00', '14:30']);
  });
});

describe('nearestSlots', () => {
  const slots = [
    { date: '2026-12-03', time: '09:00' },
    { date: '2026-12-03', time: '13:00' },
    { date: '2026-12-03', time: '14:30' },
    { date: '2026-12-04', time: '10:00' },
    { date: '2026-12-05', time: '11:00' },
  ];

  it('prefers the same day, closest time first, then the next days, in calendar order', () => {
    expect(nearestSlots(slots, { date: '2026-12-03', time: '12:00' }, 2)).toEqual([slots[1], slots[2]]);
    expect(nearestSlots(slots, { date: '2026-12-03', time: '14:00' }, 4)).toEqual([slots[0], slots[1], slots[2], slots[3]]);
    expect(nearestSlots(slots, { date: '2026-12-04', time: '09:00' }, 5)).toEqual([slots[3], slots[4]]);
  });
});

describe('checkSlot', () => {
  const b = business();
  const codeOf = (date: string, time: string, now = EARLY, minutes = 30) => {
    try {
      checkSlot(b, minutes, date, time, now);
      return 'ok';
    } catch (error) {
      expect(error).toBeInstanceOf(BookingError);
      return (error as BookingError).code;
    }
  };

  it('accepts a start the opening hours allow', () => {
    expect(codeOf(THURSDAY, '13:30')).toBe('ok');
  });

  it('refuses with a stable code for each reason', () => {
    expect(codeOf('2026-12-32', '10:00')).toBe('INVALID_DATE');
    expect(codeOf('tomorrow', '10:00')).toBe('INVALID_DATE');
    expect(codeOf(THURSDAY, '25:00')).toBe('INVALID_TIME');
    expect(codeOf(THURSDAY, '10:15')).toBe('INVALID_TIME'); // between two 30-minute steps
    expect(codeOf('2026-11-30', '10:00')).toBe('IN_THE_PAST');
    expect(codeOf(THURSDAY, '10:00', new Date('2026-12-03T15:00:00Z'))).toBe('IN_THE_PAST');
    expect(codeOf('2027-01-07', '10:00')).toBe('BEYOND_HORIZON');
    expect(codeOf('2026-12-02', '10:00')).toBe('OUTSIDE_OPENING_HOURS');
    expect(codeOf('2026-12-11', '10:00')).toBe('OUTSIDE_OPENING_HOURS');
    expect(codeOf(THURSDAY, '12:00')).toBe('OUTSIDE_OPENING_HOURS');
    expect(codeOf(THURSDAY, '11:30', EARLY, 60)).toBe('OUTSIDE_OPENING_HOURS');
  });

  it('refuses a wall time the clocks skip', () => {
    const early = new Date('2026-03-01T12:00:00Z');
    expect(codeOf('2026-03-08', '02:30', early)).toBe('INVALID_TIME');
  });
});
