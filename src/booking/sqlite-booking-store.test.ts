import DatabaseConstructor from 'better-sqlite3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BookingError } from './booking-error.js';
import type { NewBooking } from './booking-store.js';
import { businessSchema } from './business.js';
import { DEMO_BUSINESS } from './demo-business.js';
import { openSqliteBookingStore } from './sqlite-booking-store.js';
import { migrateSqlite } from '../store/migration-runner.js';
import { SQLITE_BOOKING_MIGRATIONS } from './sqlite-migrations.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'concierge-store-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function newBooking(overrides: Partial<NewBooking> = {}): NewBooking {
  return {
    customerId: 'ann',
    customerName: null,
    serviceId: 'hot-towel-shave',
    serviceName: 'Hot towel shave',
    date: '2026-12-03',
    time: '10:00',
    endTime: '10:45',
    start: new Date('2026-12-03T15:00:00Z'),
    end: new Date('2026-12-03T15:45:00Z'),
    durationMin: 45,
    priceUsd: 45,
    notes: null,
    idempotencyKey: null,
    now: new Date('2026-12-01T12:00:00Z'),
    ...overrides,
  };
}

describe('migrations', () => {
  it('apply once, and re-run as a no-op on restart', async () => {
    const path = join(dir, 'bookings.db');
    const first = await openSqliteBookingStore({ path });
    await first.close();
    const second = await openSqliteBookingStore({ path });
    expect(second.migrate()).toEqual([]);
    await second.close();
    const db = new DatabaseConstructor(path, { readonly: true });
    expect(db.prepare("SELECT version FROM concierge_migrations WHERE component = 'bookings'").all()).toEqual([{ version: 1 }]);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('apply only the new ones to an existing database, keeping its data', async () => {
    const path = join(dir, 'bookings.db');
    const store = await openSqliteBookingStore({ path });
    await store.syncCatalog(DEMO_BUSINESS);
    await store.createBooking(newBooking());
    await store.close();
    const db = new DatabaseConstructor(path);
    const next = { ...SQLITE_BOOKING_MIGRATIONS, migrations: [...SQLITE_BOOKING_MIGRATIONS.migrations, { version: 2, name: 'example', sql: 'ALTER TABLE bookings ADD COLUMN source TEXT' }] };
    expect(migrateSqlite(db, next)).toEqual([2]);
    expect(migrateSqlite(db, next)).toEqual([]);
    expect(db.prepare('SELECT count(*) AS n FROM bookings').get()).toEqual({ n: 1 });
    db.close();
  });

  it('roll back a failing migration whole', () => {
    const db = new DatabaseConstructor(':memory:');
    const broken = { component: 'broken', migrations: [{ version: 1, name: 'broken', sql: 'CREATE TABLE a (x INTEGER); CREATE TABLE a (y INTEGER);' }] };
    expect(() => migrateSqlite(db, broken)).toThrow(/already exists/);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name IN ('a', 'concierge_migrations')").all()).toEqual([]);
    db.close();
  });
});

describe('catalogue sync', () => {
  it('writes the catalogue once and again only when it changes', async () => {
    const store = await openSqliteBookingStore({ path: ':memory:' });
    expect(await store.syncCatalog(DEMO_BUSINESS)).toEqual({ changed: true });
    expect(await store.syncCatalog(DEMO_BUSINESS)).toEqual({ changed: false });
    const fewer = businessSchema.parse({ ...DEMO_BUSINESS, services: DEMO_BUSINESS.services.filter((s) => s.id !== 'hot-towel-shave') });
    expect(await store.syncCatalog(fewer)).toEqual({ changed: true });
    // A withdrawn service cannot be booked even by a caller that still has it in memory.
    await expect(store.createBooking(newBooking())).rejects.toMatchObject({ code: 'UNKNOWN_SERVICE' });
    await store.close();
  });
});

describe('a file shared by two connections', () => {
  it('sees the other connection\'s bookings and enforces capacity across them', async () => {
    const path = join(dir, 'shared.db');
    const one = await openSqliteBookingStore({ path });
    const two = await openSqliteBookingStore({ path });
    await one.syncCatalog(DEMO_BUSINESS);
    expect(await two.syncCatalog(DEMO_BUSINESS)).toEqual({ changed: false });
    const { booking } = await one.createBooking(newBooking());
    expect(await two.getBooking(booking.code)).toEqual(booking);
    const overlapping = newBooking({ customerId: 'bob', time: '10:30', start: new Date('2026-12-03T15:30:00Z'), end: new Date('2026-12-03T16:15:00Z') });
    const error = await two.createBooking(overlapping).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BookingError);
    expect((error as BookingError).code).toBe('SLOT_FULL');
    expect(await two.occupancy({ serviceId: 'hot-towel-shave', from: new Date('2026-12-03T00:00:00Z'), to: new Date('2026-12-04T00:00:00Z') })).toEqual(
      new Map(Array.from({ length: 9 }, (_, i) => [Date.parse('2026-12-03T15:00:00Z') / 60_000 + 5 * i, 1])),
    );
    await one.cancelBooking({ customerId: 'ann', code: booking.code, now: new Date('2026-12-01T12:00:00Z') });
    expect((await two.occupancy({ serviceId: 'hot-towel-shave', from: new Date('2026-12-03T00:00:00Z'), to: new Date('2026-12-04T00:00:00Z') })).size).toBe(0);
    expect((await two.createBooking(overlapping)).booking.customerId).toBe('bob');
    await one.close();
    await two.close();
  });

  it('answers STORE_BUSY when another connection holds the write lock past the timeout', async () => {
    const path = join(dir, 'busy.db');
    const store = await openSqliteBookingStore({ path, busyTimeoutMs: 50 });
    await store.syncCatalog(DEMO_BUSINESS);
    const holder = new DatabaseConstructor(path);
    holder.exec('BEGIN IMMEDIATE');
    await expect(store.createBooking(newBooking())).rejects.toMatchObject({ code: 'STORE_BUSY', status: 503 });
    holder.exec('ROLLBACK');
    holder.close();
    expect((await store.createBooking(newBooking())).replayed).toBe(false);
    await store.close();
  });
});

describe('the occupancy guard itself', () => {
  it('is a database constraint: a direct write past capacity fails', async () => {
    const path = join(dir, 'guard.db');
    const store = await openSqliteBookingStore({ path });
    await store.syncCatalog(DEMO_BUSINESS);
    await store.createBooking(newBooking());
    await store.close();
    const db = new DatabaseConstructor(path);
    expect(() => db.prepare("UPDATE slot_occupancy SET booked = booked + 1 WHERE service_id = 'hot-towel-shave'").run()).toThrow(/CHECK constraint failed/);
    db.close();
  });
});
