import type { Command } from 'commander';
import { addAdmissionOptions, admissionSettingSources, admissionSettingsSchema } from '../llm/admission-settings.js';
import { serveSettingSources, serveSettingsSchema } from '../config/serve-settings.js';
import { resolveSettings } from '../config/settings.js';
import { startServer } from '../server/start-server.js';
import { runAction, untilSignal } from './run-action.js';

export function registerServeCommand(program: Command): void {
  const serve = program
    .command('serve')
    .description('Run the booking agent over HTTP (LangGraph-SDK compatible). With no OPENAI_API_KEY or OPENAI_BASE_URL, the built-in simulator answers.')
    .option('--host <host>', 'interface to bind (env CONCIERGE_HOST)', undefined)
    .option('--port <port>', 'port; 0 picks a free one (env CONCIERGE_PORT, default 8710)')
    .option('--db <path>', 'SQLite database file (env CONCIERGE_DB, default data/concierge.db)')
    .option('--business <file>', "the owner's business file, JSON or YAML (env CONCIERGE_BUSINESS_FILE; default: the demo business)")
    .option('--api-keys <list>', 'KEY=CUSTOMER pairs, comma-separated (env CONCIERGE_API_KEYS)')
    .option('--admin-keys <list>', 'admin keys, comma-separated (env CONCIERGE_ADMIN_KEYS)')
    .option('--openai-base-url <url>', 'OpenAI-compatible endpoint (env OPENAI_BASE_URL)')
    .option('--model <name>', 'model name (env CONCIERGE_MODEL, default gpt-4o-mini)')
    .option('--temperature <t>', 'sampling temperature (env CONCIERGE_TEMPERATURE, default 0.2)')
    .option('--history-messages <n>', 'latest messages the model sees (env CONCIERGE_HISTORY_MESSAGES, default 24)')
    .option('--recursion-limit <n>', 'graph steps per run (env CONCIERGE_RECURSION_LIMIT, default 16)')
    .option('--run-timeout-ms <ms>', 'a run is aborted after this long (env CONCIERGE_RUN_TIMEOUT_MS, default 300000)')
    .option('--body-limit-bytes <n>', 'largest request body (env CONCIERGE_BODY_LIMIT_BYTES, default 65536)')
    .option('--max-message-chars <n>', 'longest user message (env CONCIERGE_MAX_MESSAGE_CHARS, default 4000)')
    .option('--shutdown-grace-ms <ms>', 'how long shutdown waits for runs in progress (env CONCIERGE_SHUTDOWN_GRACE_MS, default 30000)')
    .option('--time-scale <f>', 'multiply every duration (timeouts, deadlines, embedded simulator) by f (env CONCIERGE_TIME_SCALE, default 1)')
    .option('--sim-preset <name>', 'rate-limit preset of the embedded simulator (env CONCIERGE_SIM_PRESET)')
    .option('--sim-latency <profile>', 'latency profile of the embedded simulator, e.g. off (env CONCIERGE_SIM_LATENCY)')
    .option('--log-level <level>', 'structured logs on stderr: fatal|error|warn|info|debug|trace|silent (env CONCIERGE_LOG_LEVEL, default info)')
    .option('--metrics-port <port>', 'also serve /metrics, without a key, on this port (env CONCIERGE_METRICS_PORT)')
    .option('--metrics-host <host>', 'interface for --metrics-port (env CONCIERGE_METRICS_HOST, default: --host)');
  addAdmissionOptions(serve).action(
      runAction(async (flags: Record<string, unknown>) => {
        const settings = resolveSettings(serveSettingsSchema, serveSettingSources, { flags });
        const admission = resolveSettings(admissionSettingsSchema, admissionSettingSources, { flags });
        const server = await startServer(settings, admission, { log: (line) => process.stderr.write(`${line}\n`) });
        process.stdout.write(`concierge listening on ${server.url}\n`);
        const signal = await untilSignal();
        process.stderr.write(`${signal}: finishing runs in progress, then stopping\n`);
        await server.close();
      }),
  );
}
