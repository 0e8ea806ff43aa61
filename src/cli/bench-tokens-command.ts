import type { Command } from 'commander';
import { z } from 'zod';
import { renderTokenBench, runTokenBench } from '../bench/token-bench.js';
import { field, type SettingSources } from '../config/settings.js';
import { createProgressPrinter } from '../loadtest/progress-printer.js';
import { untilSignal } from './run-action.js';
import { withSettings } from './settings-action.js';

const schema = z.object({
  users: field.positiveInt().default(10),
  timeScale: field.timeScale().default(0.5),
  out: z.string().min(1).default('out/bench-tokens'),
  answerCache: field.bool().default(true),
  serverArg: field.passedArgs(),
});

const sources: SettingSources<z.input<typeof schema>> = {
  users: { flag: '--users', arg: '<n>', help: 'concurrent users of the stage' },
  timeScale: { flag: '--time-scale', arg: '<f>', help: 'simulator and server clock scale (keep it where no process is CPU-bound)' },
  out: { flag: '--out', arg: '<dir>', help: "where bench.json and each variant's report.json go" },
  answerCache: { flag: '--answer-cache', arg: '<bool>', help: 'also run the lean agent with the answer cache on, reported apart' },
  serverArg: { flag: '--server-arg', arg: '<arg>', takes: 'repeat', help: 'extra concierge serve flags for every variant, repeatable' },
};

export function registerTokenBench(bench: Command): void {
  withSettings(bench.command('tokens').description('Tokens per conversation and LLM calls per message: the legacy agent against the lean one (answer cache off), seed preset.'), schema, sources, async (settings) => {
    const controller = new AbortController();
    void untilSignal().then(() => controller.abort());
    const printer = createProgressPrinter(process.stderr, { mode: process.stderr.isTTY && process.env.CI !== 'true' ? 'tty' : 'plain', timeScale: settings.timeScale });
    const result = await runTokenBench({
      users: settings.users,
      timeScale: settings.timeScale,
      out: settings.out,
      withCache: settings.answerCache,
      serverArgs: settings.serverArg,
      signal: controller.signal,
      onVariant: (name) => process.stderr.write(`== ${name}\n`),
      onEvent: printer,
    });
    const { writeFileSync } = await import('node:fs');
    writeFileSync(`${settings.out}/bench.json`, `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`${renderTokenBench(result)}\nwrote ${settings.out}/bench.json\n`);
    return result.targets.every((t) => t.pass) ? 0 : 1;
  });
}
