import type { Command } from 'commander';
import { z } from 'zod';
import { createProgress } from './progress.js';
import { runAction } from './run-action.js';
import { field, resolveSettings } from '../config/settings.js';
import { runBookingBench, type OperationFigures } from '../bench/booking-bench.js';

const schema = z.object({
  database: z.string().min(1, 'must be a SQLite file path or a postgres:// URL').optional(),
  bookings: field.positiveInt().max(100_000).default(2000),
  concurrency: field.positiveInt().max(1000).default(8),
});

export function registerBookingBench(bench: Command): void {
  bench
    .command('booking')
    .description('Bookings/s and latency of book, availability, reschedule and cancel on a real store (SQLite by default).')
    .option('--database <path-or-url>', 'SQLite file or postgres:// URL (default: a temporary SQLite file; a Postgres run uses its own schema and drops it)')
    .option('--bookings <n>', 'bookings to make (default 2000)')
    .option('--concurrency <n>', 'requests in flight (default 8)')
    .action(
      runAction(async (flags: Record<string, unknown>) => {
        const options = resolveSettings(schema, { database: { flag: '--database' }, bookings: { flag: '--bookings' }, concurrency: { flag: '--concurrency' } }, { flags });
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
      }),
    );
}
