import type { Command } from 'commander';
import { z } from 'zod';
import { runObservabilityBench } from '../bench/observability-bench.js';
import { runServiceBench } from '../bench/service-bench.js';
import { field, type SettingSources } from '../config/settings.js';
import { createProgress } from './progress.js';
import { withSettings } from './settings-action.js';

const schema = z.object({
  messages: field.positiveInt().default(3000),
  sequential: field.positiveInt().default(300),
  concurrency: field.positiveInt().max(1000).default(32),
  idleThreads: field.positiveInt().default(1000),
  observability: z.boolean().default(false),
  rounds: field.positiveInt().max(100).default(10),
});

const sources: SettingSources<z.input<typeof schema>> = {
  messages: { flag: '--messages', arg: '<n>', help: 'messages per mode' },
  sequential: { flag: '--sequential', arg: '<n>', help: 'messages per mode sent one at a time, for added latency' },
  concurrency: { flag: '--concurrency', arg: '<n>', help: 'messages in flight' },
  idleThreads: { flag: '--idle-threads', arg: '<n>', help: 'threads created for the memory figure' },
  observability: { flag: '--observability', takes: 'switch', help: 'instead: HTTP throughput with Prometheus metrics (scraped every 5 s) and request logging on vs both off' },
  rounds: { flag: '--rounds', arg: '<n>', help: 'with --observability: alternating rounds per mode' },
};

export function registerServiceBench(bench: Command): void {
  withSettings(bench.command('service').description('Messages/s through the HTTP service vs the same graph in-process (simulator latency off), and memory per idle thread.'), schema, sources, async (options) => {
    const progress = createProgress();
    if (options.observability) return printObservabilityBench(options, progress);
    const result = await runServiceBench({ ...options, progress: (line) => (line.startsWith('  ') ? progress.update(line.trim()) : progress.log(line)) });
    progress.done();
    const row = (name: string, r: typeof result.http) => `  ${name.padEnd(12)} ${r.messagesPerSec.toFixed(1).padStart(9)} msg/s   p50 ${r.p50Ms.toFixed(2).padStart(7)} ms   p99 ${r.p99Ms.toFixed(2).padStart(7)} ms`;
    const lines = [
      `service bench: ${options.messages} messages per mode, ${options.concurrency} in flight, simulator latency off`,
      'one at a time (added latency):',
      row('in-process', result.sequential.inProcess),
      row('http', result.sequential.http),
      `${options.concurrency} in flight (throughput):`,
      row('in-process', result.inProcess),
      row('http', result.http),
      `http / in-process throughput: ${result.ratio.toFixed(3)} (target >= 0.7)`,
      `added latency per message: p50 ${result.addedP50Ms.toFixed(2)} ms, p99 ${result.addedP99Ms.toFixed(2)} ms (target p99 <= 10 ms)`,
      `idle thread: heap ${(result.idleThreadBytes.heap / 1024).toFixed(2)} KiB, rss ${(result.idleThreadBytes.rss / 1024).toFixed(2)} KiB, database ${(result.idleThreadBytes.disk / 1024).toFixed(2)} KiB (over ${options.idleThreads} threads)`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  });
}

async function printObservabilityBench(options: z.output<typeof schema>, progress: ReturnType<typeof createProgress>): Promise<void> {
  const result = await runObservabilityBench({
    messages: options.messages,
    concurrency: options.concurrency,
    rounds: options.rounds,
    scrapeEveryMs: 5000,
    progress: (line) => (line.startsWith('  ') ? progress.update(line.trim()) : progress.log(line)),
  });
  progress.done();
  const row = (name: string, r: typeof result.on) =>
    `  ${name.padEnd(28)} ${r.messagesPerSec.toFixed(1).padStart(9)} msg/s   ${r.cpuMsPerMessage.toFixed(2).padStart(6)} CPU ms per message   (${r.messages} messages in ${r.seconds.toFixed(1)} s)`;
  const lines = [
    `observability bench: ${result.on.messages} messages per mode over HTTP, ${options.concurrency} in flight, ${options.rounds} alternating rounds, simulator latency off`,
    row('metrics + request logs on', result.on),
    row('metrics + request logs off', result.off),
    `on / off throughput: ${result.ratio.toFixed(3)} over all rounds, ${result.medianRoundRatio.toFixed(3)} median of the rounds (target >= 0.95)`,
    `off / on CPU per message: ${result.cpuRatio.toFixed(3)} (the throughput share a CPU-bound process keeps)`,
    `while on: ${result.logLines} log lines written, /metrics scraped ${result.scrapes} times`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
