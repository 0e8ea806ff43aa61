import type { JsonSchema, SimTool } from '../chat-request.js';
import { stems } from './words.js';

/** What a booking tool does, whatever it is called. */
export type ToolKind = 'list_services' | 'check_availability' | 'book' | 'cancel' | 'reschedule' | 'list_bookings';

/** The role a tool argument plays, from its name, description and format. */
export type ArgRole = 'service' | 'datetime' | 'date' | 'time' | 'code' | 'email' | 'phone' | 'customer_name' | 'notes' | 'party_size' | 'unknown';

export interface ToolCatalog {
  /** The best tool for each kind the request offers. */
  byKind: ReadonlyMap<ToolKind, SimTool>;
  kindOfName: ReadonlyMap<string, ToolKind>;
}

const has = (set: ReadonlySet<string>, ...words: string[]) => words.some((w) => set.has(w));
const hasPrefix = (set: ReadonlySet<string>, prefix: string) => [...set].some((w) => w.startsWith(prefix));

/**
 * Score each tool against each kind from the words of its name (strong evidence), the first
 * sentence of its description (weaker) and the roles of its arguments, then keep the best
 * tool per kind. Names such as `book_appointment`, `createBooking`, `reserve_slot`,
 * `get_availability` or `listServices` all land where a reader would put them.
 */
export function classifyTools(tools: readonly SimTool[]): ToolCatalog {
  const best = new Map<ToolKind, { tool: SimTool; score: number }>();
  const kindOfName = new Map<string, ToolKind>();
  for (const tool of tools) {
    const name = new Set(stems(tool.name));
    const description = new Set(stems(firstSentence(tool.description)));
    const roles = new Set(Object.entries(properties(tool.parameters)).map(([k, v]) => argRole(k, v)));
    const required = requiredNames(tool.parameters).length;
    const scores: Array<[ToolKind, number]> = [
      ['cancel', (has(name, 'cancel', 'delete', 'remove') ? 6 : 0) + (has(description, 'cancel') ? 3 : 0) + (roles.has('code') ? 1 : 0)],
      [
        'reschedule',
        (has(name, 'reschedule', 'move', 'change', 'modify', 'update', 'postpone') ? 6 : 0) +
          (has(description, 'reschedule', 'move') ? 3 : 0) +
          (roles.has('code') && roles.has('date') ? 1 : 0),
      ],
      [
        'list_bookings',
        (has(name, 'booking', 'appointment', 'reservation') && has(name, 'list', 'get', 'my', 'upcoming', 'show', 'find', 'all') ? 6 : 0) +
          (has(description, 'booking', 'appointment', 'reservation') && has(description, 'list', 'upcoming', 'my', 'current') ? 2 : 0) +
          (required === 0 ? 1 : 0) -
          (hasPrefix(name, 'availab') || has(name, 'cancel', 'reschedule', 'create', 'make', 'book') ? 6 : 0),
      ],
      [
        'list_services',
        (has(name, 'service', 'treatment', 'offering', 'product') && has(name, 'list', 'get', 'show', 'all', 'search') ? 6 : 0) +
          (has(name, 'catalog', 'catalogue', 'menu') ? 5 : 0) +
          (has(description, 'service', 'treatment') && has(description, 'list', 'offer', 'all') ? 2 : 0) +
          (required === 0 ? 1 : 0) -
          (hasPrefix(name, 'availab') || has(name, 'book', 'booking', 'slot') ? 6 : 0),
      ],
      [
        'check_availability',
        (hasPrefix(name, 'availab') || has(name, 'slot', 'free', 'open', 'opening') ? 6 : 0) +
          (has(name, 'check', 'find', 'search') ? 1 : 0) +
          (hasPrefix(description, 'availab') || has(description, 'slot', 'free') ? 2 : 0) +
          (roles.has('date') || roles.has('datetime') ? 1 : 0) -
          (has(name, 'book', 'reserve', 'cancel', 'reschedule') ? 6 : 0),
      ],
      [
        'book',
        (has(name, 'book', 'reserve', 'create', 'make', 'schedule', 'add') ? 6 : 0) +
          (has(description, 'book', 'reserve') ? 2 : 0) +
          (roles.has('time') || roles.has('datetime') ? 1 : 0) -
          (has(name, 'cancel', 'reschedule', 'list', 'my', 'upcoming', 'move', 'change', 'update') || hasPrefix(name, 'availab') ? 6 : 0),
      ],
    ];
    let top: [ToolKind, number] | undefined;
    for (const entry of scores) if (!top || entry[1] > top[1]) top = entry;
    if (!top || top[1] < 5) continue;
    const [kind, score] = top;
    const previous = best.get(kind);
    if (!previous || score > previous.score) best.set(kind, { tool, score });
  }
  const byKind = new Map<ToolKind, SimTool>();
  for (const [kind, { tool }] of best) {
    byKind.set(kind, tool);
    kindOfName.set(tool.name, kind);
  }
  return { byKind, kindOfName };
}

/** Classify an argument by its name, description and JSON schema. */
export function argRole(name: string, schema: Record<string, unknown>): ArgRole {
  const words = new Set(stems(name));
  const description = typeof schema.description === 'string' ? schema.description.toLowerCase() : '';
  if (has(words, 'service', 'treatment', 'offering', 'product')) return 'service';
  if (schema.format === 'date-time' || has(words, 'datetime') || /\biso ?8601\b.*\btime\b|date-time|date and time/.test(description)) return 'datetime';
  if (schema.format === 'date' || has(words, 'date', 'day')) return 'date';
  if (schema.format === 'time' || has(words, 'time', 'hour', 'slot', 'start')) return 'time';
  if (has(words, 'code', 'confirmation', 'reference', 'ref') || (has(words, 'booking', 'appointment', 'reservation') && has(words, 'id', 'code', 'number'))) return 'code';
  if (has(words, 'email', 'mail')) return 'email';
  if (has(words, 'phone', 'mobile', 'tel')) return 'phone';
  if (has(words, 'name', 'customer', 'client')) return 'customer_name';
  if (has(words, 'note', 'comment', 'message', 'request', 'remark')) return 'notes';
  if (has(words, 'party', 'people', 'guest', 'person', 'size', 'count', 'seat')) return 'party_size';
  if (has(words, 'id') && /confirmation|booking code|booking id/.test(description)) return 'code';
  return 'unknown';
}

export function properties(schema: JsonSchema): Record<string, Record<string, unknown>> {
  const p = schema.properties;
  return typeof p === 'object' && p !== null && !Array.isArray(p) ? (p as Record<string, Record<string, unknown>>) : {};
}

export function requiredNames(schema: JsonSchema): string[] {
  return Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === 'string') : [];
}

function firstSentence(text: string): string {
  const end = text.search(/[.!?](\s|$)/);
  return end < 0 ? text : text.slice(0, end);
}
