/**
 * Dates, times and prices in words for people. Dates are the business's local calendar
 * dates (YYYY-MM-DD) and times its wall clock (HH:MM): they are formatted as such, in UTC,
 * so the visitor's own time zone can never shift them by a day.
 */
export function dateInWords(date: string, locale?: string): string {
  const [y, m, d] = date.split('-').map(Number);
  if (!y || !m || !d) return date;
  return new Intl.DateTimeFormat(locale, { weekday: 'long', year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' }).format(Date.UTC(y, m - 1, d));
}

export function shortDate(date: string, locale?: string): string {
  const [y, m, d] = date.split('-').map(Number);
  if (!y || !m || !d) return date;
  return new Intl.DateTimeFormat(locale, { weekday: 'short', month: 'short', day: 'numeric', timeZone: 'UTC' }).format(Date.UTC(y, m - 1, d));
}

export function timeInWords(time: string, locale?: string): string {
  const [h, min] = time.split(':').map(Number);
  if (h === undefined || min === undefined || Number.isNaN(h) || Number.isNaN(min)) return time;
  return new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit', timeZone: 'UTC' }).format(Date.UTC(2000, 0, 1, h, min));
}

export function whenInWords(date: string, time: string, locale?: string): string {
  return `${dateInWords(date, locale)} at ${timeInWords(time, locale)}`;
}

export function priceInWords(usd: number, locale?: string): string {
  return new Intl.NumberFormat(locale, { style: 'currency', currency: 'USD' }).format(usd);
}

/** "in 1 second", "in 12 seconds", "in about 2 minutes". */
export function waitInWords(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  if (seconds < 90) return `in ${seconds} second${seconds === 1 ? '' : 's'}`;
  return `in about ${Math.round(seconds / 60)} minutes`;
}

/** Minutes as "1 h 30 min", "45 min", "6 h". */
export function durationInWords(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = Math.round(minutes % 60);
  if (h === 0) return `${m} min`;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

/** Calendar arithmetic on YYYY-MM-DD, in UTC so that no zone's daylight saving shifts it. */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, (d ?? 1) + days)).toISOString().slice(0, 10);
}

/** Monday of the week holding `date`. */
export function mondayOf(date: string): string {
  const [y, m, d] = date.split('-').map(Number);
  const weekday = new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1)).getUTCDay();
  return addDays(date, -((weekday + 6) % 7));
}

export function minutesOf(time: string): number {
  const [h, m] = time.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}
