import type { Command } from 'commander';
import { z } from 'zod';
import { runServiceBench } from '../bench/service-bench.js';
import { field, type SettingSources } from '../config/settings.js';
import { createProgress } from './progress.js';
import { withSettings } from './settings-action.js';

const schema = z.object({
  messages: field.positiveInt().default(3000),
  sequential: field.positiveInt().default(300),
  concurrency: field.positiveInt().max(1000).default(32),
  idleThreads: field.positiveInt().default(1000),
});

const sources: SettingSources<z.input<typeof schema>> = {
  messages: { flag: '--messages', arg: '<n>', help: 'messages per mode' },
  sequential: { flag: '--sequential', arg: '<n>', help: 'messages per mode sent one at a time, for added latency' },
  concurrency: { flag: '--concurrency', arg: '<n>', help: 'messages in flight' },
  idleThreads: { flag: '--idle-threads', arg: '<n>', help: 'threads created for the memory figure' },
};

export function registerServiceBench(bench: Command): void {
  withSettings(bench.command('service').description('Messages/s through the HTTP service vs the same graph in-process (simulator latency off), and memory per idle thread.'), schema, sources, async (options) => {
    const progress = createProgress();
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
