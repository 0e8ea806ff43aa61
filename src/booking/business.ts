import { z } from 'zod';
import { isValidDate, isValidTimeZone, parseTime, WEEKDAYS, type Weekday } from '../shared/local-time.js';
import { UNIT_MIN } from './time-units.js';

/**
 * The business file an owner writes (JSON or YAML): who they are, when they open, what
 * they sell. Validated once when loaded; everything downstream trusts its shape.
 */

const timeOfDay = (allowEndOfDay: boolean) =>
  z
    .string()
    .refine((t) => parseTime(t, { allowEndOfDay }) !== undefined, { message: `must be a time HH:MM (00:00-${allowEndOfDay ? '24:00' : '23:59'})` })
    .refine((t) => (parseTime(t, { allowEndOfDay }) ?? 0) % UNIT_MIN === 0, { message: `must be a multiple of ${UNIT_MIN} minutes` });

const intervalObject = z.strictObject({ open: timeOfDay(false), close: timeOfDay(true) });

/** `"09:00-12:30"` or `{ open: "09:00", close: "12:30" }`; `close` may be `24:00`. */
const openingInterval = z
  .union([
    z
      .string()
      .regex(/^\d{2}:\d{2}\s*-\s*\d{2}:\d{2}$/, 'must be "HH:MM-HH:MM" or {open, close}')
      .transform((text) => {
        const [open = '', close = ''] = text.split('-').map((s) => s.trim());
        return { open, close };
      })
      .pipe(intervalObject),
    intervalObject,
  ])
  .refine((i) => (parseTime(i.open) ?? 0) < (parseTime(i.close, { allowEndOfDay: true }) ?? 0), { message: 'must open before it closes' });

export type OpeningInterval = z.output<typeof openingInterval>;

const dayHours = z
  .array(openingInterval)
  .default([])
  .superRefine((intervals, ctx) => {
    const sorted = [...intervals].sort((a, b) => (parseTime(a.open) ?? 0) - (parseTime(b.open) ?? 0));
    for (let i = 1; i < sorted.length; i++) {
      const prev = sorted[i - 1]!;
      const next = sorted[i]!;
      if ((parseTime(next.open) ?? 0) < (parseTime(prev.close, { allowEndOfDay: true }) ?? 0)) {
        ctx.addIssue({ code: 'custom', message: `intervals ${prev.open}-${prev.close} and ${next.open}-${next.close} overlap` });
      }
    }
  })
  .transform((intervals) => [...intervals].sort((a, b) => (parseTime(a.open) ?? 0) - (parseTime(b.open) ?? 0)));

const openingHours = z.strictObject(Object.fromEntries(WEEKDAYS.map((day) => [day, dayHours])) as Record<Weekday, typeof dayHours>);

const calendarDate = z.string().refine(isValidDate, { message: 'must be a date YYYY-MM-DD' });

const closedDate = z
  .union([calendarDate.transform((date) => ({ date, reason: undefined as string | undefined })), z.strictObject({ date: calendarDate, reason: z.string().max(200).optional() })])
  .transform((c) => (c.reason === undefined ? { date: c.date } : { date: c.date, reason: c.reason }));

export const serviceSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be a slug: lower-case letters, digits and single dashes, e.g. "classic-haircut"').max(64),
  name: z.string().trim().min(1, 'must not be empty').max(100),
  description: z.string().trim().max(500).default(''),
  durationMin: z
    .number({ error: 'must be a number of minutes' })
    .int('must be a whole number of minutes')
    .min(UNIT_MIN, `must be at least ${UNIT_MIN} minutes`)
    .max(12 * 60, 'must be at most 720 minutes')
    .refine((m) => m % UNIT_MIN === 0, { message: `must be a multiple of ${UNIT_MIN} minutes` }),
  priceUsd: z.number({ error: 'must be a price in US dollars' }).min(0, 'must be 0 or more').max(1_000_000),
  capacity: z
    .number({ error: 'must be a whole number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1 (how many customers can hold the same time)')
    .max(1000),
});

export type Service = z.output<typeof serviceSchema>;

export const businessSchema = z
  .strictObject({
    name: z.string().trim().min(1, 'must not be empty').max(200),
    description: z.string().trim().max(1000).optional(),
    timeZone: z.string().refine(isValidTimeZone, { message: 'must be an IANA time zone such as "America/New_York"' }),
    slotStepMin: z
      .number({ error: 'must be a number of minutes' })
      .int('must be a whole number of minutes')
      .min(UNIT_MIN)
      .max(240)
      .refine((m) => m % UNIT_MIN === 0, { message: `must be a multiple of ${UNIT_MIN} minutes` })
      .default(15),
    bookingHorizonDays: z.number({ error: 'must be a number of days' }).int('must be a whole number of days').min(1).max(366).default(60),
    openingHours,
    closedDates: z.array(closedDate).default([]),
    services: z.array(serviceSchema).min(1, 'must list at least one service').max(200),
  })
  .superRefine((business, ctx) => {
    const ids = new Set<string>();
    const names = new Set<string>();
    business.services.forEach((service, index) => {
      if (ids.has(service.id)) ctx.addIssue({ code: 'custom', path: ['services', index, 'id'], message: `duplicate service id "${service.id}"` });
      const name = service.name.toLowerCase();
      if (names.has(name)) ctx.addIssue({ code: 'custom', path: ['services', index, 'name'], message: `duplicate service name "${service.name}"` });
      ids.add(service.id);
      names.add(name);
    });
  });

/** What an owner writes (defaults not yet applied). */
export type BusinessInput = z.input<typeof businessSchema>;
/** A validated business: defaults applied, intervals normalised and sorted. */
export type Business = z.output<typeof businessSchema>;
