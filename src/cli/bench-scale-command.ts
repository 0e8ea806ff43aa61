import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { z } from 'zod';
import { formatRate, runScaleBench, type PacedFigures, type ScaleFigures } from '../bench/scale-bench.js';
import { scaleVerdicts, spreadNotes } from '../bench/scale-targets.js';
import { field, type SettingSources } from '../config/settings.js';
import { createProgress } from './progress.js';
import { withSettings } from './settings-action.js';

const schema = z.object({
  databaseUrl: z.string({ error: 'is required: the Postgres of the shared configurations' }).regex(/^postgres(ql)?:\/\/\S+$/i, 'must be a postgres:// or postgresql:// URL'),
  redisUrl: z.string().regex(/^rediss?:\/\/\S+$/, 'must be a redis:// or rediss:// URL').optional(),
  messages: field.positiveInt().max(100_000).default(2000),
  concurrency: field.positiveInt().max(1000).default(32),
  rate: field.positiveNumber().max(1000, 'must be at most 1000').default(8),
  pacedSeconds: field.positiveInt().max(3600).default(40),
  replicas: field.positiveInt().min(2, 'must be at least 2').max(16).default(3),
  rounds: field.positiveInt().max(100).default(4),
});

const sources: SettingSources<z.input<typeof schema>> = {
  databaseUrl: { flag: '--database-url', env: 'CONCIERGE_DATABASE_URL', arg: '<url>', help: 'Postgres for the shared configurations; the bench uses a schema of its own and drops it (required)', secret: true },
  redisUrl: { flag: '--redis-url', env: 'CONCIERGE_REDIS_URL', arg: '<url>', help: 'Redis for coordination in the Postgres configurations', defaultText: 'none', secret: true },
  messages: { flag: '--messages', arg: '<n>', help: 'messages timed per configuration' },
  concurrency: { flag: '--concurrency', arg: '<n>', help: 'messages in flight' },
  rate: { flag: '--rate', arg: '<msg/s>', help: 'arrival rate per replica of the paced runs (below what the machine can take)' },
  pacedSeconds: { flag: '--paced-seconds', arg: '<s>', help: 'how long each paced run lasts' },
  replicas: { flag: '--replicas', arg: '<n>', help: 'replicas of the last configuration' },
  rounds: { flag: '--rounds', arg: '<n>', help: 'slices the configurations take turns in, so that a shared machine drifts on all alike' },
};

export function registerScaleBench(bench: Command): void {
  const command = bench
    .command('scale')
    .description('What sharing state costs: messages/s and server CPU per message on SQLite x1, Postgres x1, and with Redis Postgres x1 and xN behind HAProxy (simulator latency off).');
  withSettings(command, schema, sources, async (options) => {
    const progress = createProgress();
    const result = await runScaleBench({ ...options, ratePerReplica: options.rate, redisUrl: options.redisUrl, progress: (line) => (line.startsWith('  ') ? progress.update(line.trim()) : progress.log(line)) });
    progress.done();
    const header = `${'configuration'.padEnd(20)} ${'msg/s'.padStart(8)} ${'CPU ms/msg'.padStart(11)} ${'cores busy'.padStart(11)} ${'msg/s per core'.padStart(15)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)}`;
    const row = (f: ScaleFigures) =>
      `${f.label.padEnd(20)} ${f.throughput.messagesPerSec.toFixed(1).padStart(8)} ${f.cpuMsPerMessage.toFixed(2).padStart(11)} ${f.coresBusy.toFixed(2).padStart(11)} ${(1000 / f.cpuMsPerMessage).toFixed(1).padStart(15)} ${f.throughput.p50Ms.toFixed(1).padStart(8)} ${f.throughput.p99Ms.toFixed(1).padStart(8)}`;
    const pacedHeader = `${'configuration'.padEnd(20)} ${'msg/s'.padStart(8)} ${'per replica'.padStart(12)} ${'CPU ms/msg'.padStart(11)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)}`;
    const pacedRow = (f: ScaleFigures, p: PacedFigures) =>
      `${f.label.padEnd(20)} ${formatRate(p.rate).padStart(8)} ${formatRate(p.ratePerReplica).padStart(12)} ${p.cpuMsPerMessage.toFixed(2).padStart(11)} ${p.latency.p50Ms.toFixed(2).padStart(8)} ${p.latency.p99Ms.toFixed(2).padStart(8)}`;
    const load = result.loadAverage.map((l) => l.toFixed(2)).join(' ');
    const lines = [
      `scale bench: simulator latency off, Redis ${options.redisUrl ? 'on' : 'off'}, the configurations taking turns in ${options.rounds} rounds`,
      `paced (messages sent at a fixed rate, ${options.pacedSeconds} s each; latency from each message's scheduled instant):`,
      pacedHeader,
      ...result.configurations.flatMap((f) => f.paced.map((p) => pacedRow(f, p))),
      `saturated (${options.messages} messages, ${options.concurrency} in flight: what the machine can take):`,
      header,
      ...result.configurations.map(row),
      ...result.configurations
        .filter((f) => f.replicas > 1)
        .map((f) => `  ${f.label} per replica: ${f.perReplica.map((r) => `${r.id} ${r.runsFinished} runs ${r.cpuMs.toFixed(0)} ms CPU`).join(', ')}`),
      `msg/s per core = 1000 / CPU ms per message: what one core of server CPU carries. This machine has ${availableParallelism()} cores shared by the replicas, the simulator, HAProxy, Postgres, Redis and this load generator, so saturated msg/s is bounded by them, not by the database.`,
      // The bench's own processes load the machine by 2 or more; only load before it started is other work.
      `load average at the start: ${result.loadAverageAtStart.map((v) => v.toFixed(2)).join(' ')}, at the end: ${load}${result.loadAverageAtStart[0]! > 1.5 ? ' (other work was running: figures are provisional)' : ''}`,
      'targets:',
      ...scaleVerdicts(result.configurations, options.rate).map((v) => `  ${v.pass ? 'PASS' : 'FAIL'}  ${v.line}`),
      'the same load on more replicas:',
      ...spreadNotes(result.configurations, options.rate).map((line) => `  ${line}`),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  });
}
