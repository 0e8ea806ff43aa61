import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterSettingSources, clusterSettingsSchema } from '../../src/config/cluster-settings.js';
import { serveSettingSources, serveSettingsSchema, type ServeSettings } from '../../src/config/serve-settings.js';
import { resolveSettings } from '../../src/config/settings.js';
import { admissionSettingSources, admissionSettingsSchema } from '../../src/llm/admission-settings.js';
import { startServer, type RunningServer, type StartServerOptions } from '../../src/server/start-server.js';

export interface TestServer extends RunningServer {
  dir: string;
  settings: ServeSettings;
  stop(): Promise<void>;
}

/**
 * A real server on port 0 with its own database in a temporary folder and the embedded
 * simulator with latency off, so tests exercise the whole stack quickly.
 */
export async function startTestServer(flags: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = {}, options: StartServerOptions = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'concierge-test-'));
  const allFlags = { port: 0, db: join(dir, 'concierge.db'), simLatency: 'off', ...flags };
  const settings = resolveSettings(serveSettingsSchema, serveSettingSources, { flags: allFlags, env });
  const admission = resolveSettings(admissionSettingsSchema, admissionSettingSources, { flags: allFlags, env });
  const cluster = resolveSettings(clusterSettingsSchema, clusterSettingSources, { flags: allFlags, env });
  const server = await startServer(settings, admission, { logLevel: 'silent', cluster, ...options });
  return Object.assign(server, {
    dir,
    settings,
    async stop() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}

/** The first open day at least `daysAhead` days from now with a free slot of `service` at `time`. */
export async function findOpenDate(url: string, service: string, time: string, daysAhead = 2): Promise<string> {
  const from = new Date(Date.now() + daysAhead * 86_400_000).toISOString().slice(0, 10);
  const to = new Date(Date.now() + (daysAhead + 14) * 86_400_000).toISOString().slice(0, 10);
  const response = await fetch(`${url}/v1/availability?service=${encodeURIComponent(service)}&from=${from}&to=${to}`);
  const body = (await response.json()) as { slots: Array<{ date: string; time: string }> };
  const slot = body.slots.find((s) => s.time === time);
  if (!slot) throw new Error(`no free ${service} slot at ${time} between ${from} and ${to}`);
  return slot.date;
}
