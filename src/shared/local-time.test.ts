import { describe, expect, it } from 'vitest';
import { addDays, datesBetween, daysBetween, isValidTimeZone, localToInstant, parseDate, parseTime, todayIn, toLocal, weekdayOf, zoneOffsetMs } from './local-time.js';

describe('calendar helpers', () => {
  it('accepts real dates only', () => {
    expect(parseDate('2026-02-28')).toEqual({ year: 2026, month: 2, day: 28 });
    expect(parseDate('2026-02-29')).toBeUndefined();
    expect(parseDate('2028-02-29')).toBeDefined();
    expect(parseDate('2026-13-01')).toBeUndefined();
    expect(parseDate('26-01-01')).toBeUndefined();
  });

  it('parses times, with 24:00 only where an end of day is allowed', () => {
    expect(parseTime('09:30')).toBe(570);
    expect(parseTime('24:00')).toBeUndefined();
    expect(parseTime('24:00', { allowEndOfDay: true })).toBe(1440);
    expect(parseTime('9:30')).toBeUndefined();
    expect(parseTime('12:60')).toBeUndefined();
  });

  it('does day arithmetic across months, years and leap days', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2028-03-01', -1)).toBe('2028-02-29');
    expect(daysBetween('2026-12-25', '2027-01-01')).toBe(7);
    expect(datesBetween('2026-12-30', '2027-01-01')).toEqual(['2026-12-30', '2026-12-31', '2027-01-01']);
    expect(weekdayOf('2026-12-03')).toBe('thursday');
  });

  it('knows IANA zones', () => {
    expect(isValidTimeZone('America/New_York')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
  });
});

describe('zone conversions', () => {
  it('converts an ordinary local time both ways', () => {
    const instant = localToInstant('2026-12-03', 10 * 60, 'America/New_York');
    expect(instant?.toISOString()).toBe('2026-12-03T15:00:00.000Z');
    expect(toLocal(instant!, 'America/New_York')).toMatchObject({ date: '2026-12-03', time: '10:00' });
    expect(localToInstant('2026-07-03', 10 * 60, 'America/New_York')?.toISOString()).toBe('2026-07-03T14:00:00.000Z');
    expect(localToInstant('2026-07-03', 10 * 60, 'Asia/Kathmandu')?.toISOString()).toBe('2026-07-03T04:15:00.000Z');
  });

  it('treats 24:00 as the next midnight', () => {
    expect(localToInstant('2026-12-03', 1440, 'Europe/London')?.toISOString()).toBe('2026-12-04T00:00:00.000Z');
  });

  it('has no instant for a wall time skipped when clocks go forward', () => {
    // New York, 2026-03-08: 02:00 EST jumps to 03:00 EDT.
    expect(localToInstant('2026-03-08', 2 * 60 + 30, 'America/New_York')).toBeUndefined();
    expect(localToInstant('2026-03-08', 1 * 60 + 59, 'America/New_York')?.toISOString()).toBe('2026-03-08T06:59:00.000Z');
    expect(localToInstant('2026-03-08', 3 * 60, 'America/New_York')?.toISOString()).toBe('2026-03-08T07:00:00.000Z');
    // London, 2026-03-29: 01:00 GMT jumps to 02:00 BST.
    expect(localToInstant('2026-03-29', 60 + 30, 'Europe/London')).toBeUndefined();
  });

  it('picks the first of two instants for a wall time repeated when clocks go back', () => {
    // New York, 2026-11-01: 02:00 EDT falls back to 01:00 EST; 01:30 happens twice.
    expect(localToInstant('2026-11-01', 90, 'America/New_York')?.toISOString()).toBe('2026-11-01T05:30:00.000Z');
    expect(toLocal(new Date('2026-11-01T06:30:00Z'), 'America/New_York').time).toBe('01:30');
    expect(localToInstant('2026-11-01', 2 * 60, 'America/New_York')?.toISOString()).toBe('2026-11-01T07:00:00.000Z');
  });

  it('reports the offset in force at an instant', () => {
    expect(zoneOffsetMs(Date.parse('2026-11-01T05:59:00Z'), 'America/New_York')).toBe(-4 * 3_600_000);
    expect(zoneOffsetMs(Date.parse('2026-11-01T06:00:00Z'), 'America/New_York')).toBe(-5 * 3_600_000);
  });

  it("gives today's date in the business's zone, not the machine's", () => {
    const lateEvening = new Date('2026-12-04T03:30:00Z');
    expect(todayIn('America/Los_Angeles', lateEvening)).toBe('2026-12-03');
    expect(todayIn('Asia/Tokyo', lateEvening)).toBe('2026-12-04');
  });
});
