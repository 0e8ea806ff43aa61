import type { Command } from 'commander';
import { declareSettings, givenFlags, resolveSettings } from '../config/settings.js';
import { startSimServer } from '../sim/sim-server.js';
import { simSettingSources, simSettingsSchema } from '../sim/sim-settings.js';
import { runAction, untilSignal } from './run-action.js';

export function registerSimCommand(program: Command): void {
  const sim = program
    .command('sim')
    .description('Run the OpenAI-compatible provider simulator: gpt-4o-mini wire format, token accounting, organisation rate limits, latency and faults. See docs/sim.md.');
  declareSettings(sim, simSettingsSchema, simSettingSources).action(
    runAction(async (_options: unknown, command: Command) => {
      const settings = resolveSettings(simSettingsSchema, simSettingSources, { flags: givenFlags(command) });
      const server = await startSimServer(settings);
      process.stdout.write(`sim listening on ${server.url}\n`);
      await untilSignal();
      await server.close();
    }),
  );
}
