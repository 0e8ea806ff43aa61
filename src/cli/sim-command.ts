import type { Command } from 'commander';
import { startSimServer } from '../sim/sim-server.js';
import { simSettingSources, simSettingsSchema } from '../sim/sim-settings.js';
import { untilSignal } from './run-action.js';
import { withSettings } from './settings-action.js';

export function registerSimCommand(program: Command): void {
  withSettings(program.command('sim').description('Run the OpenAI-compatible provider simulator: gpt-4o-mini wire format, token accounting, organisation rate limits, latency and faults. See docs/sim.md.'), simSettingsSchema, simSettingSources, async (settings) => {
    const server = await startSimServer(settings);
    process.stdout.write(`sim listening on ${server.url}\n`);
    await untilSignal();
    await server.close();
  });
}
