import { BookingError } from './booking-error.js';
import type { Business, Service } from './business.js';
import { addDays, daysBetween, formatTime, isValidDate, localToInstant, parseTime, todayIn, toLocal, weekdayOf } from '../shared/local-time.js';
import { unitsCovering } from './time-units.js';

/** A start time at which a service still has room, with how many places are left. */
export interface Slot {
  date: string;
  time: string;
  remaining: number;
}

/** One start time the opening hours allow, before bookings are taken into account. */
export interface SlotCandidate {
  date: string;
  time: string;
  start: Date;
  end: Date;
  /** Wall-clock end time. */
  endTime: string;
}

/** Why a date has no opening hours, or undefined when it has some. */
export function closedReason(business: Business, date: string): string | undefined {
  const closed = business.closedDates.find((c) => c.date === date);
  if (closed) return closed.reason ? `closed on ${date} (${closed.reason})` : `closed on ${date}`;
  const weekday = weekdayOf(date);
  if (business.openingHours[weekday].length === 0) return `closed on ${weekday[0]!.toUpperCase()}${weekday.slice(1)}s`;
  return undefined;
}

/**
 * The first instant at or after a wall time that exists: a closing time that falls in a
 * spring-forward gap closes at the end of the gap.
 */
function existingInstantFrom(date: string, minutesOfDay: number, timeZone: string): Date {
  for (let m = minutesOfDay; m <= minutesOfDay + 180; m += 5) {
    const instant = localToInstant(date, m, timeZone);
    if (instant) return instant;
  }
  throw new RangeError(`no instant near ${date} ${formatTime(minutesOfDay)} in ${timeZone}`);
}

/**
 * Every start time on `date` at which a `durationMin` appointment fits inside one opening
 * interval: starts every `slotStepMin` from the interval's opening, ends by its closing
 * (measured in real minutes, so on a DST day an appointment never runs past closing).
 * Wall times that do not exist (spring forward) are skipped; repeated ones (fall back)
 * are offered once, at their first occurrence.
 */
export function slotCandidates(business: Business, durationMin: number, date: string): readonly SlotCandidate[] {
  // Pure in (business, duration, date) and costly in Intl calls, while availability asks for
  // the same few days over and over: keep a bounded memo per business object.
  let memo = candidateMemo.get(business);
  if (!memo) candidateMemo.set(business, (memo = new Map()));
  const key = `${durationMin}|${date}`;
  let candidates = memo.get(key);
  if (!candidates) {
    if (memo.size >= MEMO_LIMIT) memo.clear();
    candidates = Object.freeze(computeCandidates(business, durationMin, date));
    memo.set(key, candidates);
  }
  return candidates;
}

const MEMO_LIMIT = 5000;
const candidateMemo = new WeakMap<Business, Map<string, readonly SlotCandidate[]>>();

function computeCandidates(business: Business, durationMin: number, date: string): SlotCandidate[] {
  if (closedReason(business, date) !== undefined) return [];
  const out: SlotCandidate[] = [];
  for (const interval of business.openingHours[weekdayOf(date)]) {
    const openMin = parseTime(interval.open) ?? 0;
    const closeMin = parseTime(interval.close, { allowEndOfDay: true }) ?? 0;
    const closeAt = existingInstantFrom(date, closeMin, business.timeZone).getTime();
    for (let t = openMin; t < closeMin; t += business.slotStepMin) {
      const start = localToInstant(date, t, business.timeZone);
      if (!start) continue;
      const endMs = start.getTime() + durationMin * 60_000;
      if (endMs > closeAt) break;
      out.push({ date, time: formatTime(t), start, end: new Date(endMs), endTime: toLocal(endMs, business.timeZone).time });
    }
  }
  return out;
}

/** Places left for one candidate: capacity minus the fullest unit it covers. */
export function remainingPlaces(candidate: Pick<SlotCandidate, 'start' | 'end'>, capacity: number, occupancy: ReadonlyMap<number, number>): number {
  let fullest = 0;
  for (const unit of unitsCovering(candidate.start.getTime(), candidate.end.getTime())) fullest = Math.max(fullest, occupancy.get(unit) ?? 0);
  return Math.max(0, capacity - fullest);
}

/**
 * Free slots of a service over the given dates: candidates from the opening hours, minus
 * those starting at or before `now`, minus those where any covered unit is at capacity.
 * Overlap counts, not just the same start: a 60-minute booking at 10:00 also fills the
 * 10:30 start of a 60-minute service with capacity 1.
 */
export function freeSlots(input: {
  business: Business;
  service: Pick<Service, 'durationMin' | 'capacity'>;
  dates: readonly string[];
  occupancy: ReadonlyMap<number, number>;
  now: Date;
}): Slot[] {
  const slots: Slot[] = [];
  const nowMs = input.now.getTime();
  for (const date of input.dates) {
    for (const candidate of slotCandidates(input.business, input.service.durationMin, date)) {
      if (candidate.start.getTime() <= nowMs) continue;
      const remaining = remainingPlaces(candidate, input.service.capacity, input.occupancy);
      if (remaining > 0) slots.push({ date: candidate.date, time: candidate.time, remaining });
    }
  }
  return slots;
}

/**
 * The `limit` slots nearest to a wished date and time: that day first (closest time first),
 * then each following day (closest to the same time of day), returned in calendar order.
 */
export function nearestSlots<T extends { date: string; time: string }>(slots: readonly T[], wish: { date: string; time: string }, limit: number): T[] {
  const wishMin = parseTime(wish.time) ?? 0;
  const ranked = slots
    .filter((s) => s.date >= wish.date)
    .map((slot) => ({ slot, day: daysBetween(wish.date, slot.date), distance: Math.abs((parseTime(slot.time) ?? 0) - wishMin) }))
    .sort((a, b) => a.day - b.day || a.distance - b.distance || a.slot.time.localeCompare(b.slot.time))
    .slice(0, Math.max(0, limit))
    .map((r) => r.slot);
  return ranked.sort((a, b) => a.date.localeCompare(b.date) || a.time.localeCompare(b.time));
}

/** Last date that can be booked (today + horizon, inclusive). */
export function horizonEnd(business: Business, now: Date): string {
  return addDays(todayIn(business.timeZone, now), business.bookingHorizonDays);
}

export function requireDate(date: string, field = 'date'): string {
  if (typeof date !== 'string' || !isValidDate(date)) {
    throw new BookingError('INVALID_DATE', `${JSON.stringify(date)} is not a valid ${field}; use YYYY-MM-DD.`, { details: { field } });
  }
  return date;
}

export function requireTime(time: string, field = 'time'): number {
  const minutes = typeof time === 'string' ? parseTime(time) : undefined;
  if (minutes === undefined) {
    throw new BookingError('INVALID_TIME', `${JSON.stringify(time)} is not a valid ${field}; use HH:MM (24-hour).`, { details: { field } });
  }
  return minutes;
}

/**
 * Check that an appointment of `durationMin` may start at `date` `time`, from the business
 * file and the clock alone, and return its candidate (instants, end time). Refusals, in
 * the order a customer would want to hear them: malformed input, the past, the horizon,
 * a closed day, outside the opening hours, a start between two slot steps.
 */
export function checkSlot(business: Business, durationMin: number, date: string, time: string, now: Date): SlotCandidate {
  requireDate(date);
  const minutes = requireTime(time);
  const today = todayIn(business.timeZone, now);
  if (date < today) throw new BookingError('IN_THE_PAST', `${date} is in the past (today is ${today}).`, { details: { today } });
  const lastDate = horizonEnd(business, now);
  if (date > lastDate) {
    throw new BookingError('BEYOND_HORIZON', `Bookings open ${business.bookingHorizonDays} days ahead; ${date} is after ${lastDate}.`, { details: { lastDate } });
  }
  const start = localToInstant(date, minutes, business.timeZone);
  if (!start) throw new BookingError('INVALID_TIME', `${time} does not exist on ${date}: the clocks go forward that night.`, { details: { field: 'time' } });
  if (start.getTime() <= now.getTime()) {
    throw new BookingError('IN_THE_PAST', `${date} ${time} has already passed (it is now ${toLocal(now, business.timeZone).time}).`, { details: { today } });
  }
  const closed = closedReason(business, date);
  if (closed) throw new BookingError('OUTSIDE_OPENING_HOURS', `${business.name} is ${closed}.`);
  const candidates = slotCandidates(business, durationMin, date);
  const exact = candidates.find((c) => c.time === time);
  if (exact) return exact;
  const hours = business.openingHours[weekdayOf(date)].map((i) => `${i.open}-${i.close}`).join(', ');
  const inside = business.openingHours[weekdayOf(date)].some((i) => minutes >= (parseTime(i.open) ?? 0) && minutes + durationMin <= (parseTime(i.close, { allowEndOfDay: true }) ?? 0));
  if (inside) {
    throw new BookingError('INVALID_TIME', `Appointments start every ${business.slotStepMin} minutes from opening; ${time} is between two start times.`, { details: { field: 'time' } });
  }
  throw new BookingError('OUTSIDE_OPENING_HOURS', `A ${durationMin}-minute appointment at ${time} on ${date} does not fit the opening hours (${hours}).`, { details: { openingHours: hours } });
}
