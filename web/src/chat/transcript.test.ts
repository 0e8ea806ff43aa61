import { describe, expect, it } from 'vitest';
import { bookingsInToolResult, transcriptFrom, type WireMessage } from './transcript.js';

const booking = (status: 'confirmed' | 'cancelled', time = '10:00') => ({ code: 'BK-7Q4M2X', service: 'Classic haircut', serviceId: 'classic-haircut', date: '2026-12-03', time, status, priceUsd: 35 });
const human = (id: string, content: string): WireMessage => ({ type: 'human', id, content });
const ai = (id: string, content: unknown, toolCalls: unknown[] = []): WireMessage => ({ type: 'ai', id, content, tool_calls: toolCalls });
const tool = (id: string, result: unknown): WireMessage => ({ type: 'tool', id, content: JSON.stringify(result), tool_call_id: 'c1' });

describe('transcriptFrom', () => {
  it('shows words, hides tool steps, and puts a booking card after the answer of its turn', () => {
    const items = transcriptFrom([
      human('h1', 'Book a haircut Thursday at 10'),
      ai('a1', '', [{ name: 'book_appointment' }]),
      tool('t1', { ok: true, booking: booking('confirmed') }),
      ai('a2', 'Your booking is confirmed. Code BK-7Q4M2X.'),
      human('h2', 'Thanks!'),
      ai('a3', 'You are welcome.'),
    ]);
    expect(items.map((i) => i.kind)).toEqual(['user', 'assistant', 'booking', 'user', 'assistant']);
    expect(items[2]).toMatchObject({ kind: 'booking', booking: { code: 'BK-7Q4M2X', status: 'confirmed' } });
  });

  it('shows a booking once, as it stands after its latest change', () => {
    const items = transcriptFrom([
      human('h1', 'Book it'),
      tool('t1', { ok: true, booking: booking('confirmed') }),
      ai('a1', 'Booked.'),
      human('h2', 'Move it to 11'),
      tool('t2', { ok: true, booking: booking('confirmed', '11:00') }),
      ai('a2', 'Moved.'),
      human('h3', 'Cancel it'),
      tool('t3', { ok: true, booking: booking('cancelled', '11:00') }),
      ai('a3', 'Cancelled.'),
    ]);
    const cards = items.filter((i) => i.kind === 'booking');
    expect(cards).toHaveLength(1);
    expect(cards[0]).toMatchObject({ booking: { time: '11:00', status: 'cancelled' } });
    expect(items.at(-1)).toEqual(cards[0]);
  });

  it('reads content blocks and ignores refusals and other results', () => {
    expect(transcriptFrom([ai('a', [{ type: 'text', text: 'Hello' }, { type: 'image_url' }])])).toEqual([{ kind: 'assistant', key: 'a', text: 'Hello' }]);
    expect(bookingsInToolResult(JSON.stringify({ ok: false, error: { code: 'SLOT_FULL' } }))).toEqual([]);
    expect(bookingsInToolResult('not json')).toEqual([]);
    expect(bookingsInToolResult(JSON.stringify({ bookings: [booking('confirmed'), { code: 'x' }] }))).toHaveLength(1);
  });
});
