import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addDays } from '../shared/local-time.js';
import { isPostgresUrl, openBookingService } from '../booking/open-booking-service.js';
import { dropSchema } from '../store/postgres-pool.js';

export interface BookingBenchOptions {
  /** SQLite file or postgres:// URL; a fresh temporary SQLite file when absent. */
  database?: string;
  /** Bookings to make. */
  bookings: number;
  /** Requests in flight at once (matters for Postgres; SQLite runs each write to completion). */
  concurrency: number;
  progress?: (line: string) => void;
}

export interface OperationFigures {
  count: number;
  perSec: number;
  p50Ms: number;
  p99Ms: number;
}

export interface BookingBenchResult {
  database: string;
  book: OperationFigures;
  availabilityDay: OperationFigures;
  availabilityWeek: OperationFigures;
  reschedule: OperationFigures;
  cancel: OperationFigures;
}

function figures(durations: number[], wallMs: number): OperationFigures {
  const sorted = [...durations].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { count: sorted.length, perSec: wallMs > 0 ? (sorted.length * 1000) / wallMs : 0, p50Ms: at(0.5), p99Ms: at(0.99) };
}

/** Run `jobs` with at most `concurrency` in flight, timing each. */
async function timed<T>(items: readonly T[], concurrency: number, job: (item: T) => Promise<unknown>): Promise<OperationFigures> {
  const durations: number[] = [];
  let next = 0;
  const started = performance.now();
  const lane = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      const t0 = performance.now();
      await job(item);
      durations.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, lane));
  return figures(durations, performance.now() - started);
}

/**
 * Throughput and latency of the booking operations on a real store with the demo business:
 * book the free places of one service in date order, query availability, move and cancel.
 * Prints nothing itself; the command formats the figures.
 */
export async function runBookingBench(options: BookingBenchOptions): Promise<BookingBenchResult> {
  const dir = options.database ? undefined : await mkdtemp(join(tmpdir(), 'concierge-booking-bench-'));
  const database = options.database ?? join(dir!, 'bench.db');
  const postgresSchema = isPostgresUrl(database) ? `booking_bench_${process.pid}` : undefined;
  const service = await openBookingService({ database, ...(postgresSchema ? { postgresSchema } : {}) });
  const log = options.progress ?? (() => undefined);
  try {
    const serviceId = 'beard-trim';
    const today = service.today();
    const wishes: Array<{ date: string; time: string }> = [];
    for (let from = addDays(today, 1); wishes.length < options.bookings && from <= addDays(today, service.business.bookingHorizonDays); from = addDays(from, 31)) {
      const { slots } = await service.availability({ service: serviceId, from, to: addDays(from, 30) });
      for (const slot of slots) for (let i = 0; i < slot.remaining && wishes.length < options.bookings; i++) wishes.push({ date: slot.date, time: slot.time });
    }
    log(`booking ${wishes.length} places of ${serviceId} on ${database}`);
    const codes: string[] = [];
    let n = 0;
    const book = await timed(wishes, options.concurrency, async (wish) => {
      const { booking } = await service.book({ customerId: `bench-${n++}`, service: serviceId, ...wish });
      codes.push(booking.code);
    });
    log('querying availability');
    const days = Array.from({ length: Math.min(500, options.bookings) }, (_, i) => addDays(today, 1 + (i % 14)));
    const availabilityDay = await timed(days, options.concurrency, (from) => service.availability({ service: serviceId, from }));
    const availabilityWeek = await timed(days, options.concurrency, (from) => service.availability({ service: serviceId, from, to: addDays(from, 6) }));
    log('moving and cancelling');
    const owners = new Map((await service.listAll({ status: 'confirmed' })).map((b) => [b.code, b]));
    const sample = codes.slice(0, Math.min(500, codes.length));
    const reschedule = await timed(sample, options.concurrency, async (code) => {
      const booking = owners.get(code)!;
      // Move onto the same time: a full release-and-take cycle that always fits.
      await service.reschedule({ customerId: booking.customerId, code, date: booking.date, time: booking.time });
    });
    const cancel = await timed(sample, options.concurrency, (code) => service.cancel({ customerId: owners.get(code)!.customerId, code }));
    return { database: postgresSchema ? `${database.replace(/\/\/[^@/]*@/, '//')} (schema ${postgresSchema})` : database, book, availabilityDay, availabilityWeek, reschedule, cancel };
  } finally {
    await service.close();
    if (postgresSchema) await dropSchema(database, postgresSchema);
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}
