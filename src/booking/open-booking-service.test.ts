import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../shared/clock.js';
import { isPostgresUrl, openBookingService } from './open-booking-service.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'concierge-open-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('openBookingService', () => {
  it("runs the owner's file on a new database and keeps bookings across restarts", async () => {
    const database = join(dir, 'bookings.db');
    const businessFile = new URL('../../examples/business.yaml', import.meta.url).pathname;
    const clock = new ManualClock('2026-12-01T09:00:00Z');
    const first = await openBookingService({ database, businessFile, clock });
    expect(first.business.name).toBe('Harbour Lane Wellness');
    const { booking } = await first.book({ customerId: 'ann', service: 'sports massage', date: '2026-12-03', time: '08:00' });
    expect(booking.startAt).toBe('2026-12-03T08:00:00.000Z');
    await first.close();

    const second = await openBookingService({ database, businessFile, clock });
    expect(await second.listForCustomer('ann')).toEqual([booking]);
    await second.close();
  });

  it('tells Postgres URLs from file paths', () => {
    expect(isPostgresUrl('postgres://127.0.0.1/test')).toBe(true);
    expect(isPostgresUrl('postgresql://u@h/db')).toBe(true);
    expect(isPostgresUrl('./data/bookings.db')).toBe(false);
    expect(isPostgresUrl(':memory:')).toBe(false);
  });
});
