import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { Agent, fetch as undiciFetch } from 'undici';
import { startLocalCluster, type LocalCluster } from '../cluster/local-cluster.js';
import { deleteKeysWithPrefix } from '../cluster/redis-client.js';
import { startChild, type ManagedChild } from '../loadtest/local-stack.js';
import { dropSchema } from '../store/postgres-pool.js';
import { closedLoop, type ClosedLoopResult } from './closed-loop.js';

export interface ScaleBenchOptions {
  /** Postgres for the shared configurations; the bench works in a schema of its own and drops it. */
  databaseUrl: string;
  /** Redis for coordination (events, wake-ups) in the Postgres configurations; none: the database alone. */
  redisUrl: string | undefined;
  /** Messages timed per configuration at `concurrency` in flight. */
  messages: number;
  concurrency: number;
  /** Messages sent one at a time per single-replica configuration (added latency). */
  sequential: number;
  replicas: number;
  progress: (line: string) => void;
}

export interface ScaleFigures {
  label: string;
  replicas: number;
  throughput: ClosedLoopResult;
  /** Server CPU (user + system, every replica) per message, from the replicas' own counters. */
  cpuMsPerMessage: number;
  /** CPU seconds the replicas used per second of the run: how many cores they kept busy. */
  coresBusy: number;
  perReplica: Array<{ id: string; cpuMs: number; runsFinished: number }>;
  /** One message at a time (single-replica configurations only). */
  sequential: ClosedLoopResult | undefined;
}

export interface ScaleBenchResult {
  configurations: ScaleFigures[];
  loadAverage: number[];
}

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = [process.execPath, join(REPO_ROOT, 'bin', 'concierge.js')];
/** Two kinds of message: one answered from the prompt, one that calls a tool (a second model step). */
const QUESTIONS = ['Hi! What services do you offer?', 'What are my bookings?'];

interface Target {
  label: string;
  url: string;
  replicas: Array<{ id: string; url: string }>;
  stop(): Promise<void>;
}

interface Counters {
  cpuMs: number;
  runsFinished: number;
}

/**
 * What coordination costs. The same messages against SQLite with one replica, Postgres with
 * one, and Postgres with several behind HAProxy, the provider simulator answering at once
 * (latency off) in a process of its own. CPU comes from each replica's own counters (its
 * /stats shows process.cpuUsage()), so neither the simulator, the balancer nor this load
 * generator is counted; on a small machine they share the cores, and throughput is bounded
 * by them: the per-message CPU is the figure that carries to another machine.
 */
export async function runScaleBench(options: ScaleBenchOptions): Promise<ScaleBenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'concierge-scale-'));
  const schemas: string[] = [];
  const prefix = `bench-scale-${randomBytes(4).toString('hex')}`;
  const dispatcher = new Agent({ connections: options.concurrency * 2, pipelining: 1 });
  let sim: ManagedChild | undefined;
  try {
    sim = await startChild('sim', CLI, ['sim', '--port', '0', '--latency', 'off'], {}, /sim listening on (https?:\/\/\S+)/, 60_000, undefined);
    const env = { OPENAI_BASE_URL: `${sim.url}/v1`, OPENAI_API_KEY: 'sim-key' };
    const configurations: ScaleFigures[] = [];
    const single = async (label: string, args: string[]): Promise<Target> => {
      const child = await startChild(label, CLI, ['serve', '--port', '0', '--replica-id', label, ...args], env, /concierge listening on (https?:\/\/\S+)/, 60_000, undefined);
      return { label, url: child.url, replicas: [{ id: label, url: child.url }], stop: () => child.stop() };
    };
    const shared = () => {
      const schema = `bench_scale_${randomBytes(4).toString('hex')}`;
      schemas.push(schema);
      return schema;
    };
    const postgresArgs = (schema: string) => [
      '--database-url',
      options.databaseUrl,
      '--database-schema',
      schema,
      ...(options.redisUrl ? ['--redis-url', options.redisUrl, '--redis-prefix', `${prefix}-${schema}`] : []),
    ];
    const plan: Array<{ label: string; replicas: number; start: () => Promise<Target> }> = [
      { label: 'SQLite x1', replicas: 1, start: () => single('sqlite-1', ['--db', join(dir, 'scale.db')]) },
      { label: 'Postgres x1', replicas: 1, start: () => single('postgres-1', postgresArgs(shared())) },
      {
        label: `Postgres x${options.replicas}`,
        replicas: options.replicas,
        start: async () => {
          const schema = shared();
          const cluster: LocalCluster = await startLocalCluster({
            replicas: options.replicas,
            databaseUrl: options.databaseUrl,
            databaseSchema: schema,
            redisUrl: options.redisUrl,
            redisPrefix: `${prefix}-${schema}`,
            openaiBaseUrl: env.OPENAI_BASE_URL,
          });
          return { label: `postgres-${options.replicas}`, url: cluster.url, replicas: cluster.replicas.map((r) => ({ id: r.id, url: r.url })), stop: () => cluster.stop() };
        },
      },
    ];
    for (const step of plan) {
      options.progress(`${step.label}: starting`);
      const target = await step.start();
      try {
        configurations.push(await measure(step.label, step.replicas, target, options, dispatcher));
      } finally {
        await target.stop();
      }
    }
    return { configurations, loadAverage: loadavg() };
  } finally {
    await dispatcher.close();
    await sim?.stop();
    for (const schema of schemas) await dropSchema(options.databaseUrl, schema);
    if (options.redisUrl) await dropKeys(options.redisUrl, prefix);
    await rm(dir, { recursive: true, force: true });
  }
}

async function measure(label: string, replicas: number, target: Target, options: ScaleBenchOptions, dispatcher: Agent): Promise<ScaleFigures> {
  const post = async (path: string, body: unknown, customer: string) => {
    const response = await undiciFetch(`${target.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-customer-id': customer },
      body: JSON.stringify(body),
      dispatcher,
    });
    if (!response.ok) throw new Error(`${label} ${path}: HTTP ${response.status} ${await response.text()}`);
    return (await response.json()) as Record<string, unknown>;
  };
  const counters = async (): Promise<Counters[]> =>
    Promise.all(
      target.replicas.map(async (r) => {
        const stats = (await (await undiciFetch(`${r.url}/stats`, { dispatcher })).json()) as { cpu: { user: number; system: number }; cluster: { runs: { finished: number } } };
        return { cpuMs: (stats.cpu.user + stats.cpu.system) / 1000, runsFinished: stats.cluster.runs.finished };
      }),
    );
  // One thread per message, made before the clock starts; customers spread like users.
  // Every replica warms up as much (its JIT, its pools), or more replicas would look costlier.
  const warm = 150 * replicas;
  const needed = warm + options.messages + (replicas === 1 ? options.sequential : 0);
  const threads: Array<{ id: string; customer: string }> = [];
  options.progress(`${label}: ${needed} threads`);
  await closedLoop(needed, 16, async () => {
    const customer = `bench-${threads.length % 200}`;
    threads.push({ id: String((await post('/threads', {}, customer)).thread_id), customer });
  }, () => {});
  let n = 0;
  const message = async () => {
    const thread = threads.pop()!;
    await post(`/threads/${thread.id}/runs/wait`, { assistant_id: 'concierge', input: { messages: [{ role: 'user', content: QUESTIONS[(n += 1) % QUESTIONS.length] }] } }, thread.customer);
  };
  options.progress(`${label}: warming up (${warm} messages)`);
  await closedLoop(warm, options.concurrency, message, () => {});
  let sequential: ClosedLoopResult | undefined;
  if (replicas === 1) {
    options.progress(`${label}: ${options.sequential} messages one at a time`);
    sequential = await closedLoop(options.sequential, 1, message, () => {});
  }
  options.progress(`${label}: ${options.messages} messages, ${options.concurrency} in flight`);
  const before = await counters();
  const throughput = await closedLoop(options.messages, options.concurrency, message, (done) => options.progress(`  ${label}: ${done}/${options.messages}`));
  const after = await counters();
  const perReplica = target.replicas.map((r, i) => ({ id: r.id, cpuMs: after[i]!.cpuMs - before[i]!.cpuMs, runsFinished: after[i]!.runsFinished - before[i]!.runsFinished }));
  const cpuMs = perReplica.reduce((sum, r) => sum + r.cpuMs, 0);
  return {
    label,
    replicas,
    throughput,
    cpuMsPerMessage: cpuMs / options.messages,
    coresBusy: cpuMs / 1000 / throughput.seconds,
    perReplica,
    sequential,
  };
}

async function dropKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    await deleteKeysWithPrefix(redis, prefix);
  } finally {
    redis.disconnect();
  }
}
