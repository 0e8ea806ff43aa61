/**
 * Wall-clock dates and times in the business's time zone, converted with Intl alone.
 *
 * Dates are `YYYY-MM-DD`, times `HH:MM` (24h), both local to the business. The few
 * conversions the booking domain needs (local time -> instant, instant -> local time,
 * weekday, day arithmetic) are small enough that a date library would add weight without
 * removing risk; the DST edge cases are pinned by tests instead.
 */

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_RE = /^(\d{2}):(\d{2})$/;
const DAY_MS = 86_400_000;

export const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** Parse `YYYY-MM-DD`; undefined when malformed or not a real calendar day. */
export function parseDate(text: string): { year: number; month: number; day: number } | undefined {
  const match = DATE_RE.exec(text);
  if (!match) return undefined;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (probe.getUTCFullYear() !== year || probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day) return undefined;
  return { year, month, day };
}

export function isValidDate(text: string): boolean {
  return parseDate(text) !== undefined;
}

/** Minutes since midnight for `HH:MM` (00:00-23:59), or for `24:00` when `allowEndOfDay`. */
export function parseTime(text: string, options: { allowEndOfDay?: boolean } = {}): number | undefined {
  const match = TIME_RE.exec(text);
  if (!match) return undefined;
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  if (options.allowEndOfDay && hours === 24 && minutes === 0) return 24 * 60;
  if (hours > 23 || minutes > 59) return undefined;
  return hours * 60 + minutes;
}

export function formatTime(minutesOfDay: number): string {
  const h = Math.floor(minutesOfDay / 60);
  const m = minutesOfDay % 60;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
}

function requireDate(date: string): { year: number; month: number; day: number } {
  const parsed = parseDate(date);
  if (!parsed) throw new RangeError(`not a calendar date: ${date}`);
  return parsed;
}

function dayNumber(date: string): number {
  const { year, month, day } = requireDate(date);
  return Date.UTC(year, month - 1, day) / DAY_MS;
}

function fromDayNumber(n: number): string {
  return new Date(n * DAY_MS).toISOString().slice(0, 10);
}

/** The calendar day `days` after `date` (negative goes back). */
export function addDays(date: string, days: number): string {
  return fromDayNumber(dayNumber(date) + days);
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return dayNumber(to) - dayNumber(from);
}

export function weekdayOf(date: string): Weekday {
  const index = new Date(dayNumber(date) * DAY_MS).getUTCDay();
  return WEEKDAYS[index] as Weekday;
}

/** Every date from `from` to `to`, both included. */
export function datesBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let n = dayNumber(from), end = dayNumber(to); n <= end; n++) out.push(fromDayNumber(n));
  return out;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** True when the runtime knows `timeZone` as an IANA zone name. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

interface WallParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallPartsAt(instantMs: number, timeZone: string): WallParts {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(instantMs))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return {
    year: parts['year'] ?? 0,
    month: parts['month'] ?? 0,
    day: parts['day'] ?? 0,
    hour: parts['hour'] ?? 0,
    minute: parts['minute'] ?? 0,
    second: parts['second'] ?? 0,
  };
}

/** The zone's offset from UTC at one instant, in milliseconds (east positive). */
export function zoneOffsetMs(instantMs: number, timeZone: string): number {
  const wall = wallPartsAt(instantMs, timeZone);
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  return asUtc - Math.floor(instantMs / 1000) * 1000;
}

/** The local date and time at an instant. */
export function toLocal(instant: Date | number, timeZone: string): { date: string; time: string; minutesOfDay: number } {
  const wall = wallPartsAt(typeof instant === 'number' ? instant : instant.getTime(), timeZone);
  const date = `${String(wall.year).padStart(4, '0')}-${String(wall.month).padStart(2, '0')}-${String(wall.day).padStart(2, '0')}`;
  const minutesOfDay = wall.hour * 60 + wall.minute;
  return { date, time: formatTime(minutesOfDay), minutesOfDay };
}

/**
 * The instant at which the wall clock in `timeZone` shows `date` + `minutesOfDay`
 * (0..1440; 1440 is the next midnight).
 *
 * When clocks go back, a wall time happens twice: the earlier instant is chosen (as
 * Temporal's "compatible" disambiguation does). When clocks go forward, a wall time in the
 * gap never happens: undefined.
 */
export function localToInstant(date: string, minutesOfDay: number, timeZone: string): Date | undefined {
  if (minutesOfDay === 24 * 60) return localToInstant(addDays(date, 1), 0, timeZone);
  const { year, month, day } = requireDate(date);
  const wallAsUtc = Date.UTC(year, month - 1, day, Math.floor(minutesOfDay / 60), minutesOfDay % 60);
  // Zones change offset at most once within a day or so, so the offsets a day before and a
  // day after are the only two candidates; each candidate is kept only if it round-trips.
  const offsets = new Set([zoneOffsetMs(wallAsUtc - DAY_MS, timeZone), zoneOffsetMs(wallAsUtc + DAY_MS, timeZone)]);
  const candidates: number[] = [];
  for (const offset of offsets) {
    const instant = wallAsUtc - offset;
    const back = wallPartsAt(instant, timeZone);
    if (Date.UTC(back.year, back.month - 1, back.day, back.hour, back.minute) === wallAsUtc) candidates.push(instant);
  }
  if (candidates.length === 0) return undefined;
  return new Date(Math.min(...candidates));
}

/** Today's date in the business's time zone. */
export function todayIn(timeZone: string, now: Date): string {
  return toLocal(now, timeZone).date;
}
