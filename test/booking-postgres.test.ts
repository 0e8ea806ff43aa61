import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BookingError } from '../src/booking/booking-error.js';
import { BookingService } from '../src/booking/booking-service.js';
import { ManualClock } from '../src/shared/clock.js';
import { DEMO_BUSINESS } from '../src/booking/demo-business.js';
import { openBookingService } from '../src/booking/open-booking-service.js';
import { openPostgresBookingStore, type PostgresBookingStore } from '../src/booking/postgres-booking-store.js';

/**
 * The Postgres store against a real server (127.0.0.1:5432, database `test`), in a schema
 * of its own that is dropped afterwards. Postgres is asynchronous, so concurrent promises
 * over a pool of connections race inside the database for real.
 */

const URL = `postgres://${encodeURIComponent(userInfo().username)}@127.0.0.1:5432/test`;
const SCHEMA = `booking_test_${randomBytes(5).toString('hex')}`;
const NOW = '2026-12-01T13:00:00Z';
const THU = '2026-12-03';

const stores: PostgresBookingStore[] = [];
let service: BookingService;

async function openService(poolSize = 10): Promise<BookingService> {
  const store = await openPostgresBookingStore({ connectionString: URL, schema: SCHEMA, poolSize });
  stores.push(store);
  await store.syncCatalog(DEMO_BUSINESS);
  return new BookingService({ store, business: DEMO_BUSINESS, clock: new ManualClock(NOW) });
}

async function settle<T>(promise: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: BookingError }> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    if (!(error instanceof BookingError)) throw error;
    return { ok: false, error };
  }
}

async function sql<T extends pg.QueryResultRow>(text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: URL });
  await client.connect();
  try {
    await client.query(`SET search_path = ${SCHEMA}`);
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  service = await openService();
});

afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  const client = new pg.Client({ connectionString: URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  await client.end();
});

describe('PostgresBookingStore', () => {
  it('migrates a new schema once; a second store finds nothing to do', async () => {
    expect(stores[0]!.appliedMigrations).toEqual([1]);
    const again = await openPostgresBookingStore({ connectionString: URL, schema: SCHEMA, poolSize: 1 });
    expect(again.appliedMigrations).toEqual([]);
    expect(await again.syncCatalog(DEMO_BUSINESS)).toEqual({ changed: false });
    await again.close();
    expect(await sql("SELECT version FROM concierge_migrations WHERE component = 'bookings'")).toEqual([{ version: 1 }]);
    const viaUrl = await openBookingService({ database: URL, postgresSchema: SCHEMA, clock: new ManualClock(NOW) });
    expect((await viaUrl.availability({ service: 'beard trim', from: THU })).slots[0]).toEqual({ date: THU, time: '09:00', remaining: 3 });
    await viaUrl.close();
  });

  it('books, refuses a full slot with alternatives, and keeps customers apart', async () => {
    const { booking } = await service.book({ customerId: 'ann', service: 'hot-towel-shave', date: THU, time: '10:00' });
    expect(booking).toMatchObject({ date: THU, time: '10:00', endTime: '10:45', status: 'confirmed', priceUsd: 45, startAt: '2026-12-03T15:00:00.000Z' });
    const full = await settle(service.book({ customerId: 'bob', service: 'hot-towel-shave', date: THU, time: '10:30' }));
    expect(full.ok || full.error.code).toBe('SLOT_FULL');
    expect(!full.ok && full.error.alternatives.length).toBe(5);

    const stolen = await settle(service.cancel({ customerId: 'mallory', code: booking.code }));
    const moved = await settle(service.reschedule({ customerId: 'mallory', code: booking.code, date: THU, time: '15:00' }));
    expect(stolen.ok || stolen.error.code).toBe('BOOKING_NOT_FOUND');
    expect(moved.ok || moved.error.code).toBe('BOOKING_NOT_FOUND');
    expect(await service.getForCustomer('ann', booking.code)).toEqual(booking);

    await service.book({ customerId: 'bob', service: 'hot-towel-shave', date: THU, time: '15:00' });
    const blocked = await settle(service.reschedule({ customerId: 'ann', code: booking.code, date: THU, time: '15:00' }));
    expect(blocked.ok || blocked.error.code).toBe('SLOT_FULL');
    expect(await service.getForCustomer('ann', booking.code)).toEqual(booking);

    const rescheduled = await service.reschedule({ customerId: 'ann', code: booking.code, date: THU, time: '10:15' });
    expect(rescheduled.time).toBe('10:15');
    const cancelled = await service.cancel({ customerId: 'ann', code: booking.code });
    expect(cancelled.status).toBe('cancelled');
    expect((await settle(service.cancel({ customerId: 'ann', code: booking.code }))).ok).toBe(false);
    expect((await service.listAll({ from: THU, to: THU, status: 'confirmed' })).map((b) => b.customerId)).toEqual(['bob']);
  });

  it('50 concurrent requests from two processes-worth of pools for the last two places: exactly two win', async () => {
    const other = await openService(10);
    await service.book({ customerId: 'early-bird', service: 'classic-haircut', date: THU, time: '14:00' });
    const attempts = Array.from({ length: 50 }, (_, i) =>
      settle((i % 2 ? service : other).book({ customerId: `c${i}`, service: 'classic-haircut', date: THU, time: i % 3 === 0 ? '14:00' : '14:15' })),
    );
    const outcomes = await Promise.all(attempts);
    const won = outcomes.filter((o) => o.ok);
    const lost = outcomes.flatMap((o) => (o.ok ? [] : [o.error]));
    expect(won).toHaveLength(2);
    expect(lost.map((e) => e.code)).toEqual(Array(48).fill('SLOT_FULL'));
    expect(lost.every((e) => e.alternatives.length > 0)).toBe(true);
    const [worst] = await sql<{ booked: number; capacity: number }>("SELECT max(booked) AS booked, max(capacity) AS capacity FROM slot_occupancy WHERE service_id = 'classic-haircut'");
    expect(worst).toEqual({ booked: 3, capacity: 3 });
  });

  it('the same idempotency key sent ten times at once books once, even for the last place', async () => {
    const request = { customerId: 'zoe', service: 'express-facial', date: THU, time: '11:00', idempotencyKey: 'zoe:express-facial:2026-12-03:11:00' };
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => settle(service.book(request))));
    const codes = outcomes.map((o) => (o.ok ? o.value.booking.code : o.error.code));
    expect(new Set(codes).size).toBe(1);
    expect(codes[0]).toMatch(/^BK-/);
    expect(outcomes.filter((o) => o.ok && !o.value.replayed)).toHaveLength(1);
    expect(await service.listForCustomer('zoe')).toHaveLength(1);
  });

  it('concurrent crosswise reschedules keep occupancy equal to the bookings', async () => {
    const a = (await service.book({ customerId: 'amy', service: 'deep-tissue-massage', date: '2026-12-04', time: '09:00' })).booking;
    const b = (await service.book({ customerId: 'ben', service: 'deep-tissue-massage', date: '2026-12-04', time: '12:00' })).booking;
    const moves = Array.from({ length: 10 }, (_, i) =>
      settle(
        i % 2
          ? service.reschedule({ customerId: 'amy', code: a.code, date: '2026-12-04', time: i % 4 === 1 ? '12:00' : '09:00' })
          : service.reschedule({ customerId: 'ben', code: b.code, date: '2026-12-04', time: i % 4 === 0 ? '09:00' : '12:00' }),
      ),
    );
    await Promise.all(moves);
    const [check] = await sql<{ units: string; expected: string }>(`
      SELECT (SELECT coalesce(sum(booked), 0) FROM slot_occupancy) AS units,
             (SELECT coalesce(sum((end_at - start_at) / 300000), 0) FROM bookings WHERE status = 'confirmed') AS expected`);
    expect(Number(check!.units)).toBe(Number(check!.expected));
    const [over] = await sql<{ n: string }>('SELECT count(*) AS n FROM slot_occupancy WHERE booked > capacity');
    expect(Number(over!.n)).toBe(0);
  });
});
