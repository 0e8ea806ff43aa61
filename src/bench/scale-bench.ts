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
import hdr from 'hdr-histogram-js';
import { closedLoop, type ClosedLoopResult } from './closed-loop.js';
import { pacedLoop } from './paced-loop.js';

export interface ScaleBenchOptions {
  /** Postgres for the shared configurations; the bench works in a schema of its own and drops it. */
  databaseUrl: string;
  /** Redis for coordination (events, wake-ups) in the Postgres configurations; none: the database alone. */
  redisUrl: string | undefined;
  /** Messages timed per configuration at `concurrency` in flight. */
  messages: number;
  concurrency: number;
  /** Messages per second per replica of the paced runs (an arrival rate the machine keeps up with). */
  ratePerReplica: number;
  /** How long each paced run lasts, over all rounds. */
  pacedSeconds: number;
  /** Slices each configuration's messages are sent in, the configurations taking turns. */
  rounds: number;
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
  /** The same configuration at fixed arrival rates (below saturation): CPU and latency as users load it. */
  paced: PacedFigures[];
}

export interface PacedFigures {
  /** Messages per second sent to the configuration, and what each replica got of them. */
  rate: number;
  ratePerReplica: number;
  cpuMsPerMessage: number;
  latency: ClosedLoopResult;
}

export interface ScaleBenchResult {
  configurations: ScaleFigures[];
  /** The machine's load averages before the bench started anything: other work on it makes figures provisional. */
  loadAverageAtStart: number[];
  /** The same at the end, the bench's own processes included. */
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
 * generator is counted.
 *
 * Two loads. Paced: messages arrive at a fixed rate per replica, below what the machine can
 * take, so that every configuration is measured as busy as the others: CPU per message and
 * latency compare like with like. Saturated: a closed loop sends as fast as answers come, for
 * what the machine can take; on a small machine the replicas share the cores with the
 * simulator, Postgres, Redis, HAProxy and this generator, so each of several replicas gets a
 * fraction of the load there, and a less busy process costs more per message.
 */
export async function runScaleBench(options: ScaleBenchOptions): Promise<ScaleBenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'concierge-scale-'));
  const schemas: string[] = [];
  const prefix = `bench-scale-${randomBytes(4).toString('hex')}`;
  const loadAverageAtStart = loadavg();
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
    const postgresArgs = (schema: string, redis: boolean) => [
      '--database-url',
      options.databaseUrl,
      '--database-schema',
      schema,
      ...(redis && options.redisUrl ? ['--redis-url', options.redisUrl, '--redis-prefix', `${prefix}-${schema}`] : []),
    ];
    // Postgres alone against SQLite (what the database costs), then, with Redis, one replica
    // against several (what coordination costs as replicas are added).
    const redis = options.redisUrl !== undefined;
    // Paced: every configuration at the same load per replica (what coordination costs as
    // replicas are added); the single replica that the several are compared with also at
    // the share each of them gets of that same total, and the several at the single one's
    // total (the same load spread thinner), so the report can tell the two effects apart.
    const rate = options.ratePerReplica;
    const n = options.replicas;
    const plan: Array<{ label: string; replicas: number; paced: number[]; start: () => Promise<Target> }> = [
      { label: 'SQLite x1', replicas: 1, paced: [rate], start: () => single('sqlite-1', ['--db', join(dir, 'scale.db')]) },
      { label: 'Postgres x1', replicas: 1, paced: redis ? [rate] : [rate, rate / n], start: () => single('postgres-1', postgresArgs(shared(), false)) },
      ...(redis ? [{ label: 'Postgres+Redis x1', replicas: 1, paced: [rate, rate / n], start: () => single('postgres-redis-1', postgresArgs(shared(), true)) }] : []),
      {
        label: `Postgres${redis ? '+Redis' : ''} x${options.replicas}`,
        replicas: options.replicas,
        paced: [rate * n, rate],
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
    // Every configuration runs at once, and the load goes to each in turn, a slice at a time:
    // a shared machine's drift then weighs on all of them alike, and the ratios hold.
    const targets: Array<{ step: (typeof plan)[number]; target: Target }> = [];
    try {
      for (const step of plan) {
        options.progress(`${step.label}: starting`);
        targets.push({ step, target: await step.start() });
      }
      const drivers = await Promise.all(targets.map(({ step, target }) => prepare(step.label, step.replicas, step.paced, target, options, dispatcher)));
      const rounds = Math.max(1, options.rounds);
      for (let round = 1; round <= rounds; round += 1) {
        for (const driver of drivers) {
          options.progress(`round ${round}/${rounds}: ${driver.label}`);
          await driver.round(round, rounds);
        }
      }
      configurations.push(...drivers.map((d) => d.figures()));
    } finally {
      for (const { target } of targets) await target.stop();
    }
    return { configurations, loadAverageAtStart, loadAverage: loadavg() };
  } finally {
    await dispatcher.close();
    await sim?.stop();
    for (const schema of schemas) await dropSchema(options.databaseUrl, schema);
    if (options.redisUrl) await dropKeys(options.redisUrl, prefix);
    await rm(dir, { recursive: true, force: true });
  }
}

interface Driver {
  label: string;
  /** Send this round's slice: at each paced rate first, then `concurrency` in flight. */
  round(round: number, rounds: number): Promise<void>;
  figures(): ScaleFigures;
}

/** Threads made and the configuration warmed up; then its share of each round, measured. */
async function prepare(label: string, replicas: number, pacedRates: number[], target: Target, options: ScaleBenchOptions, dispatcher: Agent): Promise<Driver> {
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
  // One thread per message, made before any clock starts; customers spread like users.
  // Every replica warms up as much (its JIT, its pools), or more replicas would look costlier.
  const warm = 150 * replicas;
  const pacedTotals = pacedRates.map((rate) => Math.max(1, Math.round(rate * options.pacedSeconds)));
  const needed = warm + options.messages + pacedTotals.reduce((a, b) => a + b, 0);
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

  const throughput = new LatencyTally();
  let seconds = 0;
  const cpu = target.replicas.map((r) => ({ id: r.id, cpuMs: 0, runsFinished: 0 }));
  const paced = pacedRates.map(() => ({ latency: new LatencyTally(), seconds: 0, cpuMs: 0 }));
  const slice = (total: number, round: number, rounds: number) => Math.floor((total * round) / rounds) - Math.floor((total * (round - 1)) / rounds);
  const cpuNow = async () => (await counters()).reduce((sum, c) => sum + c.cpuMs, 0);
  return {
    label,
    async round(round, rounds) {
      for (const [i, rate] of pacedRates.entries()) {
        const count = slice(pacedTotals[i]!, round, rounds);
        options.progress(`  ${label}: ${count} messages at ${formatRate(rate)}/s`);
        const before = await cpuNow();
        paced[i]!.seconds += await pacedLoop(count, rate, message, (ms) => paced[i]!.latency.record(ms));
        paced[i]!.cpuMs += (await cpuNow()) - before;
      }
      const count = slice(options.messages, round, rounds);
      const before = await counters();
      const started = performance.now();
      await closedLoop(count, options.concurrency, throughput.timing(message), (done) => options.progress(`  ${label}: ${done}/${count}`));
      seconds += (performance.now() - started) / 1000;
      const after = await counters();
      after.forEach((c, i) => {
        cpu[i]!.cpuMs += c.cpuMs - before[i]!.cpuMs;
        cpu[i]!.runsFinished += c.runsFinished - before[i]!.runsFinished;
      });
    },
    figures() {
      const cpuMs = cpu.reduce((sum, r) => sum + r.cpuMs, 0);
      return {
        label,
        replicas,
        throughput: throughput.result(seconds),
        cpuMsPerMessage: cpuMs / options.messages,
        coresBusy: cpuMs / 1000 / seconds,
        perReplica: cpu,
        paced: pacedRates.map((rate, i) => ({
          rate,
          ratePerReplica: rate / replicas,
          cpuMsPerMessage: paced[i]!.cpuMs / pacedTotals[i]!,
          latency: paced[i]!.latency.result(paced[i]!.seconds),
        })),
      };
    },
  };
}

export function formatRate(rate: number): string {
  return Number.isInteger(rate) ? String(rate) : rate.toFixed(1);
}

/** Latencies of one configuration over every round (HdrHistogram, microseconds). */
class LatencyTally {
  readonly #histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });

  timing(one: () => Promise<void>): () => Promise<void> {
    return async () => {
      const t0 = performance.now();
      await one();
      this.record(performance.now() - t0);
    };
  }

  record(ms: number): void {
    this.#histogram.recordValue(Math.max(1, Math.round(ms * 1000)));
  }

  /** `seconds`: the wall time of the timed phases (for msg/s). */
  result(seconds: number): ClosedLoopResult {
    const messages = this.#histogram.totalCount;
    return { messages, seconds, messagesPerSec: messages / seconds, p50Ms: this.#histogram.getValueAtPercentile(50) / 1000, p99Ms: this.#histogram.getValueAtPercentile(99) / 1000 };
  }
}

async function dropKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    await deleteKeysWithPrefix(redis, prefix);
  } finally {
    redis.disconnect();
  }
}
