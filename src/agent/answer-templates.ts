/**
 * Answers written from a tool's result when the result fully answers the customer: a booking
 * confirmed, cancelled or moved, the free times asked for, the customer's bookings, a slot
 * that is taken with the times that are not. Each saves the second LLM call of a turn (the
 * one that would only restate the result) and says what the model would say, in the
 * business's voice: service names, dates in words, the confirmation code, the price.
 *
 * Everything else goes back to the model: results that are errors without alternatives,
 * a slot checked and found free (the customer may want it booked, or only wanted to know),
 * several tool calls in one step, and any tool this module does not know.
 */

export interface TemplateContext {
  businessName: string;
}

/** One tool call of the step just executed, with its result as the tool returned it (JSON text). */
export interface ExecutedCall {
  name: string;
  args: Record<string, unknown>;
  result: string;
}

interface BookingFacts {
  code: string;
  service: string;
  date: string;
  time: string;
  endTime?: string;
  status?: string;
  priceUsd?: number;
}

interface SlotFacts {
  date: string;
  time: string;
  remaining?: number;
}

/** The templated answer for a step's results, or undefined when the model should answer. */
export function templatedAnswer(calls: readonly ExecutedCall[], context: TemplateContext): string | undefined {
  if (calls.length !== 1) return undefined;
  const [call] = calls as [ExecutedCall];
  const result = parseObject(call.result);
  if (!result) return undefined;
  if (result.ok === false) return refusalWithAlternatives(call, result);
  switch (call.name) {
    case 'book_appointment':
      return bookingOf(result) ? confirmed(bookingOf(result)!, result.alreadyBooked === true, context) : undefined;
    case 'cancel_booking':
      return bookingOf(result) ? cancelled(bookingOf(result)!) : undefined;
    case 'reschedule_booking':
      return bookingOf(result) ? moved(bookingOf(result)!) : undefined;
    case 'list_my_bookings':
      return Array.isArray(result.bookings) ? myBookings(result.bookings.filter(isBooking)) : undefined;
    case 'check_availability':
      return availability(call, result);
    default:
      return undefined;
  }
}

function confirmed(b: BookingFacts, replayed: boolean, context: TemplateContext): string {
  const lead = replayed ? 'You already have this booking, so nothing new was booked:' : 'You are booked:';
  const price = b.priceUsd === undefined ? '' : ` The price is ${dollars(b.priceUsd)}, paid at ${context.businessName}.`;
  return `${lead} ${b.service} on ${dateInWords(b.date)} at ${b.time}. Your confirmation code is ${b.code}.${price} If your plans change, I can move or cancel it.`;
}

function cancelled(b: BookingFacts): string {
  return `Your ${b.service} on ${dateInWords(b.date)} at ${b.time} (${b.code}) is cancelled. If you would like another time, just say when.`;
}

function moved(b: BookingFacts): string {
  return `Done: your ${b.service} is moved to ${dateInWords(b.date)} at ${b.time}. Your confirmation code stays ${b.code}.`;
}

function myBookings(bookings: BookingFacts[]): string {
  const active = bookings.filter((b) => b.status === undefined || b.status === 'confirmed');
  if (active.length === 0) return 'You have no upcoming bookings. Would you like to make one?';
  const lines = active.map((b) => `- ${b.code}: ${b.service}, ${dateInWords(b.date)} at ${b.time}${b.priceUsd === undefined ? '' : ` (${dollars(b.priceUsd)})`}`);
  return [`You have ${active.length === 1 ? 'one upcoming booking' : `${active.length} upcoming bookings`}:`, ...lines, 'Would you like to change or cancel any of them?'].join('\n');
}

/**
 * Free times answer the customer when they asked for times (no time given) or when the time
 * they asked for is taken. A free asked-for time goes to the model: it decides whether the
 * customer wanted it booked.
 */
function availability(call: ExecutedCall, result: Record<string, unknown>): string | undefined {
  const service = serviceName(result.service);
  const date = typeof result.date === 'string' ? result.date : undefined;
  const slots = Array.isArray(result.slots) ? result.slots.filter(isSlot) : undefined;
  if (!service || !date || !slots) return undefined;
  const asked = typeof call.args.time === 'string' ? call.args.time : undefined;
  const requested = isRecord(result.requested) ? result.requested : undefined;
  if (asked && (requested === undefined || requested.available !== false)) return undefined;
  const open = slots.filter((s) => s.remaining === undefined || s.remaining > 0);
  const lead = asked ? `${asked} is not available for ${service} on ${dateInWords(date)}.` : undefined;
  if (open.length === 0) return [lead ?? `There are no free times for ${service} on ${dateInWords(date)}.`, 'Shall I look at another day?'].join(' ');
  const times = timesOn(open, date);
  return asked
    ? `${lead} The nearest open times are ${times}. Would you like one of those instead?`
    : `For ${service} on ${dateInWords(date)}, the open times are ${times}. Which time would you like me to book?`;
}

/** A refusal that names other times (a full slot): offer them. Other refusals go to the model. */
function refusalWithAlternatives(call: ExecutedCall, result: Record<string, unknown>): string | undefined {
  const alternatives = Array.isArray(result.alternatives) ? result.alternatives.filter(isSlot) : [];
  const error = isRecord(result.error) ? result.error : {};
  if (alternatives.length === 0 || call.name !== 'book_appointment') return undefined;
  const askedDate = typeof call.args.date === 'string' ? call.args.date : alternatives[0]!.date;
  const askedTime = typeof call.args.time === 'string' ? call.args.time : undefined;
  const what = askedTime ? `${askedTime} on ${dateInWords(askedDate)}` : 'That time';
  const reason = error.code === 'SLOT_FULL' ? 'is fully booked' : 'is not available';
  return `I'm sorry, ${what} ${reason}. The nearest open times are ${timesOn(alternatives.slice(0, 5), askedDate)}. Would you like one of those instead?`;
}

/** "10:00, 10:30 and 11:00", naming the day (in words and as a date) of any time on another day. */
function timesOn(slots: readonly SlotFacts[], date: string): string {
  const shown = slots.slice(0, 6).map((s) => (s.date === date ? s.time : `${dateInWords(s.date)} (${s.date}) at ${s.time}`));
  return shown.length <= 1 ? shown.join('') : `${shown.slice(0, -1).join(', ')} and ${shown.at(-1)}`;
}

const DATE_IN_WORDS = new Intl.DateTimeFormat('en-GB', { weekday: 'long', day: 'numeric', month: 'long', timeZone: 'UTC' });

/** `2026-12-03` -> `Thursday 3 December` (the date is a local calendar day, so it is formatted as UTC). */
export function dateInWords(date: string): string {
  const at = Date.parse(`${date}T00:00:00Z`);
  return Number.isNaN(at) ? date : DATE_IN_WORDS.format(at).replace(',', '');
}

function dollars(amount: number): string {
  return Number.isInteger(amount) ? `$${amount}` : `$${amount.toFixed(2)}`;
}

function bookingOf(result: Record<string, unknown>): BookingFacts | undefined {
  return result.ok === true && isBooking(result.booking) ? result.booking : undefined;
}

function serviceName(value: unknown): string | undefined {
  return isRecord(value) && typeof value.name === 'string' ? value.name : undefined;
}

function isBooking(value: unknown): value is BookingFacts {
  return isRecord(value) && typeof value.code === 'string' && typeof value.service === 'string' && typeof value.date === 'string' && typeof value.time === 'string';
}

function isSlot(value: unknown): value is SlotFacts {
  return isRecord(value) && typeof value.date === 'string' && typeof value.time === 'string';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
