import { lognormal, pick, type Rng } from '../seeded-random.js';
import { humanDate } from './date-time-parse.js';
import type { BookingRef, ServiceRef, SlotRef } from './tool-results.js';

/**
 * The assistant's text answers. Each answer is the sentences that carry the facts (codes,
 * times, services) plus, when the drawn length calls for it, a few of the courteous
 * sentences gpt-4o-mini adds; lengths follow a lognormal around 45 tokens, clipped to
 * 20..150, the shape such answers have from gpt-4o-mini.
 */
export class ReplyWriter {
  readonly #rng: Rng;

  constructor(rng: Rng) {
    this.#rng = rng;
  }

  servicesList(services: readonly ServiceRef[], intro?: string): string {
    if (services.length === 0) return this.#compose(["I couldn't find any services to offer right now."], []);
    const lines = services.slice(0, 12).map((s) => `- ${s.name}${describeService(s)}`);
    return this.#compose(
      [
        intro ?? pick(this.#rng, ['Here are the services we offer:', 'We currently offer the following services:', 'Sure! These are our services:']),
        lines.join('\n'),
        pick(this.#rng, ['Which one would you like to book?', 'Would you like me to check availability for any of them?', 'Let me know which service interests you.']),
      ],
      [],
    );
  }

  slots(service: string, date: string, slots: readonly SlotRef[], preferred: string | undefined): string {
    const open = slots.filter((s) => s.remaining === undefined || s.remaining > 0);
    if (open.length === 0) return this.noSlots(service, date);
    const times = nearest(open.map((s) => s.time), preferred).slice(0, 6);
    const when = `${humanDate(date)} (${date})`;
    const lead =
      preferred && !open.some((s) => s.time === preferred)
        ? `${preferred} isn't available for ${service} on ${when}, but these times are open: ${list(times)}.`
        : preferred
          ? `Good news: ${preferred} is available for ${service} on ${when}. Other open times are ${list(times.filter((t) => t !== preferred).slice(0, 4)) || 'limited'}.`
          : `For ${service} on ${when}, the open times are ${list(times)}.`;
    return this.#compose([lead, pick(this.#rng, ['Which time would you like me to book?', 'Shall I book one of these for you?', 'Which time works best for you?'])], [
      'Times fill up quickly, so it is best to book soon.',
      'If none of these suit you, I can check another day.',
    ]);
  }

  noSlots(service: string, date: string): string {
    return this.#compose(
      [`Unfortunately there are no open times for ${service} on ${humanDate(date)} (${date}).`, pick(this.#rng, ['Would another day work for you?', 'Shall I check a different day?'])],
      [],
    );
  }

  confirmed(booking: BookingRef, fallback: { service?: string | undefined; date?: string | undefined; time?: string | undefined }): string {
    const service = booking.service ?? fallback.service ?? 'your appointment';
    const date = booking.date ?? fallback.date;
    const time = booking.time ?? fallback.time;
    const when = date ? ` on ${humanDate(date)} (${date})${time ? ` at ${time}` : ''}` : '';
    const price = booking.priceUsd !== undefined ? ` The price is $${booking.priceUsd}.` : '';
    return this.#compose(
      [
        `${pick(this.#rng, ["You're all set!", 'Done!', 'Your booking is confirmed.'])} ${service}${when}. Your confirmation code is ${booking.code}.${price}`,
      ],
      [
        'Please arrive a few minutes early.',
        'Keep the code handy in case you need to change or cancel the booking.',
        'We look forward to seeing you.',
        'If your plans change, just tell me and I can move or cancel it.',
      ],
    );
  }

  failed(errorCode: string | undefined, message: string | undefined, alternatives: readonly SlotRef[] | undefined, preferred?: string): string {
    const reason = message ?? explain(errorCode);
    const alts = (alternatives ?? []).map((a) => a.time);
    const offer = alts.length > 0 ? `The nearest open times are ${list(nearest(alts, preferred).slice(0, 5))}. Would you like one of those instead?` : pick(this.#rng, ['Would you like to try a different time or day?', 'Shall I look for another time?']);
    return this.#compose([`I'm sorry, I couldn't complete that: ${reason.replace(/\.$/, '')}.`, offer], []);
  }

  cancelled(booking: BookingRef | undefined, code: string): string {
    const what = booking?.service ? ` for ${booking.service}${booking.date ? ` on ${humanDate(booking.date)}` : ''}${booking.time ? ` at ${booking.time}` : ''}` : '';
    return this.#compose([`Your booking ${code}${what} has been cancelled.`], ['If you change your mind, I can help you book a new time.']);
  }

  rescheduled(booking: BookingRef | undefined, code: string, date: string | undefined, time: string | undefined): string {
    const d = booking?.date ?? date;
    const t = booking?.time ?? time;
    return this.#compose(
      [`Your booking ${booking?.code ?? code} has been moved to ${d ? `${humanDate(d)} (${d})` : 'the new date'}${t ? ` at ${t}` : ''}.`],
      ['Your confirmation code stays the same.'],
    );
  }

  bookings(bookings: readonly BookingRef[]): string {
    const active = bookings.filter((b) => b.status === undefined || b.status === 'confirmed' || b.status === 'booked');
    if (active.length === 0) return this.#compose(["You don't have any upcoming bookings."], ['Would you like to make one?']);
    const lines = active.slice(0, 10).map((b) => `- ${b.code}: ${b.service ?? 'appointment'}${b.date ? ` on ${humanDate(b.date)} (${b.date})` : ''}${b.time ? ` at ${b.time}` : ''}`);
    return this.#compose([`You have ${active.length === 1 ? 'one upcoming booking' : `${active.length} upcoming bookings`}:`, lines.join('\n')], [
      'Would you like to change or cancel any of them?',

    ]);
  }

  askService(services: readonly ServiceRef[] | undefined): string {
    const names = (services ?? []).slice(0, 8).map((s) => s.name);
    return this.#compose([names.length > 0 ? `Which service would you like? We offer ${list(names)}.` : 'Which service would you like to book?'], []);
  }

  askDate(service: string): string {
    return this.#compose([`Sure, ${service}. Which day would you like to come in?`], ['You can say a date like 2026-12-03, or "tomorrow" or "Friday".']);
  }

  askNewTime(code: string): string {
    return this.#compose([`To which date and time would you like to move ${code}?`], []);
  }

  askCode(bookings: readonly BookingRef[] | undefined): string {
    const codes = (bookings ?? []).filter((b) => b.status !== 'cancelled').map((b) => `${b.code} (${b.service ?? 'appointment'}${b.date ? ` on ${b.date}` : ''})`);
    return this.#compose([codes.length > 0 ? `Which booking do you mean: ${list(codes)}?` : 'Could you give me the confirmation code of the booking? It looks like BK-XXXXXX.'], []);
  }

  toolError(message: string): string {
    return this.#compose([`Sorry, something went wrong on my side: ${message.slice(0, 200).replace(/\.$/, '')}.`, 'Could you try again in a moment?'], []);
  }

  greeting(services: readonly ServiceRef[] | undefined): string {
    const offer = services && services.length > 0 ? ` We offer ${list(services.slice(0, 6).map((s) => s.name))}.` : '';
    return this.#compose([`${pick(this.#rng, ['Hello!', 'Hi there!', 'Hello, and welcome!'])} I can help you book, change or cancel an appointment.${offer}`, 'What can I do for you?'], []);
  }

  thanks(): string {
    return this.#compose([pick(this.#rng, ["You're welcome!", 'My pleasure!', 'Glad I could help!'])], ['Have a great day!', 'See you soon!']);
  }

  declined(): string {
    return this.#compose(['No problem.'], ['Is there anything else I can help you with?']);
  }

  /** Small talk for anything else; `topic` echoes the message's main words. */
  chat(topic: readonly string[], bookingCapable: boolean): string {
    const about = topic.length > 0 ? ` about ${topic.slice(0, 3).join(' ')}` : '';
    const core = bookingCapable
      ? [
          pick(this.#rng, ["I'm the booking assistant here, so I can't help much with that.", "That's outside what I can help with here.", "I'm not the best source for that, I'm afraid."]),
          'I can show our services, check free times, and book, move or cancel appointments. What would you like to do?',
        ]
      : [
          pick(this.#rng, [`That's a good question${about}.`, `Happy to help${about}.`, `Sure, let's talk${about}.`]),
          pick(this.#rng, [
            'Here is a short answer: it depends on the details, but the usual approach is to start simple and adjust as you learn more.',
            'In short, the most common answer is to weigh the options, pick the one that fits your needs, and revisit it later.',
            'A quick summary: there are a few ways to look at it, and the right one depends on what matters most to you.',
          ]),
        ];
    const extras = bookingCapable
      ? []
      : [
          'A good first step is to write down what you want to achieve and what constraints you have.',
          'Many people find it useful to compare two or three options side by side before deciding.',
          'If you share a bit more context, I can give a more specific answer.',
          'It also helps to check reliable sources and recent information, since details change over time.',
          'Small experiments are a cheap way to learn what works before committing to a bigger plan.',
          'Keep in mind that trade-offs are normal: faster or cheaper options usually give up something else.',
        ];
    return this.#compose(core, extras);
  }

  /**
   * Facts first, then extra sentences until the drawn length is reached, then at most one
   * closing courtesy, as the model writes them.
   */
  #compose(core: readonly string[], extras: readonly string[]): string {
    const target = Math.min(150, Math.max(20, lognormal(this.#rng, 45, 0.45)));
    const parts = [...core];
    let tokens = estimateTokens(parts.join(' '));
    const pool = [...extras];
    while (tokens < target && pool.length > 0) {
      const [sentence] = pool.splice(Math.floor(this.#rng.next() * pool.length), 1) as [string];
      parts.push(sentence);
      tokens += estimateTokens(sentence) + 1;
    }
    if (tokens < target && !parts.some((p) => p.endsWith('?'))) parts.push(pick(this.#rng, CLOSERS));
    // List blocks ("- item" lines) stand on their own lines; sentences run on.
    let out = parts[0] ?? '';
    for (let i = 1; i < parts.length; i++) {
      const part = parts[i] as string;
      out += (part.startsWith('- ') || (parts[i - 1] as string).startsWith('- ') ? '\n' : ' ') + part;
    }
    return out;
  }
}

const CLOSERS = [
  'Is there anything else I can help you with?',
  'Let me know if you need anything else.',
  'Happy to help with anything else.',
  'Feel free to ask if you have any questions.',
];

function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4.2);
}

function describeService(s: ServiceRef): string {
  const bits: string[] = [];
  if (s.durationMin !== undefined) bits.push(`${s.durationMin} min`);
  if (s.priceUsd !== undefined) bits.push(`$${s.priceUsd}`);
  return bits.length > 0 ? ` (${bits.join(', ')})` : '';
}

function explain(code: string | undefined): string {
  switch (code) {
    case 'SLOT_FULL':
      return 'that time is fully booked';
    case 'OUTSIDE_OPENING_HOURS':
      return "that time is outside our opening hours";
    case 'IN_THE_PAST':
      return 'that time is in the past';
    case 'UNKNOWN_SERVICE':
      return "I couldn't find that service";
    case 'BOOKING_NOT_FOUND':
      return "I couldn't find that booking";
    case 'ALREADY_CANCELLED':
      return 'that booking was already cancelled';
    case 'INVALID_DATE':
      return "that date isn't valid";
    case 'INVALID_TIME':
      return "that time isn't valid";
    default:
      return code ? `the booking system answered ${code}` : 'the booking system returned an error';
  }
}

/** Times sorted by distance to the preferred time (or in order when there is none). */
export function nearest(times: readonly string[], preferred: string | undefined): string[] {
  if (!preferred) return [...times];
  const p = minutes(preferred);
  return [...times].sort((a, b) => Math.abs(minutes(a) - p) - Math.abs(minutes(b) - p) || minutes(a) - minutes(b));
}

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':');
  return Number(h) * 60 + Number(m);
}

export function list(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
