import type { Command } from 'commander';
import { z } from 'zod';
import { field, type SettingSources } from '../config/settings.js';
import { runSimBench } from '../sim/bench/sim-bench.js';
import { LATENCY_PROFILE_NAMES } from '../sim/latency-profiles.js';
import { createProgress } from './progress.js';
import { withSettings } from './settings-action.js';

const schema = z.object({
  requests: field.positiveInt().default(100_000),
  concurrency: field.positiveInt().max(2000, 'must be at most 2000').default(64),
  stream: field.bool().default(false),
  generator: z.enum(['child', 'in-process'], { error: 'must be child or in-process' }).default('child'),
  latency: z.enum(LATENCY_PROFILE_NAMES, { error: `must be one of ${LATENCY_PROFILE_NAMES.join(', ')}` }).default('off'),
});

const sources: SettingSources<z.input<typeof schema>> = {
  requests: { flag: '--requests', arg: '<n>', help: 'chat completions to send' },
  concurrency: { flag: '--concurrency', arg: '<n>', help: 'requests in flight' },
  stream: { flag: '--stream', takes: 'switch', help: 'ask for streamed answers (default: plain JSON)' },
  generator: { flag: '--generator', arg: '<where>', help: 'child: load generator in its own process; in-process: on the simulator event loop' },
  latency: { flag: '--latency', arg: '<profile>', help: `simulator latency profile: ${LATENCY_PROFILE_NAMES.join('|')}` },
};

export function registerSimBench(bench: Command): void {
  withSettings(bench.command('sim').description('Completions/s, latency and memory of the provider simulator under agent-like traffic (1-2k-token prompts repeating across turns).'), schema, sources, async (options) => {
    const progress = createProgress();
    const started = performance.now();
    const result = await runSimBench({
      ...options,
      onProgress: (done, total) => {
        const s = (performance.now() - started) / 1000;
        progress.update(`  ${done}/${total} requests, ${(done / s).toFixed(0)}/s, rss ${(process.memoryUsage().rss / 1_048_576).toFixed(0)} MB`);
      },
    });
    progress.done();
    const { load, memory } = result;
    const mb = (n: number) => `${n.toFixed(0)} MB`;
    const lines = [
      `sim bench: ${options.requests} requests, ${options.concurrency} in flight, ${options.stream ? 'streamed' : 'plain JSON'}, latency ${options.latency}, load generator ${options.generator === 'child' ? 'in a child process' : 'in the simulator process'}`,
      `completions/s: ${result.completionsPerSec.toFixed(0)} (ok ${load.ok}, failed ${load.failed}, ${load.conversations} conversations, ${load.toolCalls} tool calls, ${(load.durationMs / 1000).toFixed(1)} s)`,
      `latency: p50 ${load.latencyMs.p50.toFixed(2)} ms, p90 ${load.latencyMs.p90.toFixed(2)} ms, p99 ${load.latencyMs.p99.toFixed(2)} ms, max ${load.latencyMs.max.toFixed(1)} ms`,
      `prompt tokens: mean ${(load.promptTokens.total / Math.max(1, load.ok)).toFixed(0)} (min ${load.promptTokens.min}, max ${load.promptTokens.max}), cached ${((100 * load.cachedTokens) / Math.max(1, load.promptTokens.total)).toFixed(1)}%; completion tokens mean ${(load.completionTokens / Math.max(1, load.ok)).toFixed(0)}`,
      options.generator === 'child'
        ? `CPU per request: simulator ${result.serverCpuUsPerRequest.toFixed(0)} µs, load generator ${load.cpuUsPerRequest.toFixed(0)} µs (2 cores shared with everything else on the machine)`
        : `CPU per request: simulator and load generator together ${result.serverCpuUsPerRequest.toFixed(0)} µs`,
      `simulator memory by requests done (rss / live heap after a full GC): ${memory.map((m) => `${m.requests}: ${mb(m.rssMb)} / ${mb(m.liveHeapMb)}`).join(', ')}`,
      `rss before ${mb(memory[0]?.rssMb ?? 0)}, after ${mb(memory.at(-1)?.rssMb ?? 0)}; peak concurrency seen by the simulator ${result.stats.concurrency.peak}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  });
}
