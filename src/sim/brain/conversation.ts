import type { ChatRequest, SimMessage } from '../chat-request.js';
import { LruCache } from '../../shared/lru-cache.js';
import { todayFromPrompt } from './date-time-parse.js';
import { catalogueFromPrompt } from './prompt-catalogue.js';
import { classifyTools, type ToolCatalog, type ToolKind } from './tool-kinds.js';
import { parseToolResult, type BookingRef, type ServiceRef, type SlotRef, type ToolFacts } from './tool-results.js';
import { parseUtterance, type Utterance } from './utterance.js';

/** One tool call made since the customer's last message, with its result. */
export interface TurnStep {
  kind: ToolKind | undefined;
  name: string;
  args: Record<string, unknown>;
  argsText: string;
  facts: ToolFacts | undefined;
}

/** What the conversation so far tells the brain. */
export interface Conversation {
  today: string;
  catalog: ToolCatalog;
  /** The last customer message, parsed; undefined when there is none. */
  user: Utterance | undefined;
  /** Earlier customer messages, most recent first. */
  earlierUsers: Utterance[];
  /** Tool calls since the last customer message, in order. */
  turn: TurnStep[];
  /** The latest list of services any tool returned, else the system prompt's catalogue. */
  services: ServiceRef[] | undefined;
  /**
   * The service catalogue the system prompt carries, if any: with it the brain answers
   * questions about services and resolves service names without calling a tool.
   */
  promptServices: ServiceRef[] | undefined;
  /** The service and date the conversation was last about (from tool calls and results). */
  focusService: ServiceRef | undefined;
  focusDate: string | undefined;
  /** The latest free slots or alternatives shown, with their date. */
  offered: SlotRef[] | undefined;
  /** Every booking seen, by code, latest state. */
  bookings: Map<string, BookingRef>;
  /** The assistant's last text answer before the customer's last message. */
  lastAssistantText: string | undefined;
  customerName: string | undefined;
}

/**
 * Reads conversations, caching every per-message parse by the message's content key so
 * that a growing conversation costs one pass of map lookups per request.
 */
export class ConversationReader {
  readonly #catalogs = new LruCache<string, ToolCatalog>(256);
  readonly #utterances: LruCache<string, Utterance>;
  readonly #facts: LruCache<string, ToolFacts>;
  readonly #todays: LruCache<string, string | null>;
  readonly #catalogues: LruCache<string, ServiceRef[] | null>;
  readonly #args: LruCache<string, Record<string, unknown>>;

  constructor(maxEntries: number) {
    this.#utterances = new LruCache(maxEntries);
    this.#facts = new LruCache(maxEntries);
    this.#todays = new LruCache(Math.max(64, maxEntries / 10));
    this.#catalogues = new LruCache(Math.max(64, maxEntries / 10));
    this.#args = new LruCache(maxEntries);
  }

  read(request: ChatRequest, fallbackToday: string): Conversation {
    let catalog = this.#catalogs.get(request.toolsKey);
    if (!catalog) {
      catalog = classifyTools(request.tools);
      this.#catalogs.set(request.toolsKey, catalog);
    }
    const c: Conversation = {
      today: fallbackToday,
      catalog,
      user: undefined,
      earlierUsers: [],
      turn: [],
      services: undefined,
      promptServices: undefined,
      focusService: undefined,
      focusDate: undefined,
      offered: undefined,
      bookings: new Map(),
      lastAssistantText: undefined,
      customerName: undefined,
    };
    let todayFound = false;
    let assistantText: string | undefined;
    const calls = new Map<string, { name: string; args: Record<string, unknown>; argsText: string }>();
    for (const message of request.messages) {
      switch (message.role) {
        case 'system':
        case 'developer': {
          if (!c.promptServices) {
            c.promptServices = this.#catalogue(message);
            // Tool results come after the system prompt, so a listed catalogue still wins.
            c.services ??= c.promptServices;
          }
          if (todayFound) break;
          const today = this.#today(message);
          if (today) {
            c.today = today;
            todayFound = true;
          }
          break;
        }
        case 'user': {
          if (c.user) c.earlierUsers.unshift(c.user);
          c.user = this.#utterance(message);
          c.customerName = c.user.customerName ?? c.customerName;
          c.turn = [];
          c.lastAssistantText = assistantText;
          break;
        }
        case 'assistant': {
          if (message.text) assistantText = message.text;
          for (const call of message.toolCalls) calls.set(call.id, { name: call.name, args: this.#parseArgs(call.arguments), argsText: call.arguments });
          break;
        }
        case 'tool': {
          const call = message.toolCallId === undefined ? undefined : calls.get(message.toolCallId);
          const facts = this.#toolFacts(message);
          const kind = call ? catalog.kindOfName.get(call.name) : undefined;
          c.turn.push({ kind, name: call?.name ?? '', args: call?.args ?? {}, argsText: call?.argsText ?? '{}', facts });
          absorb(c, kind, call?.args ?? {}, facts);
          break;
        }
      }
    }
    return c;
  }

  #today(message: SimMessage): string | undefined {
    let today = this.#todays.get(message.key);
    if (today === undefined) {
      today = todayFromPrompt(message.text) ?? null;
      this.#todays.set(message.key, today);
    }
    return today ?? undefined;
  }

  #catalogue(message: SimMessage): ServiceRef[] | undefined {
    let services = this.#catalogues.get(message.key);
    if (services === undefined) {
      services = catalogueFromPrompt(message.text) ?? null;
      this.#catalogues.set(message.key, services);
    }
    return services ?? undefined;
  }

  #utterance(message: SimMessage): Utterance {
    let u = this.#utterances.get(message.key);
    if (!u) {
      u = parseUtterance(message.text);
      this.#utterances.set(message.key, u);
    }
    return u;
  }

  #toolFacts(message: SimMessage): ToolFacts {
    let f = this.#facts.get(message.key);
    if (!f) {
      f = parseToolResult(message.text);
      this.#facts.set(message.key, f);
    }
    return f;
  }

  #parseArgs(text: string): Record<string, unknown> {
    let args = this.#args.get(text);
    if (!args) {
      try {
        const parsed: unknown = JSON.parse(text);
        args = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
      } catch {
        args = {};
      }
      this.#args.set(text, args);
    }
    return args;
  }
}

/** Fold one tool result into what the conversation is about. */
function absorb(c: Conversation, kind: ToolKind | undefined, args: Record<string, unknown>, facts: ToolFacts): void {
  if (facts.services && facts.services.length > 0) c.services = facts.services;
  const argService = stringArg(args, /service|treatment/);
  const argDate = stringArg(args, /date|day/);
  if (argService && kind !== 'list_services') c.focusService = serviceFrom(argService, c.services);
  if (argDate && kind !== 'cancel') c.focusDate = argDate.slice(0, 10);
  if (facts.slotsService) c.focusService = serviceFrom(facts.slotsService.id ?? facts.slotsService.name, c.services) ?? facts.slotsService;
  if (facts.slotsDate) c.focusDate = facts.slotsDate;
  if (facts.slots) c.offered = facts.slots.map((s) => ({ ...s, date: s.date ?? facts.slotsDate ?? c.focusDate }));
  if (facts.alternatives && facts.alternatives.length > 0) c.offered = facts.alternatives.map((s) => ({ ...s, date: s.date ?? c.focusDate }));
  if (facts.booking) {
    c.bookings.set(facts.booking.code, { ...c.bookings.get(facts.booking.code), ...defined(facts.booking) } as typeof facts.booking);
    if (facts.booking.serviceId || facts.booking.service) {
      c.focusService = serviceFrom(facts.booking.serviceId ?? facts.booking.service ?? '', c.services) ?? c.focusService;
    }
    if (facts.booking.date) c.focusDate = facts.booking.date;
  }
  if (facts.bookings) {
    if (kind === 'list_bookings') for (const [code, b] of c.bookings) if (!facts.bookings.some((x) => x.code === code)) c.bookings.set(code, { ...b, status: b.status ?? 'unknown' });
    for (const b of facts.bookings) c.bookings.set(b.code, b);
  }
}

function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function stringArg(args: Record<string, unknown>, re: RegExp): string | undefined {
  for (const [k, v] of Object.entries(args)) if (re.test(k.toLowerCase()) && typeof v === 'string' && v.length > 0) return v;
  return undefined;
}

/** A service reference from an id or a name, completed from the known list when possible. */
export function serviceFrom(idOrName: string, services: readonly ServiceRef[] | undefined): ServiceRef | undefined {
  if (!idOrName) return undefined;
  const lower = idOrName.toLowerCase();
  const known = services?.find((s) => s.id?.toLowerCase() === lower || s.name.toLowerCase() === lower);
  if (known) return known;
  const name = /^[a-z0-9]+(?:[-_][a-z0-9]+)+$/.test(idOrName) ? idOrName.replace(/[-_]/g, ' ').replace(/^./, (ch) => ch.toUpperCase()) : idOrName;
  return { id: idOrName, name, priceUsd: undefined, durationMin: undefined };
}
