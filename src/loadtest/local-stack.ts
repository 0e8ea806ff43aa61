import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, existsSync, type WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { localStackFailed } from './loadtest-errors.js';

export interface LocalStackOptions {
  /** Passed to the simulator as `--time-scale` and to the server as CONCIERGE_TIME_SCALE. Default 1. */
  timeScale?: number;
  /** The simulator's rate-limit preset (`--preset`), e.g. `tier1`. Default: the simulator's own. */
  simPreset?: string | undefined;
  /** Extra simulator flags, e.g. `['--seed', '7']`. */
  simArgs?: readonly string[];
  /** Extra server flags, e.g. `['--admission', 'on']`. */
  serverArgs?: readonly string[];
  /** Where `server.log` and `sim.log` are written; without it only a short tail is kept for errors. */
  logDir?: string | undefined;
  /** How long each process may take to print its `listening on` line. Default 60 s. */
  startTimeoutMs?: number;
  /** The command that runs the CLI; default: this checkout's (`bin/concierge.js`, or the TypeScript source through tsx when running from source). */
  command?: readonly string[];
  /** Extra environment for both processes. */
  env?: Record<string, string>;
}

export interface LocalStack {
  serverUrl: string;
  simUrl: string;
  /** Stop the server, then the simulator, and remove the temporary database. Safe to call twice. */
  stop(): Promise<void>;
}

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The CLI of this checkout. Running from TypeScript source (tests, `npx tsx`), the children
 * run the source too, so that they are never an older build than the load tester.
 */
export function defaultCliCommand(): string[] {
  if (import.meta.url.endsWith('.ts')) return [process.execPath, '--import', 'tsx', join(REPO_ROOT, 'src', 'cli', 'main.ts')];
  const bin = join(REPO_ROOT, 'bin', 'concierge.js');
  if (!existsSync(bin)) throw localStackFailed(`cannot find ${bin}`);
  return [process.execPath, bin];
}

/**
 * Start the provider simulator and the Concierge server, each in its own process so that the
 * load generator never shares an event loop with what it measures. Resolves once both have
 * printed their `listening on` line.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const timeScale = options.timeScale ?? 1;
  const command = options.command ?? defaultCliCommand();
  const startTimeoutMs = options.startTimeoutMs ?? 60_000;
  const dbDir = await mkdtemp(join(tmpdir(), 'concierge-loadtest-'));
  const children: ManagedChild[] = [];
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    for (const child of [...children].reverse()) await child.stop();
    await rm(dbDir, { recursive: true, force: true });
  };
  try {
    const simArgs = ['sim', '--port', '0', '--time-scale', String(timeScale), ...(options.simPreset ? ['--preset', options.simPreset] : []), ...(options.simArgs ?? [])];
    const sim = await startChild('sim', command, simArgs, { ...options.env }, /sim listening on (https?:\/\/\S+)/, startTimeoutMs, options.logDir);
    children.push(sim);
    const serverEnv = {
      ...options.env,
      OPENAI_BASE_URL: `${sim.url}/v1`,
      OPENAI_API_KEY: 'sim-key',
      CONCIERGE_TIME_SCALE: String(timeScale),
    };
    const serverArgs = ['serve', '--port', '0', '--host', '127.0.0.1', '--db', join(dbDir, 'concierge.db'), ...(options.serverArgs ?? [])];
    const server = await startChild('server', command, serverArgs, serverEnv, /concierge listening on (https?:\/\/\S+)/, startTimeoutMs, options.logDir);
    children.push(server);
    return { serverUrl: server.url, simUrl: sim.url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export interface ManagedChild {
  url: string;
  pid: number | undefined;
  /** Resolves with the exit code when the process ends (null when killed by a signal). */
  exited: Promise<number | null>;
  /** Send a signal (SIGKILL to simulate a crash) without waiting. */
  kill(signal: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL after 10 s; resolves when the process has exited. */
  stop(): Promise<void>;
}

/**
 * Start a CLI server process and resolve with its address once it prints its `listening on`
 * line; stderr (and stdout) go to `<logDir>/<name>.log` when a folder is given.
 */
export async function startChild(
  name: string,
  command: readonly string[],
  args: string[],
  env: Record<string, string | undefined>,
  ready: RegExp,
  timeoutMs: number,
  logDir: string | undefined,
): Promise<ManagedChild> {
  const [executable, ...prefix] = command;
  if (!executable) throw localStackFailed('empty CLI command');
  // The children inherit this process's environment as any spawned program does, plus the
  // few variables that wire the server to the simulator.
  const child = spawn(executable, [...prefix, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Own process group: Ctrl-C reaches only the load tester, which then writes its partial
    // report and stops the children itself, in order.
    detached: true,
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);
  if (logDir) mkdirSync(logDir, { recursive: true });
  const log: WriteStream | undefined = logDir ? createWriteStream(join(logDir, `${name}.log`), { flags: 'a' }) : undefined;
  const tail: string[] = [];
  const keep = (line: string) => {
    log?.write(`${line}\n`);
    tail.push(line);
    if (tail.length > 40) tail.shift();
  };
  createInterface({ input: child.stderr! }).on('line', keep);
  const stdout = createInterface({ input: child.stdout! });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(localStackFailed(`${name} did not print its address within ${timeoutMs} ms`, { details: { output: tail.join('\n') } })), timeoutMs);
    stdout.on('line', (line) => {
      keep(line);
      const match = ready.exec(line);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1].replace(/\/+$/, ''));
      }
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(localStackFailed(`${name} could not start: ${error.message}`, { cause: error }));
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(localStackFailed(`${name} exited (code ${code}) before listening:\n${tail.slice(-15).join('\n')}`));
    });
  }).catch(async (error: unknown) => {
    child.kill('SIGKILL');
    await exited;
    process.off('exit', killOnExit);
    log?.end();
    throw error;
  });

  return {
    url,
    pid: child.pid,
    exited,
    kill(signal) {
      child.kill(signal);
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const grace = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(grace);
      }
      process.off('exit', killOnExit);
      log?.end();
    },
  };
}
