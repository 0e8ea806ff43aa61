import type { Command } from 'commander';
import { clusterSettingSources, clusterSettingsSchema } from '../config/cluster-settings.js';
import { serveSettingSources, serveSettingsSchema } from '../config/serve-settings.js';
import { declareSettings, givenFlags, resolveSettings } from '../config/settings.js';
import { admissionSettingSources, admissionSettingsSchema } from '../llm/admission-settings.js';
import { startServer } from '../server/start-server.js';
import { runAction, untilSignal } from './run-action.js';

export function registerServeCommand(program: Command): void {
  const serve = program
    .command('serve')
    .description('Run the booking agent over HTTP (LangGraph-SDK compatible). With no OPENAI_API_KEY or OPENAI_BASE_URL, the built-in simulator answers.');
  // The server's settings, then the replicas' (shared state, coordination), then admission
  // control's; --time-scale is read by the server and admission, --redis-url by all three.
  declareSettings(serve, serveSettingsSchema, serveSettingSources);
  declareSettings(serve, clusterSettingsSchema, clusterSettingSources);
  declareSettings(serve, admissionSettingsSchema, admissionSettingSources);
  serve.action(
    runAction(async (_options: unknown, command: Command) => {
      const flags = givenFlags(command);
      const settings = resolveSettings(serveSettingsSchema, serveSettingSources, { flags });
      const cluster = resolveSettings(clusterSettingsSchema, clusterSettingSources, { flags });
      const admission = resolveSettings(admissionSettingsSchema, admissionSettingSources, { flags });
      const server = await startServer(settings, admission, { cluster, log: (line) => process.stderr.write(`${line}\n`) });
      process.stdout.write(`concierge listening on ${server.url}\n`);
      const signal = await untilSignal();
      process.stderr.write(`${signal}: finishing runs in progress, then stopping\n`);
      await server.close();
    }),
  );
}
