import { describe, expect, it } from 'vitest';
import { dateInWords, templatedAnswer, type ExecutedCall } from './answer-templates.js';

const context = { businessName: 'Northside Studio' };
const booking = { code: 'BK-7Q4M2X', service: 'Classic haircut', serviceId: 'classic-haircut', date: '2026-12-03', time: '10:00', endTime: '10:30', status: 'confirmed', priceUsd: 35 };
const call = (name: string, args: Record<string, unknown>, result: unknown): ExecutedCall => ({ name, args, result: JSON.stringify(result) });

describe('templated answers', () => {
  it('a confirmed booking carries the code, service, date in words, time and price', () => {
    const text = templatedAnswer([call('book_appointment', { service: 'Classic haircut', date: '2026-12-03', time: '10:00' }, { ok: true, booking })], context)!;
    for (const fact of ['BK-7Q4M2X', 'Classic haircut', 'Thursday 3 December', '10:00', '$35', 'Northside Studio']) expect(text).toContain(fact);
  });

  it('a cancel, a move and the list of bookings carry their facts', () => {
    const cancelled = templatedAnswer([call('cancel_booking', { code: 'BK-7Q4M2X' }, { ok: true, booking: { ...booking, status: 'cancelled' } })], context)!;
    expect(cancelled).toMatch(/Classic haircut on Thursday 3 December at 10:00 \(BK-7Q4M2X\) is cancelled/);
    const moved = templatedAnswer([call('reschedule_booking', { code: 'BK-7Q4M2X', date: '2026-12-04', time: '11:30' }, { ok: true, booking: { ...booking, date: '2026-12-04', time: '11:30' } })], context)!;
    for (const fact of ['Classic haircut', 'Friday 4 December', '11:30', 'BK-7Q4M2X']) expect(moved).toContain(fact);
    const listed = templatedAnswer([call('list_my_bookings', {}, { bookings: [booking, { ...booking, code: 'BK-CANCEL', status: 'cancelled' }] })], context)!;
    expect(listed).toContain('one upcoming booking');
    expect(listed).toContain('BK-7Q4M2X: Classic haircut, Thursday 3 December at 10:00 ($35)');
    expect(listed).not.toContain('BK-CANCEL');
  });

  it('free times asked for, and a taken slot with the nearest free ones, are answered', () => {
    const slots = [
      { date: '2026-12-03', time: '10:30', remaining: 1 },
      { date: '2026-12-03', time: '11:00', remaining: 2 },
    ];
    const asked = templatedAnswer([call('check_availability', { service: 'Beard trim', date: '2026-12-03' }, { service: { id: 'beard-trim', name: 'Beard trim' }, date: '2026-12-03', slots })], context)!;
    expect(asked).toBe('For Beard trim on Thursday 3 December, the open times are 10:30 and 11:00. Which time would you like me to book?');
    const taken = templatedAnswer(
      [call('check_availability', { service: 'Beard trim', date: '2026-12-03', time: '10:00' }, { service: { name: 'Beard trim' }, date: '2026-12-03', requested: { available: false }, slots })],
      context,
    )!;
    expect(taken).toContain('10:00 is not available for Beard trim on Thursday 3 December');
    expect(taken).toContain('10:30 and 11:00');
    const full = templatedAnswer(
      [call('book_appointment', { service: 'Beard trim', date: '2026-12-03', time: '10:00' }, { ok: false, error: { code: 'SLOT_FULL', message: 'full' }, alternatives: [...slots, { date: '2026-12-04', time: '09:00' }] })],
      context,
    )!;
    expect(full).toContain('10:00 on Thursday 3 December is fully booked');
    expect(full).toContain('10:30, 11:00 and Friday 4 December (2026-12-04) at 09:00');
  });

  it('leaves to the model what a result does not fully answer', () => {
    // A free asked-for slot: did the customer want it booked, or only to know?
    const free = call('check_availability', { service: 'Beard trim', date: '2026-12-03', time: '10:00' }, { service: { name: 'Beard trim' }, date: '2026-12-03', requested: { available: true }, slots: [] });
    expect(templatedAnswer([free], context)).toBeUndefined();
    // A refusal without alternatives, an unknown tool, two calls in one step, a non-JSON result.
    expect(templatedAnswer([call('book_appointment', {}, { ok: false, error: { code: 'UNKNOWN_SERVICE', message: 'No service' } })], context)).toBeUndefined();
    expect(templatedAnswer([call('list_services', {}, { services: [] })], context)).toBeUndefined();
    expect(templatedAnswer([call('book_appointment', {}, { ok: true, booking }), call('list_my_bookings', {}, { bookings: [] })], context)).toBeUndefined();
    expect(templatedAnswer([{ name: 'book_appointment', args: {}, result: 'Error: boom' }], context)).toBeUndefined();
  });

  it('writes dates in words', () => {
    expect(dateInWords('2026-12-31')).toBe('Thursday 31 December');
    expect(dateInWords('not-a-date')).toBe('not-a-date');
  });
});
