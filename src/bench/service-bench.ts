import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch as undiciFetch } from 'undici';
import hdr from 'hdr-histogram-js';
import { serveSettingSources, serveSettingsSchema } from '../config/serve-settings.js';
import { resolveSettings } from '../config/settings.js';
import { startServer } from '../server/start-server.js';

export interface ServiceBenchOptions {
  /** Messages per mode. */
  messages: number;
  /** Messages in flight at once. */
  concurrency: number;
  /** Idle threads created for the memory figure. */
  idleThreads: number;
  progress: (line: string) => void;
}

export interface ModeResult {
  messages: number;
  seconds: number;
  messagesPerSec: number;
  p50Ms: number;
  p99Ms: number;
}

export interface ServiceBenchResult {
  inProcess: ModeResult;
  http: ModeResult;
  ratio: number;
  addedP50Ms: number;
  addedP99Ms: number;
  idleThreadBytes: { heap: number; rss: number; disk: number };
}

const QUESTION = 'Hi! What services do you offer?';

async function drive(total: number, concurrency: number, one: (i: number) => Promise<void>, progress: (done: number) => void): Promise<ModeResult> {
  const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });
  let next = 0;
  let done = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < total) {
      const i = next++;
      const t0 = performance.now();
      await one(i);
      histogram.recordValue(Math.max(1, Math.round((performance.now() - t0) * 1000)));
      done += 1;
      if (done % 500 === 0) progress(done);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  const result = { messages: total, seconds, messagesPerSec: total / seconds, p50Ms: histogram.getValueAtPercentile(50) / 1000, p99Ms: histogram.getValueAtPercentile(99) / 1000 };
  histogram.destroy();
  return result;
}

/**
 * The cost of the HTTP service over the bare graph: the same agent, the same simulator
 * (latency off, in-process), the same database, first invoked directly, then through fastify
 * over loopback. Each message is one fresh thread asking for the services (two LLM calls and
 * one tool call), so the checkpointer's work is the same in both modes.
 */
export async function runServiceBench(options: ServiceBenchOptions): Promise<ServiceBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'concierge-bench-'));
  const settings = resolveSettings(serveSettingsSchema, serveSettingSources, { flags: { port: 0, db: join(dir, 'bench.db'), simLatency: 'off' }, env: {} });
  const server = await startServer(settings);
  const dispatcher = new Agent({ connections: options.concurrency * 2, pipelining: 1 });
  try {
    const graph = server.graph;
    const warm = async () => {
      for (let i = 0; i < 50; i += 1) await graph.invoke({ messages: [{ role: 'user', content: QUESTION }] }, { configurable: { thread_id: `warm-${i}`, customer_id: 'bench' } });
    };
    await warm();

    options.progress(`in-process: ${options.messages} messages, ${options.concurrency} at a time`);
    const inProcess = await drive(
      options.messages,
      options.concurrency,
      async (i) => {
        await graph.invoke({ messages: [{ role: 'user', content: QUESTION }] }, { configurable: { thread_id: `direct-${i}`, customer_id: `bench-${i % 100}` } });
      },
      (done) => options.progress(`  in-process ${done}/${options.messages}`),
    );

    const post = async (path: string, body: unknown, customer: string) => {
      const response = await undiciFetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-customer-id': customer },
        body: JSON.stringify(body),
        dispatcher,
      });
      if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${await response.text()}`);
      return (await response.json()) as Record<string, unknown>;
    };
    options.progress(`http: ${options.messages} messages, ${options.concurrency} at a time`);
    const http = await drive(
      options.messages,
      options.concurrency,
      async (i) => {
        const customer = `bench-${i % 100}`;
        const thread = (await post('/threads', {}, customer)) as { thread_id: string };
        await post(`/threads/${thread.thread_id}/runs/wait`, { assistant_id: 'concierge', input: { messages: [{ role: 'user', content: QUESTION }] } }, customer);
      },
      (done) => options.progress(`  http ${done}/${options.messages}`),
    );

    options.progress(`idle threads: ${options.idleThreads}`);
    const idleThreadBytes = await measureIdleThreads(server.url, options.idleThreads, dispatcher, join(dir, 'bench.db'));
    return {
      inProcess,
      http,
      ratio: http.messagesPerSec / inProcess.messagesPerSec,
      addedP50Ms: http.p50Ms - inProcess.p50Ms,
      addedP99Ms: http.p99Ms - inProcess.p99Ms,
      idleThreadBytes,
    };
  } finally {
    await dispatcher.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Memory a thread costs once its conversation is over: heap and RSS after GC, and database bytes. */
async function measureIdleThreads(url: string, count: number, dispatcher: Agent, dbPath: string): Promise<{ heap: number; rss: number; disk: number }> {
  const { statSync } = await import('node:fs');
  const diskSize = () => ['', '-wal'].reduce((sum, suffix) => sum + (statSync(dbPath + suffix, { throwIfNoEntry: false })?.size ?? 0), 0);
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const before = { heap: process.memoryUsage().heapUsed, rss: process.memoryUsage().rss, disk: diskSize() };
  for (let i = 0; i < count; i += 1) {
    const customer = `idle-${i}`;
    const headers = { 'content-type': 'application/json', 'x-customer-id': customer };
    const thread = (await (await undiciFetch(`${url}/threads`, { method: 'POST', headers, body: '{}', dispatcher })).json()) as { thread_id: string };
    await (await undiciFetch(`${url}/threads/${thread.thread_id}/runs/wait`, { method: 'POST', headers, body: JSON.stringify({ assistant_id: 'concierge', input: { messages: [{ role: 'user', content: QUESTION }] } }), dispatcher })).text();
  }
  gc?.();
  const after = { heap: process.memoryUsage().heapUsed, rss: process.memoryUsage().rss, disk: diskSize() };
  return { heap: (after.heap - before.heap) / count, rss: (after.rss - before.rss) / count, disk: (after.disk - before.disk) / count };
}
