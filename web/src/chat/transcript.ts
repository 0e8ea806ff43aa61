/** A message as the agent API sends it (the fields the chat reads). */
export interface WireMessage {
  type: string;
  id?: string | undefined;
  content: unknown;
  tool_calls?: unknown[];
  tool_call_id?: string;
  name?: string;
}

/** A booking as the agent's tools report it (docs/agent-tools.md). */
export interface BookingView {
  code: string;
  service: string;
  serviceId: string;
  date: string;
  time: string;
  endTime?: string;
  status: 'confirmed' | 'cancelled';
  priceUsd: number;
}

export type TranscriptItem =
  | { kind: 'user'; key: string; text: string }
  | { kind: 'assistant'; key: string; text: string }
  | { kind: 'booking'; key: string; booking: BookingView };

/** The text of a message whose content is a string or a list of content blocks. */
export function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part) => (typeof part === 'string' ? part : part && typeof part === 'object' && (part as { type?: unknown }).type === 'text' ? String((part as { text?: unknown }).text ?? '') : ''))
    .join('');
}

const isAi = (m: WireMessage) => m.type === 'ai' || m.type === 'AIMessageChunk';
const isHuman = (m: WireMessage) => m.type === 'human' || m.type === 'user';

function isBooking(value: unknown): value is BookingView {
  if (!value || typeof value !== 'object') return false;
  const b = value as Record<string, unknown>;
  return typeof b.code === 'string' && typeof b.service === 'string' && typeof b.date === 'string' && typeof b.time === 'string' && (b.status === 'confirmed' || b.status === 'cancelled');
}

/** Bookings a tool result reports: one booked, moved or cancelled, or the customer's list. */
export function bookingsInToolResult(content: unknown): BookingView[] {
  let result: unknown;
  try {
    result = JSON.parse(textOf(content));
  } catch {
    return [];
  }
  if (!result || typeof result !== 'object') return [];
  const r = result as { ok?: unknown; booking?: unknown; bookings?: unknown };
  if (r.ok === true && isBooking(r.booking)) return [r.booking];
  if (Array.isArray(r.bookings)) return r.bookings.filter(isBooking);
  return [];
}

/**
 * What the chat shows for a thread's messages: the customer's and the assistant's words, and
 * a card per booking the tools touched. A booking appears once, as it stands now, after the
 * assistant's answer in the turn that last mentioned it, so Move and Cancel always act on
 * the current state. Tool calls and tool results are not shown as text.
 */
export function transcriptFrom(messages: readonly WireMessage[]): TranscriptItem[] {
  const items: TranscriptItem[] = [];
  const latest = new Map<string, { booking: BookingView; turn: number }>();
  const turnEnds: number[] = [];
  let turn = -1;
  messages.forEach((message, index) => {
    const key = message.id ?? `m${index}`;
    if (isHuman(message)) {
      if (turn >= 0) turnEnds[turn] = items.length;
      turn += 1;
      items.push({ kind: 'user', key, text: textOf(message.content) });
    } else if (isAi(message)) {
      const text = textOf(message.content);
      if (text.trim()) items.push({ kind: 'assistant', key, text });
    } else if (message.type === 'tool') {
      for (const booking of bookingsInToolResult(message.content)) latest.set(booking.code, { booking, turn: Math.max(turn, 0) });
    }
  });
  if (turn >= 0) turnEnds[turn] = items.length;
  // Insert from the last turn backwards so earlier insertion points stay valid.
  const byTurn = new Map<number, BookingView[]>();
  for (const { booking, turn: t } of latest.values()) byTurn.set(t, [...(byTurn.get(t) ?? []), booking]);
  for (const t of [...byTurn.keys()].sort((a, b) => b - a)) {
    const at = turnEnds[t] ?? items.length;
    items.splice(at, 0, ...byTurn.get(t)!.map((booking) => ({ kind: 'booking' as const, key: `booking-${booking.code}`, booking })));
  }
  return items;
}
