import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { z } from 'zod';
import { runScaleBench, type ScaleFigures } from '../bench/scale-bench.js';
import { field, type SettingSources } from '../config/settings.js';
import { createProgress } from './progress.js';
import { withSettings } from './settings-action.js';

const schema = z.object({
  databaseUrl: z.string({ error: 'is required: the Postgres of the shared configurations' }).regex(/^postgres(ql)?:\/\/\S+$/i, 'must be a postgres:// or postgresql:// URL'),
  redisUrl: z.string().regex(/^rediss?:\/\/\S+$/, 'must be a redis:// or rediss:// URL').optional(),
  messages: field.positiveInt().max(100_000).default(2000),
  concurrency: field.positiveInt().max(1000).default(32),
  sequential: field.positiveInt().max(10_000).default(200),
  replicas: field.positiveInt().min(2, 'must be at least 2').max(16).default(3),
  rounds: field.positiveInt().max(100).default(4),
});

const sources: SettingSources<z.input<typeof schema>> = {
  databaseUrl: { flag: '--database-url', env: 'CONCIERGE_DATABASE_URL', arg: '<url>', help: 'Postgres for the shared configurations; the bench uses a schema of its own and drops it (required)', secret: true },
  redisUrl: { flag: '--redis-url', env: 'CONCIERGE_REDIS_URL', arg: '<url>', help: 'Redis for coordination in the Postgres configurations', defaultText: 'none', secret: true },
  messages: { flag: '--messages', arg: '<n>', help: 'messages timed per configuration' },
  concurrency: { flag: '--concurrency', arg: '<n>', help: 'messages in flight' },
  sequential: { flag: '--sequential', arg: '<n>', help: 'messages sent one at a time per single replica, for added latency' },
  replicas: { flag: '--replicas', arg: '<n>', help: 'replicas of the last configuration' },
  rounds: { flag: '--rounds', arg: '<n>', help: 'slices the configurations take turns in, so that a shared machine drifts on all alike' },
};

/**
 * The targets, on figures measured in one run: Postgres against SQLite (one replica each, no
 * Redis: what the database costs), and several replicas against one (the same coordination
 * for both: what adding replicas costs).
 */
export function scaleVerdicts(configurations: ScaleFigures[]): Array<{ pass: boolean; line: string }> {
  const sqlite = configurations.find((c) => c.label === 'SQLite x1');
  const postgres = configurations.find((c) => c.label === 'Postgres x1');
  const many = configurations.at(-1);
  const one = configurations.filter((c) => c.replicas === 1).at(-1);
  if (!sqlite || !postgres || !many || !one || many.replicas === 1) return [];
  const cpuRatio = postgres.cpuMsPerMessage / sqlite.cpuMsPerMessage;
  const scaleRatio = many.cpuMsPerMessage / one.cpuMsPerMessage;
  const addedP99 = (postgres.sequential?.p99Ms ?? Number.NaN) - (sqlite.sequential?.p99Ms ?? Number.NaN);
  return [
    { pass: cpuRatio <= 1.5, line: `Postgres CPU per message <= 1.5x SQLite's: ${cpuRatio.toFixed(2)}x` },
    { pass: scaleRatio <= 1.2, line: `${many.label} CPU per message <= 1.2x ${one.label}'s: ${scaleRatio.toFixed(2)}x` },
    { pass: addedP99 <= 10, line: `p99 added latency of Postgres over SQLite <= 10 ms (one at a time): ${addedP99.toFixed(2)} ms (p50 ${((postgres.sequential?.p50Ms ?? Number.NaN) - (sqlite.sequential?.p50Ms ?? Number.NaN)).toFixed(2)} ms)` },
  ];
}

export function registerScaleBench(bench: Command): void {
  const command = bench
    .command('scale')
    .description('What sharing state costs: messages/s and server CPU per message on SQLite x1, Postgres x1, and with Redis Postgres x1 and xN behind HAProxy (simulator latency off).');
  withSettings(command, schema, sources, async (options) => {
    const progress = createProgress();
    const result = await runScaleBench({ ...options, redisUrl: options.redisUrl, progress: (line) => (line.startsWith('  ') ? progress.update(line.trim()) : progress.log(line)) });
    progress.done();
    const header = `${'configuration'.padEnd(20)} ${'msg/s'.padStart(8)} ${'CPU ms/msg'.padStart(11)} ${'cores busy'.padStart(11)} ${'msg/s per core'.padStart(15)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'1-at-a-time p50/p99 ms'.padStart(24)}`;
    const row = (f: ScaleFigures) =>
      `${f.label.padEnd(20)} ${f.throughput.messagesPerSec.toFixed(1).padStart(8)} ${f.cpuMsPerMessage.toFixed(2).padStart(11)} ${f.coresBusy.toFixed(2).padStart(11)} ${(1000 / f.cpuMsPerMessage).toFixed(1).padStart(15)} ${f.throughput.p50Ms.toFixed(1).padStart(8)} ${f.throughput.p99Ms.toFixed(1).padStart(8)} ${(f.sequential ? `${f.sequential.p50Ms.toFixed(2)} / ${f.sequential.p99Ms.toFixed(2)}` : '-').padStart(24)}`;
    const load = result.loadAverage.map((l) => l.toFixed(2)).join(' ');
    const lines = [
      `scale bench: ${options.messages} messages per configuration in ${options.rounds} turns, ${options.concurrency} in flight, simulator latency off, Redis ${options.redisUrl ? 'on' : 'off'}`,
      header,
      ...result.configurations.map(row),
      ...result.configurations
        .filter((f) => f.replicas > 1)
        .map((f) => `  ${f.label} per replica: ${f.perReplica.map((r) => `${r.id} ${r.runsFinished} runs ${r.cpuMs.toFixed(0)} ms CPU`).join(', ')}`),
      `msg/s per core = 1000 / CPU ms per message: what one core of server CPU carries. This machine has ${availableParallelism()} cores shared by the replicas, the simulator, HAProxy and this load generator, so msg/s is bounded by them, not by the database.`,
      `load average at the end: ${load}${result.loadAverage[0]! > 1.5 ? ' (other work was running: figures are provisional)' : ''}`,
      'targets:',
      ...scaleVerdicts(result.configurations).map((v) => `  ${v.pass ? 'PASS' : 'FAIL'}  ${v.line}`),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  });
}
