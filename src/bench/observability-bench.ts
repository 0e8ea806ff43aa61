import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Agent, fetch as undiciFetch } from 'undici';
import { serveSettingSources, serveSettingsSchema } from '../config/serve-settings.js';
import { resolveSettings } from '../config/settings.js';
import { admissionSettingSources, admissionSettingsSchema } from '../llm/admission-settings.js';
import { startServer, type RunningServer } from '../server/start-server.js';
import { closedLoop, type ClosedLoopResult } from './closed-loop.js';

export interface ObservabilityBenchOptions {
  /** Messages per mode. */
  messages: number;
  concurrency: number;
  /** The modes alternate this many times, so that drift of a shared machine hits both alike. */
  rounds: number;
  /** How often `/metrics` is scraped while the observed server works (real ms; Prometheus's default is 15 s). */
  scrapeEveryMs: number;
  progress: (line: string) => void;
}

export interface Throughput {
  messages: number;
  seconds: number;
  messagesPerSec: number;
  /** Process CPU time (user + system) per message: the server's and the load generator's. */
  cpuMsPerMessage: number;
}

export interface ObservabilityBenchResult {
  /** Metrics on and scraped, one JSON log line per request and per run written to a file. */
  on: Throughput;
  /** No metrics, no request or run logs. */
  off: Throughput;
  /** on / off throughput, over all rounds. */
  ratio: number;
  /** The median of each round's on / off throughput: the two runs of a round are minutes apart at most, so drift of a shared machine cancels out better. */
  medianRoundRatio: number;
  /** off / on CPU per message: the share of throughput a CPU-bound process keeps with observability on. */
  cpuRatio: number;
  logLines: number;
  scrapes: number;
}

const QUESTION = 'Hi! What services do you offer?';

/**
 * What watching costs: the same HTTP service (simulator latency off) with Prometheus metrics
 * and request logging on, against the same with both off, in alternating rounds. Logs go to a
 * file through pino's asynchronous destination, as `concierge serve` writes them to stderr,
 * and `/metrics` is scraped while the observed server works.
 */
export async function runObservabilityBench(options: ObservabilityBenchOptions): Promise<ObservabilityBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'concierge-bench-obs-'));
  const logFile = join(dir, 'requests.log');
  const admission = resolveSettings(admissionSettingsSchema, admissionSettingSources, { flags: {}, env: {} });
  const settingsFor = (name: string) => resolveSettings(serveSettingsSchema, serveSettingSources, { flags: { port: 0, db: join(dir, `${name}.db`), simLatency: 'off' }, env: {} });
  const destination = pino.destination({ dest: logFile, sync: false, mkdir: true });
  const watched = await startServer(settingsFor('on'), admission, { metrics: true, logLevel: 'info', logDestination: destination });
  const quiet = await startServer(settingsFor('off'), admission, { metrics: false, logLevel: 'silent' });
  const dispatcher = new Agent({ connections: options.concurrency * 2, pipelining: 1 });
  let scrapes = 0;
  try {
    const post = async (server: RunningServer, path: string, body: unknown) => {
      const response = await undiciFetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-customer-id': 'bench' }, body: JSON.stringify(body), dispatcher });
      if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${await response.text()}`);
      return (await response.json()) as Record<string, unknown>;
    };
    const prepare = async (server: RunningServer, count: number) => {
      const threads: string[] = [];
      for (let i = 0; i < count; i += 1) threads.push(((await post(server, '/threads', {})) as { thread_id: string }).thread_id);
      return async () => {
        await post(server, `/threads/${threads.pop()!}/runs/wait`, { assistant_id: 'concierge', input: { messages: [{ role: 'user', content: QUESTION }] } });
      };
    };
    const warmup = 50;
    const perRound = Math.max(1, Math.floor(options.messages / options.rounds));
    const total = perRound * options.rounds;
    options.progress(`observability: ${total} messages per mode in ${options.rounds} alternating rounds, ${options.concurrency} in flight`);
    const sendOn = await prepare(watched, total + warmup);
    const sendOff = await prepare(quiet, total + warmup);
    for (let i = 0; i < warmup; i += 1) await Promise.all([sendOn(), sendOff()]);

    const runs: Record<'on' | 'off', Array<ClosedLoopResult & { cpuMs: number }>> = { on: [], off: [] };
    for (let round = 0; round < options.rounds; round += 1) {
      const order: Array<'on' | 'off'> = round % 2 === 0 ? ['on', 'off'] : ['off', 'on'];
      for (const mode of order) {
        const scrape = () =>
          void undiciFetch(`${watched.url}/metrics`, { dispatcher }).then(async (r) => {
            await r.text();
            scrapes += 1;
          });
        // Once as each round of the observed server starts, then at the interval: rounds
        // shorter than the interval are scraped too (more often than Prometheus would).
        if (mode === 'on') scrape();
        const scraper = mode === 'on' ? setInterval(scrape, options.scrapeEveryMs) : undefined;
        try {
          const cpu = process.cpuUsage();
          const result = await closedLoop(perRound, options.concurrency, mode === 'on' ? sendOn : sendOff, () => {});
          const used = process.cpuUsage(cpu);
          runs[mode].push({ ...result, cpuMs: (used.user + used.system) / 1000 });
        } finally {
          if (scraper) clearInterval(scraper);
        }
        const last = runs[mode].at(-1)!;
        options.progress(`  round ${round + 1}/${options.rounds} ${mode}: ${last.messagesPerSec.toFixed(1)} msg/s, ${(last.cpuMs / last.messages).toFixed(2)} CPU ms per message`);
      }
    }
    const on = combine(runs.on);
    const off = combine(runs.off);
    await new Promise<void>((resolve) => destination.flush(() => resolve()));
    const logLines = readFileSync(logFile, 'utf8').split('\n').filter(Boolean).length;
    const roundRatios = runs.on.map((r, i) => r.messagesPerSec / runs.off[i]!.messagesPerSec).sort((a, b) => a - b);
    const mid = Math.floor(roundRatios.length / 2);
    const medianRoundRatio = roundRatios.length % 2 === 1 ? roundRatios[mid]! : (roundRatios[mid - 1]! + roundRatios[mid]!) / 2;
    return { on, off, ratio: on.messagesPerSec / off.messagesPerSec, medianRoundRatio, cpuRatio: off.cpuMsPerMessage / on.cpuMsPerMessage, logLines, scrapes };
  } finally {
    await dispatcher.close();
    await watched.close();
    await quiet.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Rounds of one mode as one: total messages over total time and CPU. */
function combine(results: Array<ClosedLoopResult & { cpuMs: number }>): Throughput {
  const messages = results.reduce((s, r) => s + r.messages, 0);
  const seconds = results.reduce((s, r) => s + r.seconds, 0);
  const cpuMs = results.reduce((s, r) => s + r.cpuMs, 0);
  return { messages, seconds, messagesPerSec: messages / seconds, cpuMsPerMessage: cpuMs / messages };
}
