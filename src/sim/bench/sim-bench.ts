import { fork } from 'node:child_process';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { LatencyProfileName } from '../latency-profiles.js';
import { startSimServer } from '../sim-server.js';
import type { SimStats } from '../sim-stats.js';
import { runAgentLoad, type AgentLoadResult } from './agent-load.js';
import type { WorkerMessage, WorkerRequest } from './load-worker.js';

export interface SimBenchOptions {
  requests: number;
  concurrency: number;
  stream: boolean;
  /** `child`: the load generator runs in a child process; `in-process`: on the simulator's event loop. */
  generator: 'child' | 'in-process';
  latency: LatencyProfileName;
  /** Progress: requests done so far. */
  onProgress?: (done: number, total: number) => void;
}

export interface MemorySample {
  /** Requests completed when the sample was taken. */
  requests: number;
  rssMb: number;
  /** Heap in use after a full collection: what the simulator really holds. */
  liveHeapMb: number;
}

export interface SimBenchResult {
  load: AgentLoadResult;
  completionsPerSec: number;
  /** Simulator process memory: at start (warm), then every tenth of the run. */
  memory: MemorySample[];
  /** Simulator CPU time per request (user + system), µs; includes the generator when in-process. */
  serverCpuUsPerRequest: number;
  stats: SimStats;
}

/**
 * Drive an in-process simulator (unlimited limits, latency as asked, off by default) with
 * agent-like traffic and measure what it sustains and what it holds in memory.
 */
export async function runSimBench(options: SimBenchOptions): Promise<SimBenchResult> {
  const sim = await startSimServer({ port: 0, latency: options.latency, preset: 'unlimited' });
  try {
    const memory: MemorySample[] = [sample(0)];
    const step = Math.max(1, Math.floor(options.requests / 10));
    let nextSample = step;
    const onProgress = (done: number) => {
      options.onProgress?.(done, options.requests);
      if (done >= nextSample) {
        memory.push(sample(done));
        nextSample += step;
      }
    };
    const cpuBefore = process.cpuUsage();
    const sampleCpuBefore = sampleCpuUs;
    const request: WorkerRequest = { url: sim.url, requests: options.requests, concurrency: options.concurrency, stream: options.stream };
    const load = options.generator === 'child' ? await inChild(request, onProgress) : await runAgentLoad({ ...request, onProgress });
    const cpu = process.cpuUsage(cpuBefore);
    if (memory.at(-1)?.requests !== options.requests) memory.push(sample(options.requests));
    return {
      load,
      completionsPerSec: load.ok / (load.durationMs / 1000),
      memory,
      serverCpuUsPerRequest: (cpu.user + cpu.system - (sampleCpuUs - sampleCpuBefore)) / Math.max(1, load.ok + load.failed),
      stats: sim.stats(),
    };
  } finally {
    await sim.close();
  }
}

/**
 * A full garbage collection before each sample, so that the heap figure is live data, not
 * garbage V8 has not collected yet (which makes a flat process look like it grows). The
 * flag exposes `gc` only to contexts created afterwards, hence the new context.
 */
const collect: () => void = (() => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

/** CPU spent in the collections forced for samples, µs: left out of the per-request figure. */
let sampleCpuUs = 0;

function sample(requests: number): MemorySample {
  const before = process.cpuUsage();
  collect();
  const spent = process.cpuUsage(before);
  sampleCpuUs += spent.user + spent.system;
  const m = process.memoryUsage();
  return { requests, rssMb: m.rss / 1_048_576, liveHeapMb: m.heapUsed / 1_048_576 };
}

function inChild(request: WorkerRequest, onProgress: (done: number) => void): Promise<AgentLoadResult> {
  // Run the worker from source under the same loader when this file is TypeScript.
  const here = fileURLToPath(import.meta.url);
  const worker = here.slice(0, -extname(here).length).replace(/sim-bench$/, `load-worker${extname(here)}`);
  const child = fork(worker, [], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    let settled = false;
    child.on('message', (message: WorkerMessage) => {
      if (message.type === 'progress') onProgress(message.done);
      else if (message.type === 'result') {
        settled = true;
        resolve(message.result);
      } else {
        settled = true;
        reject(new Error(`load generator failed: ${message.message}`));
      }
    });
    child.on('exit', (code) => {
      if (!settled) reject(new Error(`load generator exited with code ${code}`));
    });
    child.send(request);
  });
}
