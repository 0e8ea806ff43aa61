import { describe, expect, it } from 'vitest';
import { ManualClock } from '../shared/clock.js';
import { openBookingService } from '../booking/open-booking-service.js';
import { createBookingTools } from './booking-tools.js';

/** The booking tool as the agent calls it: the customer comes from the run's config. */
describe('book_appointment', () => {
  const call = async (tools: Awaited<ReturnType<typeof createBookingTools>>, name: string, args: Record<string, unknown>, customer: string, thread: string) => {
    const tool = tools.find((t) => t.name === name)!;
    return JSON.parse(String(await tool.invoke(args, { configurable: { customer_id: customer, thread_id: thread } }))) as Record<string, any>;
  };

  it('books once per customer and slot, whichever thread the message is sent again on', async () => {
    const bookings = await openBookingService({ database: ':memory:', clock: new ManualClock('2026-12-01T13:00:00Z') });
    try {
      const tools = createBookingTools(bookings);
      const slot = { service: 'Beard trim', date: '2026-12-03', time: '11:00' };
      const first = await call(tools, 'book_appointment', slot, 'ann', 'thread-1');
      // Sent again after a crash, on a new thread, with the service named by its id this time.
      const again = await call(tools, 'book_appointment', { ...slot, service: 'beard-trim' }, 'ann', 'thread-2');
      expect(first).toMatchObject({ ok: true, booking: { status: 'confirmed' } });
      expect(first.alreadyBooked).toBeUndefined();
      expect(again).toMatchObject({ ok: true, alreadyBooked: true, booking: { code: first.booking.code } });
      expect(await bookings.listForCustomer('ann')).toHaveLength(1);
      // Another customer's booking of the same slot is their own.
      const other = await call(tools, 'book_appointment', slot, 'bob', 'thread-1');
      expect(other.booking.code).not.toBe(first.booking.code);
      // Cancelled, the slot can be booked again: a new booking, not the cancelled one.
      await call(tools, 'cancel_booking', { code: first.booking.code }, 'ann', 'thread-3');
      const rebooked = await call(tools, 'book_appointment', slot, 'ann', 'thread-3');
      expect(rebooked.booking.code).not.toBe(first.booking.code);
      expect(rebooked.alreadyBooked).toBeUndefined();
    } finally {
      await bookings.close();
    }
  });

  it('books a deliberate second appointment at the same time only when asked with additional: true', async () => {
    const bookings = await openBookingService({ database: ':memory:', clock: new ManualClock('2026-12-01T13:00:00Z') });
    try {
      const tools = createBookingTools(bookings);
      const slot = { service: 'beard-trim', date: '2026-12-03', time: '11:00' };
      const first = await call(tools, 'book_appointment', slot, 'ann', 'thread-1');
      // Asked again without the flag: the existing booking, and what to do for a second one.
      const repeat = await call(tools, 'book_appointment', slot, 'ann', 'thread-2');
      expect(repeat).toMatchObject({ alreadyBooked: true, booking: { code: first.booking.code }, note: expect.stringContaining('additional: true') });
      const second = await call(tools, 'book_appointment', { ...slot, additional: true }, 'ann', 'thread-2');
      expect(second.alreadyBooked).toBeUndefined();
      expect(second.booking.code).not.toBe(first.booking.code);
      // The second one sent again without the flag still answers the first: nothing more is booked.
      await call(tools, 'book_appointment', slot, 'ann', 'thread-3');
      expect(await bookings.listForCustomer('ann')).toHaveLength(2);
    } finally {
      await bookings.close();
    }
  });
});
