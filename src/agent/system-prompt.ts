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

// Building an Intl.DateTimeFormat costs far more than using one, and the prompt is built for
// every LLM call, so one formatter per time zone is kept.
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', weekday: 'long' });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The calendar date and weekday of an instant in a time zone, e.g. `2026-11-28 (Saturday)`. */
export function localDateLabel(now: Date, timeZone: string): { date: string; weekday: string } {
  const parts = formatterFor(timeZone).formatToParts(now);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return { date: `${get('year')}-${get('month')}-${get('day')}`, weekday: get('weekday') };
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
  const today = localDateLabel(now, business.timeZone);
  return [
    `You are the booking assistant of ${business.name}. Help the customer find a service, check availability, and book, cancel or reschedule appointments.`,
    `Today is ${today.date} (${today.weekday}). Times are local (${business.timeZone}). Dates are YYYY-MM-DD, times HH:MM.`,
    ...catalogueLines(business.services),
    'Use the tools for facts; never invent services, prices, slots or confirmation codes.',
    'Before booking, make sure you know the service, date and time. If a slot is taken, offer the alternatives the tool returns.',
    'Answer briefly and give the confirmation code after a booking.',
  ].join('\n');
}
