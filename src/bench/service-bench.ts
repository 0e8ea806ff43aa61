import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch as undiciFetch } from 'undici';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { serveSettingSources, serveSettingsSchema } from '../config/serve-settings.js';
import { resolveSettings } from '../config/settings.js';
import { admissionSettingSources, admissionSettingsSchema } from '../llm/admission-settings.js';
import { startServer } from '../server/start-server.js';
import { closedLoop, type ClosedLoopResult } from './closed-loop.js';

export interface ServiceBenchOptions {
  /** Messages per mode in the throughput phase. */
  messages: number;
  /** Messages per mode sent one at a time, for the added-latency figure. */
  sequential: number;
  /** Messages in flight at once. */
  concurrency: number;
  /** Idle threads created for the memory figure. */
  idleThreads: number;
  progress: (line: string) => void;
}

export type ModeResult = ClosedLoopResult;

export interface ServiceBenchResult {
  inProcess: ModeResult;
  http: ModeResult;
  ratio: number;
  /** One message at a time: latency without queueing, so the difference is the HTTP layer's own. */
  sequential: { inProcess: ModeResult; http: ModeResult };
  addedP50Ms: number;
  addedP99Ms: number;
  idleThreadBytes: { heap: number; rss: number; disk: number };
}

const QUESTION = 'Hi! What services do you offer?';

/**
 * The cost of the HTTP service over the bare graph: the same agent, the same simulator
 * (latency off, in-process), the same database, first invoked directly, then through fastify
 * over loopback. Each message is one fresh thread asking for the services (two LLM calls and
 * one tool call), so the checkpointer's work is the same in both modes.
 */
export async function runServiceBench(options: ServiceBenchOptions): Promise<ServiceBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'concierge-bench-'));
  const settings = resolveSettings(serveSettingsSchema, serveSettingSources, { flags: { port: 0, db: join(dir, 'bench.db'), simLatency: 'off' }, env: {} });
  const admission = resolveSettings(admissionSettingsSchema, admissionSettingSources, { flags: {}, env: {} });
  const server = await startServer(settings, admission, { logLevel: 'warn' });
  const dispatcher = new Agent({ connections: options.concurrency * 2, pipelining: 1 });
  try {
    const graph = server.graph;
    const warm = async () => {
      for (let i = 0; i < 50; i += 1) await graph.invoke({ messages: [{ role: 'user', content: QUESTION }] }, { configurable: { thread_id: `warm-${i}`, customer_id: 'bench' } });
    };
    await warm();

    let serial = 0;
    const direct = async () => {
      const i = serial++;
      await graph.invoke({ messages: [{ role: 'user', content: QUESTION }] }, { configurable: { thread_id: `direct-${i}`, customer_id: `bench-${i % 100}` } });
    };

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
    // Threads are created before the clock starts, as the in-process mode needs none: both
    // modes then time the same thing, one message on a new thread.
    const customer = 'bench';
    const threads: string[] = [];
    for (let i = 0; i < options.sequential + options.messages; i += 1) threads.push(((await post('/threads', {}, customer)) as { thread_id: string }).thread_id);
    const overHttp = async () => {
      await post(`/threads/${threads.pop()!}/runs/wait`, { assistant_id: 'concierge', input: { messages: [{ role: 'user', content: QUESTION }] } }, customer);
    };
    // Alternate the modes in each phase so that drift of a shared machine hits both alike.
    options.progress(`sequential: ${options.sequential} messages per mode, one at a time`);
    const seqInProcess = await closedLoop(options.sequential, 1, direct, (done) => options.progress(`  sequential in-process ${done}`));
    const seqHttp = await closedLoop(options.sequential, 1, overHttp, (done) => options.progress(`  sequential http ${done}`));
    options.progress(`throughput: ${options.messages} messages per mode, ${options.concurrency} at a time`);
    const inProcess = await closedLoop(options.messages, options.concurrency, direct, (done) => options.progress(`  in-process ${done}/${options.messages}`));
    const http = await closedLoop(options.messages, options.concurrency, overHttp, (done) => options.progress(`  http ${done}/${options.messages}`));

    options.progress(`idle threads: ${options.idleThreads}`);
    const idleThreadBytes = await measureIdleThreads(server.url, options.idleThreads, dispatcher, join(dir, 'bench.db'));
    return {
      inProcess,
      http,
      ratio: http.messagesPerSec / inProcess.messagesPerSec,
      sequential: { inProcess: seqInProcess, http: seqHttp },
      addedP50Ms: seqHttp.p50Ms - seqInProcess.p50Ms,
      addedP99Ms: seqHttp.p99Ms - seqInProcess.p99Ms,
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
  const gc = exposeGc();
  gc();
  const before = { heap: process.memoryUsage().heapUsed, rss: process.memoryUsage().rss, disk: diskSize() };
  for (let i = 0; i < count; i += 1) {
    const customer = `idle-${i}`;
    const headers = { 'content-type': 'application/json', 'x-customer-id': customer };
    const thread = (await (await undiciFetch(`${url}/threads`, { method: 'POST', headers, body: '{}', dispatcher })).json()) as { thread_id: string };
    await (await undiciFetch(`${url}/threads/${thread.thread_id}/runs/wait`, { method: 'POST', headers, body: JSON.stringify({ assistant_id: 'concierge', input: { messages: [{ role: 'user', content: QUESTION }] } }), dispatcher })).text();
  }
  gc();
  const after = { heap: process.memoryUsage().heapUsed, rss: process.memoryUsage().rss, disk: diskSize() };
  return { heap: (after.heap - before.heap) / count, rss: (after.rss - before.rss) / count, disk: (after.disk - before.disk) / count };
}

/** A full garbage collection, so that heap figures measure what is retained, not garbage. */
function exposeGc(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}
