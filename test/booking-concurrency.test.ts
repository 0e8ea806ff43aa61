import DatabaseConstructor from 'better-sqlite3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/shared/clock.js';
import { openBookingService } from '../src/booking/open-booking-service.js';

/**
 * Real races on one SQLite file: each worker thread opens its own connection, waits at a
 * shared gate, and then everyone fires at once. Promises inside one thread would only
 * interleave; threads contend for the database's write lock for real.
 */

const NOW = '2026-12-01T13:00:00Z';
const THU = '2026-12-03';

const WORKER_SOURCE = `
import { parentPort, workerData } from 'node:worker_threads';
// Code given as a string resolves packages from the working directory: the repository root.
const { register } = await import('tsx/esm/api');
register();
const gate = new Int32Array(workerData.gate);
const passGate = () => { parentPort.postMessage({ type: 'ready' }); Atomics.wait(gate, 0, 0); };
if (workerData.mode === 'migrate') {
  const { SqliteBookingStore } = await import(workerData.modules.store);
  passGate();
  const store = new SqliteBookingStore({ path: workerData.path, busyTimeoutMs: 20000 });
  const applied = store.appliedMigrations;
  await store.close();
  parentPort.postMessage({ type: 'done', results: [{ opened: true, applied }] });
} else {
  const { openBookingService } = await import(workerData.modules.open);
  const { ManualClock } = await import(workerData.modules.clock);
  const service = await openBookingService({ database: workerData.path, clock: new ManualClock(workerData.now), busyTimeoutMs: 20000 });
  passGate();
  const results = await Promise.all(workerData.requests.map(async (request) => {
    try {
      const { booking, replayed } = await service.book(request);
      return { ok: true, code: booking.code, time: booking.time, replayed };
    } catch (error) {
      return { ok: false, code: error.code, alternatives: error.details?.alternatives ?? [] };
    }
  }));
  await service.close();
  parentPort.postMessage({ type: 'done', results });
}
`;

const modules = {
  open: new URL('../src/booking/open-booking-service.ts', import.meta.url).href,
  clock: new URL('../src/shared/clock.ts', import.meta.url).href,
  store: new URL('../src/booking/sqlite-booking-store.ts', import.meta.url).href,
};

interface Outcome {
  ok: boolean;
  code: string;
  time?: string;
  replayed?: boolean;
  alternatives?: Array<{ date: string; time: string }>;
  applied?: number[];
}

/** Start one worker per request list, open the gate when all are ready, collect every outcome. */
async function race(path: string, mode: 'book' | 'migrate', perWorker: unknown[][]): Promise<Outcome[]> {
  const gate = new SharedArrayBuffer(4);
  const flag = new Int32Array(gate);
  let ready = 0;
  const done = perWorker.map(
    (requests) =>
      new Promise<Outcome[]>((resolve, reject) => {
        const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { modules, path, mode, requests, now: NOW, gate } });
        worker.on('message', (message: { type: string; results?: Outcome[] }) => {
          if (message.type === 'ready' && ++ready === perWorker.length) {
            Atomics.store(flag, 0, 1);
            Atomics.notify(flag, 0);
          }
          if (message.type === 'done') resolve(message.results ?? []);
        });
        worker.on('error', reject);
        worker.on('exit', (code) => (code === 0 ? undefined : reject(new Error(`worker exited with ${code}`))));
      }),
  );
  return (await Promise.all(done)).flat();
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'concierge-race-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('concurrent bookings on one SQLite file from several threads', () => {
  it('50 requests for the last places: exactly the free places are booked, the rest get SLOT_FULL with alternatives', async () => {
    const path = join(dir, 'last-slot.db');
    // Classic haircut: 30 minutes, capacity 3. One chair is taken at 10:00, so two places are left.
    const setup = await openBookingService({ database: path, clock: new ManualClock(NOW) });
    await setup.book({ customerId: 'early-bird', service: 'classic-haircut', date: THU, time: '10:00' });
    await setup.close();

    // Half ask for 10:00, half for 10:15: every request overlaps 10:15-10:30, so only two can win.
    const workers = 5;
    const requests = Array.from({ length: 50 }, (_, i) => ({ customerId: `customer-${i}`, service: 'classic-haircut', date: THU, time: i % 2 === 0 ? '10:00' : '10:15' }));
    const perWorker = Array.from({ length: workers }, (_, w) => requests.filter((_, i) => i % workers === w));
    const outcomes = await race(path, 'book', perWorker);

    expect(outcomes).toHaveLength(50);
    const won = outcomes.filter((o) => o.ok);
    const lost = outcomes.filter((o) => !o.ok);
    expect(won).toHaveLength(2);
    expect(new Set(won.map((o) => o.code)).size).toBe(2);
    expect(new Set(lost.map((o) => o.code))).toEqual(new Set(['SLOT_FULL']));
    for (const o of lost) {
      expect(o.alternatives!.length).toBeGreaterThan(0);
      expect(o.alternatives!.every((a) => a.date >= THU)).toBe(true);
    }

    // The database agrees: three bookings hold the overlap, and occupancy matches the bookings.
    const db = new DatabaseConstructor(path, { readonly: true });
    const confirmed = db.prepare("SELECT local_time AS time FROM bookings WHERE status = 'confirmed' AND service_id = 'classic-haircut'").all();
    expect(confirmed).toHaveLength(3);
    const worst = db.prepare("SELECT max(booked) AS booked, max(capacity) AS capacity FROM slot_occupancy WHERE service_id = 'classic-haircut'").get() as { booked: number; capacity: number };
    expect(worst).toEqual({ booked: 3, capacity: 3 });
    const units = db.prepare("SELECT sum(booked) AS n FROM slot_occupancy WHERE service_id = 'classic-haircut'").get() as { n: number };
    expect(units.n).toBe(3 * 6); // three 30-minute bookings, six 5-minute units each
    db.close();
  });

  it('the same idempotency key from many threads at once books once and returns one code', async () => {
    const path = join(dir, 'idempotent.db');
    const request = { customerId: 'zoe', service: 'beard-trim', date: THU, time: '11:00', idempotencyKey: 'zoe:beard-trim:2026-12-03:11:00' };
    const outcomes = await race(path, 'book', Array.from({ length: 4 }, () => [request, request, request]));
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(new Set(outcomes.map((o) => o.code)).size).toBe(1);
    expect(outcomes.filter((o) => !o.replayed)).toHaveLength(1);
    const check = await openBookingService({ database: path, clock: new ManualClock(NOW) });
    expect(await check.listForCustomer('zoe')).toHaveLength(1);
    await check.close();
  });

  it('threads opening a new file at once apply each migration exactly once', async () => {
    const path = join(dir, 'fresh.db');
    const outcomes = await race(path, 'migrate', Array.from({ length: 4 }, () => []));
    const applied = outcomes.map((o) => o.applied ?? []);
    expect(applied.filter((a) => a.length > 0)).toEqual([[1]]);
    const db = new DatabaseConstructor(path, { readonly: true });
    expect(db.prepare("SELECT version FROM concierge_migrations WHERE component = 'bookings'").all()).toEqual([{ version: 1 }]);
    db.close();
  });
});
