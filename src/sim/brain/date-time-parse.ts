/**
 * Dates and times as customers write them, resolved against the business's "today".
 * Regular expressions run once per distinct message (the caller caches the parse).
 */

export type DateMention =
  | { kind: 'iso'; date: string }
  | { kind: 'offset'; days: number }
  | { kind: 'weekday'; weekday: number; qualifier: 'this' | 'next' | 'none' }
  | { kind: 'month-day'; month: number; day: number };

const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
const WEEKDAY_ALIASES: Record<string, number> = { tues: 2, weds: 3, thur: 4, thurs: 4 };
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] as const;
const MONTH_NAMES = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

const MONTH_RE = '(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)';
const DATE_RE = new RegExp(
  [
    '\\b(\\d{4})-(\\d{2})-(\\d{2})\\b',
    '\\b(day after tomorrow|tomorrow|today|tonight|next week)\\b',
    '\\bin (\\d{1,2}|one|two|three|four|five|six|seven) days?\\b',
    `\\b(this |next |on )?(sunday|monday|tuesday|wednesday|thursday|friday|saturday|tues|weds|thurs?)\\b`,
    `\\b${MONTH_RE}\\.? (\\d{1,2})(?:st|nd|rd|th)?\\b`,
    `\\b(\\d{1,2})(?:st|nd|rd|th)? (?:of )?${MONTH_RE}\\b`,
  ].join('|'),
  'gi',
);
const SMALL_NUMBERS: Record<string, number> = { one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7 };

/** Every date the text mentions, in order. */
export function findDates(text: string): DateMention[] {
  const out: DateMention[] = [];
  DATE_RE.lastIndex = 0;
  for (let m = DATE_RE.exec(text); m !== null; m = DATE_RE.exec(text)) {
    if (m[1]) out.push({ kind: 'iso', date: `${m[1]}-${m[2]}-${m[3]}` });
    else if (m[4]) {
      const w = m[4].toLowerCase();
      out.push({ kind: 'offset', days: w === 'tomorrow' ? 1 : w === 'day after tomorrow' ? 2 : w === 'next week' ? 7 : 0 });
    } else if (m[5]) out.push({ kind: 'offset', days: SMALL_NUMBERS[m[5].toLowerCase()] ?? Number(m[5]) });
    else if (m[7]) {
      const name = m[7].toLowerCase();
      const weekday = WEEKDAY_ALIASES[name] ?? WEEKDAYS.indexOf(name as (typeof WEEKDAYS)[number]);
      const q = (m[6] ?? '').trim().toLowerCase();
      out.push({ kind: 'weekday', weekday, qualifier: q === 'this' ? 'this' : q === 'next' ? 'next' : 'none' });
    } else if (m[8]) out.push({ kind: 'month-day', month: monthIndex(m[8]), day: Number(m[9]) });
    else if (m[10]) out.push({ kind: 'month-day', month: monthIndex(m[11] as string), day: Number(m[10]) });
  }
  return out;
}

function monthIndex(name: string): number {
  return MONTHS.indexOf(name.slice(0, 3).toLowerCase() as (typeof MONTHS)[number]);
}

/**
 * Resolve a mention against today (YYYY-MM-DD). A bare or "next" weekday is its next
 * occurrence after today (the common reading of "next Friday" said early in a week);
 * "this <weekday>" may be today. A month and day without a year is the next such date.
 */
export function resolveDate(mention: DateMention, today: string): string {
  const base = parseIso(today);
  switch (mention.kind) {
    case 'iso':
      return mention.date;
    case 'offset':
      return formatIso(addDays(base, mention.days));
    case 'weekday': {
      let ahead = (mention.weekday - base.getUTCDay() + 7) % 7;
      if (ahead === 0 && mention.qualifier !== 'this') ahead = 7;
      return formatIso(addDays(base, ahead));
    }
    case 'month-day': {
      let year = base.getUTCFullYear();
      let candidate = new Date(Date.UTC(year, mention.month, mention.day));
      if (candidate.getTime() < base.getTime()) candidate = new Date(Date.UTC(++year, mention.month, mention.day));
      return formatIso(candidate);
    }
  }
}

// Times: "10:30", "10.30am", "3pm", "3 p.m.", "15h30", "noon", or a bare hour after "at".
const TIME_RE = /\b(\d{1,2})(?::|h)(\d{2})\s*([ap])?\.?m?\.?(?![\w-])|\b(\d{1,2})\.(\d{2})\s*([ap])\.?m\b\.?|\b(\d{1,2})\s*([ap])\.?m\b\.?|\b(noon|midday)\b|\bat (\d{1,2})\b(?![:./\-\d]|\s*(?:st|nd|rd|th|day|min|people|person|guests?)\b)/gi;

/** Every time of day the text mentions, as HH:MM (24h), in order. */
export function findTimes(text: string): string[] {
  const out: string[] = [];
  TIME_RE.lastIndex = 0;
  for (let m = TIME_RE.exec(text); m !== null; m = TIME_RE.exec(text)) {
    let hour: number;
    let minute = 0;
    let half: string | undefined;
    if (m[1] !== undefined) {
      hour = Number(m[1]);
      minute = Number(m[2]);
      half = m[3];
    } else if (m[4] !== undefined) {
      hour = Number(m[4]);
      minute = Number(m[5]);
      half = m[6];
    } else if (m[7] !== undefined) {
      hour = Number(m[7]);
      half = m[8];
    } else if (m[9] !== undefined) hour = 12;
    else {
      hour = Number(m[10]);
      // "at 3" for an appointment means the afternoon.
      if (hour >= 1 && hour <= 7) hour += 12;
    }
    if (half) {
      const pm = half.toLowerCase() === 'p';
      if (hour === 12) hour = pm ? 12 : 0;
      else if (pm) hour += 12;
    }
    if (hour > 23 || minute > 59) continue;
    out.push(`${pad2(hour)}:${pad2(minute)}`);
  }
  return out;
}

/** The date of the `Today is YYYY-MM-DD` line of a system prompt, if present. */
export function todayFromPrompt(text: string): string | undefined {
  const m = /\bToday is (\d{4}-\d{2}-\d{2})\b/.exec(text);
  return m ? m[1] : undefined;
}

/** `Thursday, December 3` for a YYYY-MM-DD date. */
export function humanDate(iso: string): string {
  const d = parseIso(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const weekday = WEEKDAYS[d.getUTCDay()] as string;
  const month = MONTH_NAMES[d.getUTCMonth()] as string;
  return `${capitalise(weekday)}, ${capitalise(month)} ${d.getUTCDate()}`;
}

export function isoDateOf(date: Date): string {
  return formatIso(date);
}

function parseIso(iso: string): Date {
  return new Date(`${iso}T00:00:00Z`);
}

function addDays(d: Date, days: number): Date {
  return new Date(d.getTime() + days * 86_400_000);
}

function formatIso(d: Date): string {
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
