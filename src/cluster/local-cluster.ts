import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ConciergeError } from '../shared/errors.js';
import { startChild, type ManagedChild } from '../loadtest/local-stack.js';
import { haproxyConfig, serverStates } from './haproxy-config.js';

export interface LocalClusterOptions {
  replicas: number;
  /** The shared Postgres; every replica gets it with `--database-url`. */
  databaseUrl: string;
  databaseSchema?: string;
  /** The shared Redis, or none (replicas then coordinate through the database only). */
  redisUrl?: string | undefined;
  redisPrefix?: string;
  /** Flags given to every replica, e.g. `['--lease-ms', '3000']`. */
  serveArgs?: readonly string[];
  /** The provider: a URL, or the simulator started here with `simArgs`. */
  openaiBaseUrl?: string | undefined;
  simArgs?: readonly string[];
  /** The balancer's port; 0 picks a free one. */
  port?: number;
  host?: string;
  haproxy?: string;
  /** Where each process writes its log; without it only a short tail is kept for errors. */
  logDir?: string | undefined;
  env?: Record<string, string>;
  /** Health-check interval of the balancer. Default 1000 ms. */
  checkIntervalMs?: number;
  /** How to run the CLI. Default: this checkout's built `bin/concierge.js`. */
  command?: readonly string[];
  log?: (line: string) => void;
}

export interface ClusterReplica {
  id: string;
  /** The replica itself, bypassing the balancer. */
  url: string;
  process: ManagedChild;
}

export interface LocalCluster {
  /** The balancer: where clients connect. */
  url: string;
  /** HAProxy's statistics page. */
  statsUrl: string;
  replicas: ClusterReplica[];
  simulatorUrl: string | undefined;
  /** Replica name -> UP / DOWN as the balancer sees it now. */
  balancerStates(): Promise<Map<string, string>>;
  /** Stop the balancer, every replica (SIGTERM, graceful) and the simulator. Safe to call twice. */
  stop(): Promise<void>;
}

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A free TCP port on `host`, chosen by the system (HAProxy cannot report a port 0 of its own). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Several `concierge serve` processes on one Postgres schema and one Redis prefix, behind
 * HAProxy (round robin, no stickiness, health checks on /readyz), with the provider
 * simulator in a process of its own: what Compose runs, as plain processes for a machine
 * without Docker (and for the cluster tests).
 */
export async function startLocalCluster(options: LocalClusterOptions): Promise<LocalCluster> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? (() => {});
  const command = options.command ?? [process.execPath, join(REPO_ROOT, 'bin', 'concierge.js')];
  const haproxyPath = options.haproxy ?? '/usr/sbin/haproxy';
  if (!existsSync(haproxyPath)) throw new ConciergeError('LOCAL_STACK_FAILED', `HAProxy is not installed at ${haproxyPath} (Debian: apt-get install haproxy)`);
  const dir = await mkdtemp(join(tmpdir(), 'concierge-cluster-'));
  const children: ManagedChild[] = [];
  let haproxy: ChildProcess | undefined;
  let haproxyExited: Promise<void> | undefined;
  let stopped = false;

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (haproxy && haproxy.exitCode === null) {
      haproxy.kill('SIGTERM');
      await haproxyExited;
    }
    // Replicas first (they may still be finishing runs), the simulator last.
    await Promise.all(children.slice(1).map((c) => c.stop()));
    await children[0]?.stop();
    await rm(dir, { recursive: true, force: true });
  };

  try {
    let baseUrl = options.openaiBaseUrl;
    let simulatorUrl: string | undefined;
    if (!baseUrl) {
      const sim = await startChild('sim', command, ['sim', '--port', '0', '--host', host, ...(options.simArgs ?? [])], { ...options.env }, /sim listening on (https?:\/\/\S+)/, 60_000, options.logDir);
      children.push(sim);
      simulatorUrl = sim.url;
      baseUrl = `${sim.url}/v1`;
      log(`simulator on ${sim.url}`);
    } else {
      // Keep index 0 for the simulator, even when there is none.
      children.push({ url: baseUrl, pid: undefined, exited: Promise.resolve(0), kill() {}, stop: async () => {} });
    }
    const env = { ...options.env, OPENAI_BASE_URL: baseUrl, OPENAI_API_KEY: process.env.OPENAI_API_KEY ?? 'sim-key' };
    const shared = [
      '--database-url',
      options.databaseUrl,
      ...(options.databaseSchema ? ['--database-schema', options.databaseSchema] : []),
      ...(options.redisUrl ? ['--redis-url', options.redisUrl] : []),
      ...(options.redisPrefix ? ['--redis-prefix', options.redisPrefix] : []),
    ];
    // All at once, as an orchestrator starts them: migrations must cope.
    const replicas = await Promise.all(
      Array.from({ length: options.replicas }, async (_, i) => {
        const id = `replica-${i + 1}`;
        const args = ['serve', '--host', host, '--port', '0', '--replica-id', id, ...shared, ...(options.serveArgs ?? [])];
        const child = await startChild(id, command, args, env, /concierge listening on (https?:\/\/\S+)/, 60_000, options.logDir);
        children.push(child);
        log(`${id} on ${child.url}`);
        return { id, url: child.url, process: child };
      }),
    );

    const port = options.port || (await freePort(host));
    const statsPort = await freePort(host);
    const configPath = join(dir, 'haproxy.cfg');
    await writeFile(
      configPath,
      haproxyConfig({
        bind: `${host}:${port}`,
        statsBind: `${host}:${statsPort}`,
        servers: replicas.map((r) => ({ name: r.id, address: new URL(r.url).host })),
        ...(options.checkIntervalMs ? { checkIntervalMs: options.checkIntervalMs } : {}),
        logRequests: options.logDir !== undefined,
      }),
    );
    if (options.logDir) mkdirSync(options.logDir, { recursive: true });
    const proxy = spawn(haproxyPath, ['-f', configPath, '-db'], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    haproxy = proxy;
    const killOnExit = () => proxy.kill('SIGKILL');
    process.on('exit', killOnExit);
    const tail: string[] = [];
    const proxyLog = options.logDir ? createWriteStream(join(options.logDir, 'haproxy.log'), { flags: 'a' }) : undefined;
    createInterface({ input: proxy.stderr! }).on('line', (line) => {
      proxyLog?.write(`${line}\n`);
      tail.push(line);
      if (tail.length > 20) tail.shift();
    });
    haproxyExited = new Promise((resolve) =>
      proxy.once('exit', () => {
        process.off('exit', killOnExit);
        resolve();
      }),
    );
    const statsUrl = `http://${host}:${statsPort}/stats`;
    const balancerStates = async () => serverStates(await (await fetch(`${statsUrl};csv`)).text());
    // Ready when the balancer reports every replica up.
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (proxy.exitCode !== null) throw new ConciergeError('LOCAL_STACK_FAILED', `HAProxy exited: ${tail.join('\n')}`);
      const states = await balancerStates().catch(() => new Map<string, string>());
      if (states.size === replicas.length && [...states.values()].every((s) => s === 'UP')) break;
      if (Date.now() > deadline) throw new ConciergeError('LOCAL_STACK_FAILED', `replicas not all up behind HAProxy: ${JSON.stringify([...states])}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const url = `http://${host}:${port}`;
    log(`balancer on ${url}`);
    return { url, statsUrl, replicas, simulatorUrl, balancerStates, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
