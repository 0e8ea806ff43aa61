import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BookingError } from './booking-error.js';
import { BookingService } from './booking-service.js';
import { businessSchema, type Business } from './business.js';
import { ManualClock } from '../shared/clock.js';
import { DEMO_BUSINESS } from './demo-business.js';
import { openSqliteBookingStore, type SqliteBookingStore } from './sqlite-booking-store.js';

// Tuesday 2026-12-01, 08:00 in New York: the studio opens at 09:00.
const NOW = '2026-12-01T13:00:00Z';
const THU = '2026-12-03';

let store: SqliteBookingStore;
let clock: ManualClock;
let service: BookingService;

async function open(business: Business = DEMO_BUSINESS, random?: (max: number) => number): Promise<void> {
  store = await openSqliteBookingStore({ path: ':memory:', ...(random ? { random } : {}) });
  await store.syncCatalog(business);
  clock = new ManualClock(NOW);
  service = new BookingService({ store, business, clock });
}

async function refusal(promise: Promise<unknown>): Promise<BookingError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BookingError);
  return error as BookingError;
}

beforeEach(async () => {
  await open();
});
afterEach(async () => {
  await service.close();
});

describe('catalogue', () => {
  it('lists the services and finds them loosely', () => {
    expect(service.listServices()).toHaveLength(8);
    expect(service.findService('Haircut')?.id).toBe('classic-haircut');
    expect(service.findService('massage')).toBeUndefined();
  });

  it('answers UNKNOWN_SERVICE with the candidates', async () => {
    const ambiguous = await refusal(service.book({ customerId: 'ann', service: 'massage', date: THU, time: '10:00' }));
    expect(ambiguous.code).toBe('UNKNOWN_SERVICE');
    expect(ambiguous.status).toBe(404);
    expect(ambiguous.message).toContain('Scalp massage or Deep tissue massage');
    expect((await refusal(service.availability({ service: 'tattoo', from: THU }))).code).toBe('UNKNOWN_SERVICE');
  });
});

describe('availability', () => {
  it('returns free slots with remaining places, and shrinks as bookings are made', async () => {
    const before = await service.availability({ service: 'hot-towel-shave', from: THU });
    expect(before.slots[0]).toEqual({ date: THU, time: '09:00', remaining: 1 });
    await service.book({ customerId: 'ann', service: 'hot-towel-shave', date: THU, time: '10:00' });
    const after = await service.availability({ service: 'hot-towel-shave', from: THU });
    // 45 minutes at 10:00 blocks every 45-minute start from 09:30 to 10:30.
    const taken = before.slots.filter((s) => !after.slots.some((a) => a.time === s.time)).map((s) => s.time);
    expect(taken).toEqual(['09:30', '09:45', '10:00', '10:15', '10:30']);
  });

  it('with a preferred time, says whether it is free and returns the nearest slots', async () => {
    const result = await service.availability({ service: 'classic-haircut', from: THU, time: '12:00', limit: 3 });
    expect(result.requested).toEqual({ date: THU, time: '12:00', available: true, remaining: 3 });
    expect(result.slots.map((s) => s.time)).toEqual(['11:45', '12:00', '12:15']);
  });

  it('clamps the range to today and the horizon, and refuses nonsense', async () => {
    const result = await service.availability({ service: 'beard-trim', from: '2026-11-20', to: '2026-12-02' });
    expect(result.from).toBe('2026-12-01');
    expect(result.slots[0]).toMatchObject({ date: '2026-12-01', time: '09:00' });
    expect((await refusal(service.availability({ service: 'beard-trim', from: '2026-11-01', to: '2026-11-02' }))).code).toBe('IN_THE_PAST');
    expect((await refusal(service.availability({ service: 'beard-trim', from: '2027-03-01' }))).code).toBe('BEYOND_HORIZON');
    expect((await refusal(service.availability({ service: 'beard-trim', from: THU, to: '2026-12-02' }))).code).toBe('INVALID_DATE');
    expect((await refusal(service.availability({ service: 'beard-trim', from: 'Thursday' }))).code).toBe('INVALID_DATE');
    expect((await refusal(service.availability({ service: 'beard-trim', from: THU, time: 'noon' }))).code).toBe('INVALID_TIME');
  });
});

describe('book', () => {
  it('books, gives a code, and lists the booking for its customer only', async () => {
    const { booking, replayed } = await service.book({ customerId: 'ann', customerName: 'Ann', service: 'classic haircut', date: THU, time: '10:00', notes: 'short on the sides' });
    expect(replayed).toBe(false);
    expect(booking).toMatchObject({ customerId: 'ann', serviceId: 'classic-haircut', service: 'Classic haircut', date: THU, time: '10:00', endTime: '10:30', status: 'confirmed', priceUsd: 35 });
    expect(booking.code).toMatch(/^BK-[2-9A-HJKMNP-Z]{6}$/);
    expect(booking.startAt).toBe('2026-12-03T15:00:00.000Z');
    expect((await service.listForCustomer('ann')).map((b) => b.code)).toEqual([booking.code]);
    expect(await service.listForCustomer('bob')).toEqual([]);
    expect((await service.listAll({ from: THU, to: THU })).map((b) => b.code)).toEqual([booking.code]);
    expect(await service.listAll({ from: '2026-12-04' })).toEqual([]);
  });

  it('fills a slot to capacity, then answers SLOT_FULL with the nearest free slots', async () => {
    for (const customerId of ['a', 'b']) await service.book({ customerId, service: 'deep-tissue-massage', date: THU, time: '10:00' });
    const full = await refusal(service.book({ customerId: 'c', service: 'deep-tissue-massage', date: THU, time: '10:30' }));
    expect(full.code).toBe('SLOT_FULL');
    expect(full.status).toBe(409);
    expect(full.message).toBe('Deep tissue massage at 2026-12-03 10:30 is fully booked.');
    expect(full.alternatives).toEqual([
      { date: THU, time: '09:00' },
      { date: THU, time: '11:00' },
      { date: THU, time: '11:15' },
      { date: THU, time: '11:30' },
      { date: THU, time: '11:45' },
    ]);
    expect(full.toJSON()).toMatchObject({ code: 'SLOT_FULL', alternatives: full.alternatives });
  });

  it('offers alternatives on the following days when the day is full', async () => {
    const tiny = businessSchema.parse({ ...DEMO_BUSINESS, openingHours: { thursday: ['09:00-09:45'], friday: ['09:00-10:00'] } });
    await service.close();
    await open(tiny);
    await service.book({ customerId: 'a', service: 'hot-towel-shave', date: THU, time: '09:00' });
    const full = await refusal(service.book({ customerId: 'b', service: 'hot-towel-shave', date: THU, time: '09:00' }));
    expect(full.alternatives).toEqual([
      { date: '2026-12-04', time: '09:00' },
      { date: '2026-12-04', time: '09:15' },
      // Alternatives come from the wished day and the 7 days after it.
      { date: '2026-12-10', time: '09:00' },
    ]);
  });

  it('refuses impossible times with codes, suggesting other times where it can', async () => {
    const closed = await refusal(service.book({ customerId: 'a', service: 'beard-trim', date: '2026-12-07', time: '10:00' }));
    expect(closed.code).toBe('OUTSIDE_OPENING_HOURS');
    expect(closed.alternatives.map((a) => `${a.date} ${a.time}`)).toEqual(['09:30', '09:45', '10:00', '10:15', '10:30'].map((t) => `2026-12-08 ${t}`));
    const late = await refusal(service.book({ customerId: 'a', service: 'hair-colour', date: THU, time: '19:00' }));
    expect(late.code).toBe('OUTSIDE_OPENING_HOURS');
    expect(late.alternatives.at(-1)).toEqual({ date: THU, time: '18:30' });
    expect((await refusal(service.book({ customerId: 'a', service: 'beard-trim', date: '2026-11-30', time: '10:00' }))).code).toBe('IN_THE_PAST');
    expect((await refusal(service.book({ customerId: 'a', service: 'beard-trim', date: '2027-02-01', time: '10:00' }))).code).toBe('BEYOND_HORIZON');
    expect((await refusal(service.book({ customerId: 'a', service: 'beard-trim', date: THU, time: '10:10' }))).code).toBe('INVALID_TIME');
    expect((await refusal(service.book({ customerId: '', service: 'beard-trim', date: THU, time: '10:00' }))).code).toBe('INVALID_REQUEST');
    expect((await refusal(service.book({ customerId: 'a', service: 'beard-trim', date: THU, time: '10:00', notes: 'x'.repeat(501) }))).code).toBe('INVALID_REQUEST');
    expect(await service.listAll()).toEqual([]);
  });

  it('books once for a repeated idempotency key and returns the same code', async () => {
    const request = { customerId: 'ann', service: 'hot-towel-shave', date: THU, time: '10:00', idempotencyKey: 'ann:hot-towel-shave:2026-12-03:10:00' };
    const first = await service.book(request);
    const second = await service.book(request);
    expect(second.replayed).toBe(true);
    expect(second.booking.code).toBe(first.booking.code);
    expect(await service.listAll()).toHaveLength(1);
    // The slot (capacity 1) is still bookable by nobody else, and was taken only once.
    expect((await service.availability({ service: 'hot-towel-shave', from: THU })).slots.some((s) => s.time === '10:00')).toBe(false);
    // The same key from another customer is another request.
    const other = await refusal(service.book({ ...request, customerId: 'bob' }));
    expect(other.code).toBe('SLOT_FULL');
  });

  it('retires the key when the booking is cancelled or moved, so the same wish books again', async () => {
    const request = { customerId: 'ann', service: 'beard-trim', date: THU, time: '10:00', idempotencyKey: 'ann:beard-trim:2026-12-03:10:00' };
    const first = await service.book(request);
    await service.cancel({ customerId: 'ann', code: first.booking.code });
    const second = await service.book(request);
    expect(second.replayed).toBe(false);
    expect(second.booking.code).not.toBe(first.booking.code);
    await service.reschedule({ customerId: 'ann', code: second.booking.code, date: THU, time: '11:00' });
    const third = await service.book(request);
    expect(third.replayed).toBe(false);
    expect((await service.listForCustomer('ann')).map((b) => b.time)).toEqual(['10:00', '11:00']);
  });

  it('refuses an idempotency key reused for another slot', async () => {
    await service.book({ customerId: 'ann', service: 'beard-trim', date: THU, time: '10:00', idempotencyKey: 'k' });
    const reused = await refusal(service.book({ customerId: 'ann', service: 'beard-trim', date: THU, time: '11:00', idempotencyKey: 'k' }));
    expect(reused.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await service.listAll()).toHaveLength(1);
  });

  it('draws a new code when the first one collides', async () => {
    await service.close();
    // Every code is BK-222222 until the 13th draw, then BK-333333...
    let draws = 0;
    await open(DEMO_BUSINESS, () => (draws++ < 12 ? 0 : 1));
    const first = await service.book({ customerId: 'a', service: 'beard-trim', date: THU, time: '10:00' });
    expect(first.booking.code).toBe('BK-222222');
    draws = 6;
    const second = await service.book({ customerId: 'b', service: 'beard-trim', date: THU, time: '10:00' });
    expect(second.booking.code).toBe('BK-333333');
    expect(await service.listAll()).toHaveLength(2);
  });

  it('applies a lowered capacity to new bookings without touching existing ones', async () => {
    await service.book({ customerId: 'a', service: 'classic-haircut', date: THU, time: '10:00' });
    await service.book({ customerId: 'b', service: 'classic-haircut', date: THU, time: '10:00' });
    const smaller = businessSchema.parse({ ...DEMO_BUSINESS, services: DEMO_BUSINESS.services.map((s) => (s.id === 'classic-haircut' ? { ...s, capacity: 2 } : s)) });
    expect(await store.syncCatalog(smaller)).toEqual({ changed: true });
    const shrunk = new BookingService({ store, business: smaller, clock });
    expect((await refusal(shrunk.book({ customerId: 'c', service: 'classic-haircut', date: THU, time: '10:00' }))).code).toBe('SLOT_FULL');
    // Even a process still running the old file (capacity 3) cannot exceed the stored capacity.
    expect((await refusal(service.book({ customerId: 'c', service: 'classic-haircut', date: THU, time: '10:00' }))).code).toBe('SLOT_FULL');
    expect(await shrunk.listAll()).toHaveLength(2);
  });
});

describe('cancel and reschedule', () => {
  it('cancel releases the place, and a second cancel says so', async () => {
    const { booking } = await service.book({ customerId: 'ann', service: 'hot-towel-shave', date: THU, time: '10:00' });
    const cancelled = await service.cancel({ customerId: 'ann', code: booking.code.toLowerCase() });
    expect(cancelled).toMatchObject({ code: booking.code, status: 'cancelled', cancelledAt: new Date(NOW).toISOString() });
    expect((await refusal(service.cancel({ customerId: 'ann', code: booking.code }))).code).toBe('ALREADY_CANCELLED');
    await service.book({ customerId: 'bob', service: 'hot-towel-shave', date: THU, time: '10:00' });
    expect(await service.listForCustomer('ann')).toEqual([]);
    expect(await service.listForCustomer('ann', { includeCancelled: true })).toHaveLength(1);
  });

  it("cannot touch another customer's booking, and does not reveal it", async () => {
    const { booking } = await service.book({ customerId: 'ann', service: 'hot-towel-shave', date: THU, time: '10:00' });
    const cancel = await refusal(service.cancel({ customerId: 'mallory', code: booking.code }));
    const move = await refusal(service.reschedule({ customerId: 'mallory', code: booking.code, date: THU, time: '15:00' }));
    const unknown = await refusal(service.cancel({ customerId: 'mallory', code: 'BK-ZZZZZZ' }));
    for (const error of [cancel, move, unknown]) {
      expect(error.code).toBe('BOOKING_NOT_FOUND');
      expect(error.status).toBe(404);
    }
    expect(cancel.message).toBe(`No booking ${booking.code} for this customer.`);
    await expect(service.getForCustomer('mallory', booking.code)).rejects.toMatchObject({ code: 'BOOKING_NOT_FOUND' });
    expect(await service.getBooking(booking.code)).toEqual(booking);
  });

  it('moves a booking, including onto its own time, and frees the old slot', async () => {
    const { booking } = await service.book({ customerId: 'ann', service: 'hot-towel-shave', date: THU, time: '10:00' });
    clock.advance(60_000);
    const moved = await service.reschedule({ customerId: 'ann', code: booking.code, date: THU, time: '10:15' });
    expect(moved).toMatchObject({ code: booking.code, date: THU, time: '10:15', endTime: '11:00', status: 'confirmed', updatedAt: '2026-12-01T13:01:00.000Z' });
    const free = (await service.availability({ service: 'hot-towel-shave', from: THU })).slots.map((s) => s.time);
    expect(free).toContain('09:30');
    expect(free).not.toContain('10:15');
    await service.book({ customerId: 'bob', service: 'hot-towel-shave', date: THU, time: '09:30' });
  });

  it('a failed reschedule leaves the booking and its place as they were', async () => {
    const { booking } = await service.book({ customerId: 'ann', service: 'hot-towel-shave', date: THU, time: '10:00' });
    await service.book({ customerId: 'bob', service: 'hot-towel-shave', date: THU, time: '14:00' });
    const full = await refusal(service.reschedule({ customerId: 'ann', code: booking.code, date: THU, time: '14:00' }));
    expect(full.code).toBe('SLOT_FULL');
    expect(full.alternatives.length).toBeGreaterThan(0);
    const closed = await refusal(service.reschedule({ customerId: 'ann', code: booking.code, date: '2026-12-07', time: '10:00' }));
    expect(closed.code).toBe('OUTSIDE_OPENING_HOURS');
    expect(await service.getForCustomer('ann', booking.code)).toEqual(booking);
    // Ann still holds 10:00: nobody else can take it, and cancelling it releases it exactly once.
    expect((await refusal(service.book({ customerId: 'carl', service: 'hot-towel-shave', date: THU, time: '10:00' }))).code).toBe('SLOT_FULL');
    await service.cancel({ customerId: 'ann', code: booking.code });
    await service.book({ customerId: 'carl', service: 'hot-towel-shave', date: THU, time: '10:00' });
  });

  it('refuses to change a booking that has started, or a cancelled one', async () => {
    const { booking } = await service.book({ customerId: 'ann', service: 'beard-trim', date: THU, time: '10:00' });
    clock.set('2026-12-03T15:05:00Z');
    expect((await refusal(service.cancel({ customerId: 'ann', code: booking.code }))).code).toBe('IN_THE_PAST');
    expect((await refusal(service.reschedule({ customerId: 'ann', code: booking.code, date: THU, time: '16:00' }))).code).toBe('IN_THE_PAST');
    clock.set(NOW);
    await service.cancel({ customerId: 'ann', code: booking.code });
    expect((await refusal(service.reschedule({ customerId: 'ann', code: booking.code, date: THU, time: '16:00' }))).code).toBe('ALREADY_CANCELLED');
  });
});
