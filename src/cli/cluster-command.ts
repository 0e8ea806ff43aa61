import type { Command } from 'commander';
import { z } from 'zod';
import { startLocalCluster } from '../cluster/local-cluster.js';
import { field, type SettingSources } from '../config/settings.js';
import { untilSignal } from './run-action.js';
import { withSettings } from './settings-action.js';

const words = z.array(z.string()).transform((values) => values.flatMap((v) => v.split(/\s+/)).filter(Boolean));

const schema = z.object({
  replicas: field.positiveInt().max(32, 'must be at most 32').default(3),
  host: field.host().default('127.0.0.1'),
  port: field.port().default(8710),
  databaseUrl: z.string({ error: 'is required: the Postgres every replica shares' }).regex(/^postgres(ql)?:\/\/\S+$/i, 'must be a postgres:// or postgresql:// URL'),
  databaseSchema: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier').optional(),
  redisUrl: z.string().regex(/^rediss?:\/\/\S+$/, 'must be a redis:// or rediss:// URL').optional(),
  redisPrefix: z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/, 'must be 1-64 letters, digits, or . _ : -').optional(),
  openaiBaseUrl: field.url().optional(),
  serveArg: words.default([]),
  simArg: words.default([]),
  logDir: z.string().min(1).optional(),
  haproxy: z.string().min(1).default('/usr/sbin/haproxy'),
});

const sources: SettingSources<z.input<typeof schema>> = {
  replicas: { flag: '--replicas', arg: '<n>', help: 'replicas to start' },
  host: { flag: '--host', arg: '<host>', help: 'interface of the balancer and replicas' },
  port: { flag: '--port', arg: '<port>', help: "the balancer's port; 0 picks a free one" },
  databaseUrl: { flag: '--database-url', env: 'CONCIERGE_DATABASE_URL', arg: '<url>', help: 'the Postgres every replica shares (required)', secret: true },
  databaseSchema: { flag: '--database-schema', env: 'CONCIERGE_DATABASE_SCHEMA', arg: '<name>', help: 'its schema', defaultText: 'public' },
  redisUrl: { flag: '--redis-url', env: 'CONCIERGE_REDIS_URL', arg: '<url>', help: 'the Redis that coordinates them; without it they coordinate through Postgres, slower to notice', secret: true },
  redisPrefix: { flag: '--redis-prefix', env: 'CONCIERGE_REDIS_PREFIX', arg: '<prefix>', help: 'prefix of their Redis keys', defaultText: 'concierge' },
  openaiBaseUrl: { flag: '--openai-base-url', env: 'OPENAI_BASE_URL', arg: '<url>', help: 'a real provider instead of the simulator (with OPENAI_API_KEY)' },
  serveArg: { flag: '--serve-arg', arg: '<arg>', takes: 'repeat', help: "extra flag(s) for every replica, repeatable: --serve-arg='--llm-tier tier1'" },
  simArg: { flag: '--sim-arg', arg: '<arg>', takes: 'repeat', help: "extra flag(s) for the simulator, repeatable: --sim-arg='--preset tier1'" },
  logDir: { flag: '--log-dir', arg: '<dir>', help: 'write each process log (and HAProxy requests) here' },
  haproxy: { flag: '--haproxy', arg: '<path>', help: 'the HAProxy binary' },
};

/**
 * `concierge cluster`: what `docker compose -f deploy/compose.yaml up` runs, as plain processes
 * for a machine without Docker: the provider simulator, N `concierge serve` replicas on one
 * Postgres (and Redis), and HAProxy in front of them on one port.
 */
export function registerClusterCommand(program: Command): void {
  const command = program
    .command('cluster')
    .description('Run several `concierge serve` replicas on one Postgres (and Redis) behind HAProxy, with the provider simulator: the Compose deployment as plain processes. See docs/deploy.md.');
  withSettings(command, schema, sources, async (settings) => {
    const cluster = await startLocalCluster({
      replicas: settings.replicas,
      host: settings.host,
      port: settings.port,
      databaseUrl: settings.databaseUrl,
      ...(settings.databaseSchema ? { databaseSchema: settings.databaseSchema } : {}),
      redisUrl: settings.redisUrl,
      ...(settings.redisPrefix ? { redisPrefix: settings.redisPrefix } : {}),
      openaiBaseUrl: settings.openaiBaseUrl,
      serveArgs: settings.serveArg,
      simArgs: settings.simArg,
      logDir: settings.logDir,
      haproxy: settings.haproxy,
      log: (line) => process.stderr.write(`${line}\n`),
    });
    process.stdout.write(`cluster listening on ${cluster.url}\n`);
    const signal = await untilSignal();
    process.stderr.write(`${signal}: stopping the balancer, then the replicas (finishing their runs), then the simulator\n`);
    await cluster.stop();
  });
}
