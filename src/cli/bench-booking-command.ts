import type { Command } from 'commander';
import { z } from 'zod';
import { createProgress } from './progress.js';
import { withSettings } from './settings-action.js';
import { field, type SettingSources } from '../config/settings.js';
import { runBookingBench, type OperationFigures } from '../bench/booking-bench.js';

const schema = z.object({
  database: z.string().min(1, 'must be a SQLite file path or a postgres:// URL').optional(),
  bookings: field.positiveInt().max(100_000).default(2000),
  concurrency: field.positiveInt().max(1000).default(8),
});

const sources: SettingSources<z.input<typeof schema>> = {
  database: { flag: '--database', arg: '<path-or-url>', help: 'SQLite file or postgres:// URL (a Postgres run uses its own schema and drops it)', defaultText: 'a temporary SQLite file' },
  bookings: { flag: '--bookings', arg: '<n>', help: 'bookings to make' },
  concurrency: { flag: '--concurrency', arg: '<n>', help: 'requests in flight' },
};

export function registerBookingBench(bench: Command): void {
  withSettings(bench.command('booking').description('Bookings/s and latency of book, availability, reschedule and cancel on a real store (SQLite by default).'), schema, sources, async (options) => {
    const progress = createProgress();
    const result = await runBookingBench({ ...options, progress: (line) => progress.log(line) });
    progress.done();
    const row = (name: string, f: OperationFigures) =>
      `${name.padEnd(18)} ${String(f.count).padStart(6)} ops ${f.perSec.toFixed(0).padStart(8)} ops/s   p50 ${f.p50Ms.toFixed(3).padStart(7)} ms   p99 ${f.p99Ms.toFixed(3).padStart(7)} ms`;
    const lines = [
      `booking bench on ${result.database}, ${options.concurrency} in flight`,
      row('book', result.book),
      row('availability 1 day', result.availabilityDay),
      row('availability 7 days', result.availabilityWeek),
      row('reschedule', result.reschedule),
      row('cancel', result.cancel),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  });
}
