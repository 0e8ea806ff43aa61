import type { Command } from 'commander';
import { z } from 'zod';
import { startLocalCluster } from '../cluster/local-cluster.js';
import { field, resolveSettings } from '../config/settings.js';
import { runAction, untilSignal } from './run-action.js';

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

const sources = {
  replicas: { flag: '--replicas' },
  host: { flag: '--host' },
  port: { flag: '--port' },
  databaseUrl: { flag: '--database-url', env: 'CONCIERGE_DATABASE_URL' },
  databaseSchema: { flag: '--database-schema', env: 'CONCIERGE_DATABASE_SCHEMA' },
  redisUrl: { flag: '--redis-url', env: 'CONCIERGE_REDIS_URL' },
  redisPrefix: { flag: '--redis-prefix', env: 'CONCIERGE_REDIS_PREFIX' },
  openaiBaseUrl: { flag: '--openai-base-url', env: 'OPENAI_BASE_URL' },
  serveArg: { flag: '--serve-arg' },
  simArg: { flag: '--sim-arg' },
  logDir: { flag: '--log-dir' },
  haproxy: { flag: '--haproxy' },
};

const collect = (value: string, previous: string[] = []) => [...previous, value];

/**
 * `concierge cluster`: what `docker compose -f deploy/compose.yaml up` runs, as plain processes
 * for a machine without Docker: the provider simulator, N `concierge serve` replicas on one
 * Postgres (and Redis), and HAProxy in front of them on one port.
 */
export function registerClusterCommand(program: Command): void {
  program
    .command('cluster')
    .description('Run several `concierge serve` replicas on one Postgres (and Redis) behind HAProxy, with the provider simulator: the Compose deployment as plain processes. See docs/deploy.md.')
    .option('--replicas <n>', 'replicas to start (default 3)')
    .option('--host <host>', 'interface of the balancer and replicas (default 127.0.0.1)')
    .option('--port <port>', "the balancer's port; 0 picks a free one (default 8710)")
    .option('--database-url <url>', 'the Postgres every replica shares (env CONCIERGE_DATABASE_URL; required)')
    .option('--database-schema <name>', 'its schema (env CONCIERGE_DATABASE_SCHEMA, default public)')
    .option('--redis-url <url>', 'the Redis that coordinates them (env CONCIERGE_REDIS_URL; without it they coordinate through Postgres, slower)')
    .option('--redis-prefix <prefix>', 'prefix of their Redis keys (env CONCIERGE_REDIS_PREFIX, default concierge)')
    .option('--openai-base-url <url>', 'a real provider instead of the simulator (env OPENAI_BASE_URL, with OPENAI_API_KEY)')
    .option('--serve-arg <arg>', "extra flag(s) for every replica, repeatable: --serve-arg='--llm-tier tier1'", collect)
    .option('--sim-arg <arg>', "extra flag(s) for the simulator, repeatable: --sim-arg='--preset tier1'", collect)
    .option('--log-dir <dir>', 'write each process log (and HAProxy requests) here')
    .option('--haproxy <path>', 'the HAProxy binary (default /usr/sbin/haproxy)')
    .action(
      runAction(async (flags: Record<string, unknown>) => {
        const settings = resolveSettings(schema, sources, { flags });
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
      }),
    );
}
