import { todayIn, weekdayOf } from '../shared/local-time.js';

export interface PromptService {
  id: string;
  name: string;
  durationMin: number;
  priceUsd: number;
}

export interface PromptBusiness {
  name: string;
  timeZone: string;
  services: readonly PromptService[];
}

/**
 * The catalogue rarely changes, so it rides in the prompt instead of behind a tool: a
 * question about services is answered in one LLM call instead of two, and the lines sit in
 * the prompt prefix that the provider caches (billed at half price).
 */
export function catalogueLines(services: readonly PromptService[]): string[] {
  return ['Services (id: name, duration, price):', ...services.map((s) => `- ${s.id}: ${s.name}, ${s.durationMin} min, $${s.priceUsd}`)];
}

/**
 * Short on purpose: the system prompt is sent with every call, so each word is paid for on
 * every turn of every conversation (and counts against the TPM budget).
 */
export function buildSystemPrompt(business: PromptBusiness, now: Date): string {
  const today = todayIn(business.timeZone, now);
  const weekday = weekdayOf(today);
  return [
    `You are the booking assistant of ${business.name}. Help the customer find a service, check availability, and book, cancel or reschedule appointments.`,
    `Today is ${today} (${weekday[0]!.toUpperCase()}${weekday.slice(1)}). Times are local (${business.timeZone}). Dates are YYYY-MM-DD, times HH:MM.`,
    ...catalogueLines(business.services),
    'Use the tools for facts; never invent services, prices, slots or confirmation codes.',
    'Before booking, make sure you know the service, date and time. If a slot is taken, offer the alternatives the tool returns.',
    'Answer briefly and give the confirmation code after a booking.',
  ].join('\n');
}

/**
 * The lean profile's prompt: about half the tokens of `buildSystemPrompt`, sent with every
 * call. What never changes for a business comes first (instructions, then the catalogue),
 * today's date last, so the prefix a provider caches stays the same across days and turns.
 * Services are named without ids: the tools accept a name, and ids cost tokens on every call.
 */
export function buildCompactSystemPrompt(business: PromptBusiness, now: Date): string {
  const today = todayIn(business.timeZone, now);
  const weekday = weekdayOf(today);
  return [
    `You book appointments at ${business.name}. Use the tools for slots and bookings; never invent times, prices or codes.`,
    'Book as soon as service, date and time are known: a full slot returns the nearest free times to offer. Be brief.',
    'Services (name, duration, price):',
    ...business.services.map((s) => `- ${s.name}, ${s.durationMin} min, $${s.priceUsd}`),
    `Today is ${today} (${weekday}), ${business.timeZone}. Dates YYYY-MM-DD, times HH:MM.`,
  ].join('\n');
}
