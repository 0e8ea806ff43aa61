import type { ChatRequest } from '../chat-request.js';
import type { Rng } from '../seeded-random.js';
import { buildArguments, type ArgValues } from './argument-builder.js';
import { ConversationReader, type Conversation, type TurnStep } from './conversation.js';
import { resolveDate } from './date-time-parse.js';
import { ReplyWriter } from './reply-writer.js';
import type { ToolKind } from './tool-kinds.js';
import type { BookingRef, ServiceRef, SlotRef } from './tool-results.js';
import type { Intent, Utterance } from './utterance.js';
import { stems } from './words.js';

export interface BrainToolCall {
  name: string;
  arguments: string;
}

export type BrainDecision = { kind: 'text'; text: string } | { kind: 'tool_calls'; calls: BrainToolCall[] };

type Action = { type: 'call'; kind: ToolKind; values: ArgValues } | { type: 'text'; text: string };

/** Tool calls allowed after one customer message before the brain answers anyway. */
const MAX_STEPS_PER_TURN = 5;
/** How often the brain checks a slot before booking it when it was not shown yet. */
const CHECK_FIRST_PROBABILITY = 0.3;

const INTENT_TOOLS: Partial<Record<Intent, ToolKind[]>> = {
  cancel: ['cancel', 'list_bookings'],
  reschedule: ['reschedule', 'list_bookings'],
  my_bookings: ['list_bookings'],
  book: ['book', 'check_availability', 'list_services'],
  availability: ['check_availability', 'list_services'],
};

/**
 * A scripted booking assistant. From the conversation and the request's tools it decides,
 * like a competent model would, whether to call a tool (with arguments valid against that
 * tool's schema) or to answer in text from the latest tool results. Deterministic for a
 * given rng, which the caller seeds from the simulator seed and the prompt.
 */
export class ScriptedBrain {
  readonly #reader: ConversationReader;

  constructor(options: { maxEntries: number } = { maxEntries: 20_000 }) {
    this.#reader = new ConversationReader(options.maxEntries);
  }

  decide(request: ChatRequest, rng: Rng, fallbackToday: string): BrainDecision {
    const c = this.#reader.read(request, fallbackToday);
    const writer = new ReplyWriter(rng);
    if (request.tools.length === 0) return { kind: 'text', text: chatWithoutTools(c, writer) };
    const choice = request.toolChoice;
    let action = plan(c, writer, rng);
    if (choice.kind === 'none' && action.type === 'call') action = { type: 'text', text: answerFromTurn(c, writer) ?? writer.chat(c.user?.serviceWords ?? [], true) };
    if (choice.kind === 'function') return forcedCall(request, c, choice.name, action);
    if (choice.kind === 'required' && action.type === 'text') return requiredCall(request, c);
    if (action.type === 'text') return { kind: 'text', text: action.text };
    const tool = c.catalog.byKind.get(action.kind);
    if (!tool) return { kind: 'text', text: writer.chat(c.user?.serviceWords ?? [], true) };
    return { kind: 'tool_calls', calls: [{ name: tool.name, arguments: JSON.stringify(buildArguments(tool, { customerName: c.customerName, ...action.values })) }] };
  }
}

function plan(c: Conversation, w: ReplyWriter, rng: Rng): Action {
  const u = c.user;
  if (!u) return { type: 'text', text: w.greeting(c.services) };
  if (c.turn.length >= MAX_STEPS_PER_TURN) return text(answerFromTurn(c, w) ?? w.chat(u.serviceWords, true));
  const last = c.turn.at(-1);
  // A result the brain cannot interpret (an unknown tool or a plain-text error): explain it.
  if (last && last.kind === undefined) return text(answerFromStep(c, w, last));
  switch (effectiveIntent(c, u)) {
    case 'cancel':
      return planCancel(c, u, w);
    case 'reschedule':
      return planReschedule(c, u, w);
    case 'my_bookings':
      return planMyBookings(c, w);
    case 'book':
      return planBook(c, u, w, rng);
    case 'availability':
      return planAvailability(c, u, w);
    case 'services':
      return planServices(c, w);
    case 'greeting': {
      const listed = done(c, 'list_services');
      if (!c.services && !listed && can(c, 'list_services')) return call('list_services', {});
      return text(w.greeting(c.services));
    }
    case 'thanks':
      return text(w.thanks());
    case 'decline':
      return text(w.declined());
    default:
      return text(answerFromTurn(c, w) ?? w.chat(u.serviceWords, true));
  }
}

/** Read "yes" after an offer, or a bare service name, as the request they stand for. */
function effectiveIntent(c: Conversation, u: Utterance): Intent {
  // "Yes" books only in answer to an offer (a question naming times), never after a confirmation.
  if (u.intent === 'confirm') {
    const last = c.lastAssistantText ?? '';
    return last.includes('?') && !/\b[A-Z]{2,4}-[A-Z0-9]{4,10}\b/.test(last) && offeredTime(c, u) ? 'book' : 'other';
  }
  if (u.intent === 'other' && c.services && matchService(u.serviceWords, c.services)) return u.times.length > 0 ? 'book' : 'availability';
  if (u.intent === 'other' && u.wantsSomething && u.serviceWords.length > 0) return 'availability';
  if (u.intent === 'other' && (u.dates.length > 0 || u.wantsEarliest) && (c.offered || c.focusService)) return u.wantsEarliest ? 'book' : 'availability';
  return u.intent;
}

function planServices(c: Conversation, w: ReplyWriter): Action {
  const listed = done(c, 'list_services');
  if (listed?.facts?.services) return text(w.servicesList(listed.facts.services));
  // The catalogue is in the system prompt: answer from it, as a model reading it would.
  if (!listed && c.promptServices) return text(w.servicesList(c.services ?? c.promptServices));
  if (!listed && can(c, 'list_services')) return call('list_services', {});
  if (c.services) return text(w.servicesList(c.services));
  return text(listed ? answerFromStep(c, w, listed) : w.chat(['our services'], true));
}

function planAvailability(c: Conversation, u: Utterance, w: ReplyWriter): Action {
  const checked = done(c, 'check_availability');
  if (checked) return text(answerFromStep(c, w, checked));
  const service = resolveService(c, u);
  if (service === 'list') return call('list_services', {});
  if (!service) return text(w.askService(c.services));
  const date = resolveDay(c, u);
  if (!date) return text(w.askDate(service.name));
  if (!can(c, 'check_availability')) return text(w.chat(u.serviceWords, true));
  return call('check_availability', { service, date, time: u.times[0] });
}

function planBook(c: Conversation, u: Utterance, w: ReplyWriter, rng: Rng): Action {
  const booked = done(c, 'book');
  if (booked) return text(answerFromStep(c, w, booked));
  const service = resolveService(c, u);
  if (service === 'list') return call('list_services', {});
  if (!service) return text(w.askService(c.services));
  const date = resolveDay(c, u);
  if (!date) return text(w.askDate(service.name));
  const time = u.times[0] ?? offeredTime(c, u);
  const checked = done(c, 'check_availability');
  if (!time) {
    if (checked) return text(answerFromStep(c, w, checked));
    if (can(c, 'check_availability')) return call('check_availability', { service, date });
    return text(w.askDate(service.name));
  }
  if (checked?.facts?.slots && checked.facts.slots.length > 0 && !isOpen(checked.facts.slots, time)) {
    return text(w.slots(service.name, date, checked.facts.slots, time));
  }
  if (checked?.facts && checked.facts.ok === false) return text(answerFromStep(c, w, checked));
  if (!checked && can(c, 'check_availability') && !wasOffered(c, date, time) && rng.next() < CHECK_FIRST_PROBABILITY) {
    return call('check_availability', { service, date, time });
  }
  if (!can(c, 'book')) return text(w.chat(u.serviceWords, true));
  return call('book', { service, date, time });
}

function planCancel(c: Conversation, u: Utterance, w: ReplyWriter): Action {
  const cancelled = done(c, 'cancel');
  if (cancelled) return text(answerFromStep(c, w, cancelled));
  const code = u.codes[0] ?? bookingFromContext(c, u)?.code;
  if (!code) return findBooking(c, w);
  if (!can(c, 'cancel')) return text(w.chat(u.serviceWords, true));
  return call('cancel', { code });
}

function planReschedule(c: Conversation, u: Utterance, w: ReplyWriter): Action {
  const moved = done(c, 'reschedule');
  if (moved) return text(answerFromStep(c, w, moved));
  const booking = u.codes[0] ? (c.bookings.get(u.codes[0]) ?? { code: u.codes[0] }) : bookingFromContext(c, u);
  if (!booking) return findBooking(c, w);
  const first = u.dates[0];
  const date = first ? resolveDate(first, c.today) : u.times.length > 0 ? (booking as Partial<BookingRef>).date : undefined;
  const time = u.times[0] ?? (u.dates.length > 0 ? (booking as Partial<BookingRef>).time : undefined);
  if (!date || !time) return text(w.askNewTime(booking.code));
  if (!can(c, 'reschedule')) return text(w.chat(u.serviceWords, true));
  return call('reschedule', { code: booking.code, date, time });
}

function planMyBookings(c: Conversation, w: ReplyWriter): Action {
  const listed = done(c, 'list_bookings');
  if (listed) return text(answerFromStep(c, w, listed));
  if (can(c, 'list_bookings')) return call('list_bookings', {});
  return text(w.bookings([...c.bookings.values()]));
}

/** No code given and none clear from context: list the bookings, or ask. */
function findBooking(c: Conversation, w: ReplyWriter): Action {
  const listed = done(c, 'list_bookings');
  if (!listed && can(c, 'list_bookings')) return call('list_bookings', {});
  const active = activeBookings(c);
  if (listed && active.length === 0) return text(w.bookings([]));
  return text(w.askCode(active));
}

function chatWithoutTools(c: Conversation, w: ReplyWriter): string {
  const u = c.user;
  if (!u || u.intent === 'greeting') return w.greeting(undefined);
  if (u.intent === 'thanks') return w.thanks();
  return w.chat(u.serviceWords, false);
}

/** A text answer from the latest tool result of this turn, if there is one. */
function answerFromTurn(c: Conversation, w: ReplyWriter): string | undefined {
  const last = c.turn.at(-1);
  return last ? answerFromStep(c, w, last) : undefined;
}

function answerFromStep(c: Conversation, w: ReplyWriter, step: TurnStep): string {
  const f = step.facts;
  if (!f) return w.toolError('the tool gave no result');
  const argTime = typeof step.args.time === 'string' ? step.args.time : undefined;
  const failed = f.ok === false || (f.errorMessage !== undefined && !f.booking && !f.slots && !f.services && !f.bookings);
  if (failed) return w.failed(f.errorCode, f.errorMessage, f.alternatives, argTime);
  switch (step.kind) {
    case 'list_services':
      return w.servicesList(f.services ?? c.services ?? []);
    case 'check_availability': {
      const service = f.slotsService?.name ?? c.focusService?.name ?? 'that service';
      return w.slots(service, f.slotsDate ?? c.focusDate ?? c.today, f.slots ?? [], argTime);
    }
    case 'book':
      return f.booking
        ? w.confirmed(f.booking, { service: c.focusService?.name, date: c.focusDate, time: argTime })
        : w.failed(f.errorCode, f.errorMessage ?? 'the booking was not confirmed', f.alternatives, argTime);
    case 'cancel': {
      const code = (typeof step.args.code === 'string' ? step.args.code : undefined) ?? f.booking?.code ?? '';
      return w.cancelled(f.booking ?? c.bookings.get(code), code);
    }
    case 'reschedule': {
      const code = (typeof step.args.code === 'string' ? step.args.code : undefined) ?? f.booking?.code ?? '';
      return w.rescheduled(f.booking, code, typeof step.args.date === 'string' ? step.args.date : undefined, argTime);
    }
    case 'list_bookings':
      return w.bookings(f.bookings ?? []);
    default:
      return `Here is what I found: ${f.text.slice(0, 400)}`;
  }
}

/** `tool_choice` named a function: call it with whatever the conversation provides. */
function forcedCall(request: ChatRequest, c: Conversation, name: string, action: Action): BrainDecision {
  const tool = request.tools.find((t) => t.name === name);
  if (!tool) return { kind: 'text', text: '' };
  const kind = c.catalog.kindOfName.get(name);
  const values = action.type === 'call' && action.kind === kind ? action.values : contextValues(c);
  return { kind: 'tool_calls', calls: [{ name, arguments: JSON.stringify(buildArguments(tool, { customerName: c.customerName, ...values })) }] };
}

/** `tool_choice: required` but the plan was to answer: call the tool the intent points to. */
function requiredCall(request: ChatRequest, c: Conversation): BrainDecision {
  const preferred = [...(INTENT_TOOLS[c.user?.intent ?? 'other'] ?? []), 'list_services', 'list_bookings'] as ToolKind[];
  const kind = preferred.find((k) => c.catalog.byKind.has(k));
  const tool = (kind && c.catalog.byKind.get(kind)) ?? request.tools[0];
  if (!tool) return { kind: 'text', text: '' };
  return { kind: 'tool_calls', calls: [{ name: tool.name, arguments: JSON.stringify(buildArguments(tool, { customerName: c.customerName, ...contextValues(c) })) }] };
}

function contextValues(c: Conversation): ArgValues {
  const u = c.user;
  const service = u ? resolveService(c, u) : c.focusService;
  return {
    service: service === 'list' ? undefined : service,
    date: u ? resolveDay(c, u) : c.focusDate,
    time: u?.times[0],
    code: u?.codes[0] ?? (u ? bookingFromContext(c, u)?.code : undefined),
  };
}

/**
 * The service the customer means: named in this message (matched against the listed
 * services, or the system prompt's catalogue), else the one the conversation is about,
 * else named earlier. Returns 'list' when the services must be listed first to tell,
 * which never happens with a catalogue in the prompt.
 */
function resolveService(c: Conversation, u: Utterance): ServiceRef | 'list' | undefined {
  const mayList = can(c, 'list_services') && !done(c, 'list_services');
  if (u.serviceWords.length > 0) {
    if (c.services) {
      const m = matchService(u.serviceWords, c.services);
      if (m) return m;
    } else if (mayList) return 'list';
  }
  if (c.focusService) return c.focusService;
  for (const earlier of c.earlierUsers) {
    if (earlier.serviceWords.length === 0) continue;
    if (!c.services) return mayList ? 'list' : undefined;
    const m = matchService(earlier.serviceWords, c.services);
    if (m) return m;
  }
  if (!c.services && mayList) return 'list';
  return undefined;
}

/** Best service for the words: most words in common, shorter names first on ties. */
export function matchService(words: readonly string[], services: readonly ServiceRef[]): ServiceRef | undefined {
  let best: ServiceRef | undefined;
  let bestScore = 0;
  for (const s of services) {
    const names = new Set([...stems(s.name), ...stems(s.id ?? '')]);
    let hits = 0;
    for (const w of words) {
      if (names.has(w)) hits += 1;
      else if (w.length >= 4 && [...names].some((n) => n.length >= 4 && (n.startsWith(w) || w.startsWith(n)))) hits += 0.5;
    }
    const score = hits === 0 ? 0 : hits - names.size * 0.01;
    if (score > bestScore) {
      best = s;
      bestScore = score;
    }
  }
  return best;
}

function resolveDay(c: Conversation, u: Utterance): string | undefined {
  const first = u.dates[0];
  if (first) return resolveDate(first, c.today);
  const offered = u.wantsEarliest ? c.offered?.find((s) => s.remaining !== 0)?.date : undefined;
  if (offered) return offered;
  if (c.focusDate) return c.focusDate;
  for (const earlier of c.earlierUsers) {
    const d = earlier.dates[0];
    if (d) return resolveDate(d, c.today);
  }
  return undefined;
}

/** The time a "yes" or "the earliest" refers to: the first time in the last answer or offer. */
function offeredTime(c: Conversation, u: Utterance): string | undefined {
  if (u.wantsEarliest) return c.offered?.find((s) => s.remaining !== 0)?.time;
  if (u.intent !== 'confirm') return undefined;
  const open = c.offered?.filter((s) => s.remaining !== 0) ?? [];
  // The first offered time the last answer mentions (it may also quote a taken time).
  const mentioned = c.lastAssistantText?.match(/\b\d{2}:\d{2}\b/g) ?? [];
  return mentioned.find((t) => open.some((s) => s.time === t)) ?? (open.length === 0 ? mentioned[0] : undefined);
}

function wasOffered(c: Conversation, date: string, time: string): boolean {
  return c.offered?.some((s) => s.time === time && (s.date === undefined || s.date === date) && s.remaining !== 0) ?? false;
}

function isOpen(slots: readonly SlotRef[], time: string): boolean {
  return slots.some((s) => s.time === time && (s.remaining === undefined || s.remaining > 0));
}

function activeBookings(c: Conversation): BookingRef[] {
  return [...c.bookings.values()].filter((b) => b.status === undefined || b.status === 'confirmed' || b.status === 'booked');
}

/** The booking "it" or "my haircut booking" refers to, when that is unambiguous. */
function bookingFromContext(c: Conversation, u: Utterance): BookingRef | undefined {
  const active = activeBookings(c);
  if (active.length === 1) return active[0];
  if (active.length === 0) return undefined;
  const words = new Set(u.serviceWords);
  const dates = new Set(u.dates.map((d) => resolveDate(d, c.today)));
  const matching = active.filter((b) => (b.date && dates.has(b.date)) || stems(`${b.service ?? ''} ${b.serviceId ?? ''}`).some((s) => words.has(s)));
  return matching.length === 1 ? matching[0] : undefined;
}

function done(c: Conversation, kind: ToolKind): TurnStep | undefined {
  for (let i = c.turn.length - 1; i >= 0; i--) if (c.turn[i]?.kind === kind) return c.turn[i];
  return undefined;
}

function can(c: Conversation, kind: ToolKind): boolean {
  return c.catalog.byKind.has(kind);
}

function call(kind: ToolKind, values: ArgValues): Action {
  return { type: 'call', kind, values };
}

function text(t: string): Action {
  return { type: 'text', text: t };
}
