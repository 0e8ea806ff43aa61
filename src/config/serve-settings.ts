import { z } from 'zod';
import { LOG_LEVELS } from '../observability/logger.js';
import { LATENCY_PROFILE_NAMES } from '../sim/latency-profiles.js';
import { LIMIT_PRESET_NAMES } from '../sim/limit-presets.js';
import { simSettingsSchema } from '../sim/sim-settings.js';
import { field, shownDefault, type SettingSources } from './settings.js';

/**
 * The server's own settings. The LLM-call settings (admission control, budgets, retries,
 * max completion tokens, LLM timeout) live in src/llm/admission-settings.ts; `serve` reads
 * both from the same flags and environment.
 */

const KEY = /^[^\s=,]+$/;

/** `key1=customer-1,key2=customer-2`: every entry one key bound to one customer. */
const apiKeyList = z.string().transform((text, ctx) => {
  const map = new Map<string, string>();
  const entries = text.split(',').map((s) => s.trim()).filter(Boolean);
  for (const [index, entry] of entries.entries()) {
    const parts = entry.split('=');
    if (parts.length !== 2 || !KEY.test(parts[0]!) || !KEY.test(parts[1]!)) {
      ctx.addIssue({ code: 'custom', message: `entry ${index + 1} is not KEY=CUSTOMER_ID; expected a comma-separated list such as key1=customer-1,key2=customer-2` });
      return z.NEVER;
    }
    map.set(parts[0]!, parts[1]!);
  }
  return map;
});

/** `k1,k2`: bare keys, each one an admin. */
const keyList = z.string().transform((text, ctx) => {
  const entries = text.split(',').map((s) => s.trim()).filter(Boolean);
  for (const [index, entry] of entries.entries()) {
    if (!KEY.test(entry)) {
      const hint = entry.includes('=') ? ' (KEY=CUSTOMER pairs belong in CONCIERGE_API_KEYS)' : '';
      ctx.addIssue({ code: 'custom', message: `entry ${index + 1} is not a bare key${hint}; expected a comma-separated list of keys such as adminkey1,adminkey2` });
      return z.NEVER;
    }
  }
  return new Set(entries);
});

/**
 * `*`, or origins (`https://shop.example,http://localhost:3000`) whose pages may call the agent
 * API from the browser: where the chat widget is embedded. An origin has no path.
 */
const originList = z.string().transform((text, ctx) => {
  const entries = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (entries.length === 1 && entries[0] === '*') return '*' as const;
  const origins: string[] = [];
  for (const [index, entry] of entries.entries()) {
    const origin = originOf(entry);
    if (!origin) {
      ctx.addIssue({ code: 'custom', message: `entry ${index + 1} is not an origin; expected * or comma-separated origins such as https://shop.example (scheme, host, optional port; no path)` });
      return z.NEVER;
    }
    origins.push(origin);
  }
  return origins;
});

/** `https://shop.example:8443` as the browser sends it in `Origin`, or undefined if `text` is not exactly that. */
function originOf(text: string): string | undefined {
  try {
    const url = new URL(text);
    const bare = url.pathname === '/' && !url.search && !url.hash && !url.username && !text.endsWith('/');
    return (url.protocol === 'http:' || url.protocol === 'https:') && bare ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

export const serveSettingsSchema = z.object({
  host: field.host().default('127.0.0.1'),
  port: field.port().default(8710),
  // The embedded store: one SQLite file holds bookings, threads, runs and checkpoints. A URL
  // here is refused rather than half-used: Postgres is --database-url (cluster settings).
  db: z
    .string()
    .min(1, 'must be a file path, or :memory:')
    .refine((v) => !/^[a-z][a-z0-9+.-]*:\/\//i.test(v), { message: 'must be a SQLite file path (for Postgres, use --database-url)' })
    .default('data/concierge.db'),
  business: z.string().min(1, 'must be a path to a JSON or YAML business file').optional(),
  apiKeys: apiKeyList.default(new Map()),
  adminKeys: keyList.default(new Set()),
  openaiApiKey: z.string().min(1).optional(),
  openaiBaseUrl: field.url().optional(),
  model: z.string().min(1, 'must name a model').default('gpt-4o-mini'),
  temperature: z.coerce.number({ error: 'must be a number' }).min(0, 'must be between 0 and 2').max(2, 'must be between 0 and 2').default(0.2),
  historyMessages: field.positiveInt().min(4, 'must be at least 4').default(24),
  agentProfile: z.enum(['lean', 'legacy'], { error: 'must be lean or legacy' }).default('lean'),
  historyTokens: field.positiveInt().min(200, 'must be at least 200').default(1200),
  stepMaxTokens: field.positiveInt().min(32, 'must be at least 32').max(16_384, 'must be at most 16384').default(160),
  answerCache: z.enum(['on', 'off'], { error: 'must be on or off' }).default('on'),
  answerCacheTtl: field.positiveInt().default(3600),
  recursionLimit: field.positiveInt().min(4, 'must be at least 4').default(16),
  runTimeoutMs: field.positiveInt().default(300_000),
  bodyLimitBytes: field.positiveInt().default(64 * 1024),
  maxMessageChars: field.positiveInt().default(4000),
  shutdownGraceMs: field.positiveInt().default(30_000),
  timeScale: field.timeScale().default(1),
  // Checked here, at the edge, so that a bad one names --sim-preset (the simulator's own flag is --preset).
  simPreset: z.enum(LIMIT_PRESET_NAMES, { error: `must be one of ${LIMIT_PRESET_NAMES.join(', ')}` }).optional(),
  simLatency: z.enum(LATENCY_PROFILE_NAMES, { error: `must be one of ${LATENCY_PROFILE_NAMES.join(', ')}` }).optional(),
  corsOrigin: originList.optional(),
  logLevel: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  metricsPort: field.port().optional(),
  metricsHost: field.host().optional(),
});

export type ServeSettings = z.output<typeof serveSettingsSchema>;

export const serveSettingSources: SettingSources<z.input<typeof serveSettingsSchema>> = {
  host: { flag: '--host', env: 'CONCIERGE_HOST', arg: '<host>', help: 'interface to bind; without API keys only a loopback address' },
  port: { flag: '--port', env: 'CONCIERGE_PORT', arg: '<port>', help: 'port; 0 picks a free one' },
  db: { flag: '--db', env: 'CONCIERGE_DB', arg: '<path>', help: 'SQLite database file (bookings, threads, runs, checkpoints)' },
  business: { flag: '--business', env: 'CONCIERGE_BUSINESS_FILE', arg: '<file>', help: "the owner's business file, JSON or YAML", defaultText: 'the demo business' },
  apiKeys: { flag: '--api-keys', env: 'CONCIERGE_API_KEYS', arg: '<list>', help: 'KEY=CUSTOMER_ID pairs, comma-separated', secret: true },
  adminKeys: { flag: '--admin-keys', env: 'CONCIERGE_ADMIN_KEYS', arg: '<list>', help: 'admin keys, comma-separated', secret: true },
  openaiApiKey: { flag: '--openai-api-key', env: 'OPENAI_API_KEY', arg: '<key>', help: 'API key of the provider; prefer the variable (a flag shows in the process list)', secret: true },
  openaiBaseUrl: { flag: '--openai-base-url', env: 'OPENAI_BASE_URL', arg: '<url>', help: 'OpenAI-compatible endpoint; with neither this nor a key, the built-in simulator answers' },
  model: { flag: '--model', env: 'CONCIERGE_MODEL', arg: '<name>', help: 'model name' },
  temperature: { flag: '--temperature', env: 'CONCIERGE_TEMPERATURE', arg: '<t>', help: 'sampling temperature' },
  historyMessages: { flag: '--history-messages', env: 'CONCIERGE_HISTORY_MESSAGES', arg: '<n>', help: 'latest messages the model sees (legacy profile)' },
  agentProfile: {
    flag: '--agent-profile',
    env: 'CONCIERGE_AGENT_PROFILE',
    arg: '<profile>',
    help: 'lean (templated answers from tool results, compact prompt and tools, small step limit, token history window, answer cache) or legacy (every answer from the model)',
  },
  historyTokens: { flag: '--history-tokens', env: 'CONCIERGE_HISTORY_TOKENS', arg: '<n>', help: 'tokens of history the model sees (lean profile)' },
  stepMaxTokens: {
    flag: '--step-max-tokens',
    env: 'CONCIERGE_STEP_MAX_TOKENS',
    arg: '<n>',
    help: 'max_completion_tokens of each step (lean profile); a cut-off answer is asked again once with --max-completion-tokens',
  },
  answerCache: { flag: '--answer-cache', env: 'CONCIERGE_ANSWER_CACHE', arg: '<on|off>', help: 'share answers to first messages across threads (lean profile; in Redis too with --redis-url)' },
  answerCacheTtl: { flag: '--answer-cache-ttl', env: 'CONCIERGE_ANSWER_CACHE_TTL', arg: '<sec>', help: 'how long a shared answer is kept' },
  recursionLimit: { flag: '--recursion-limit', env: 'CONCIERGE_RECURSION_LIMIT', arg: '<n>', help: 'graph steps per run' },
  runTimeoutMs: { flag: '--run-timeout-ms', env: 'CONCIERGE_RUN_TIMEOUT_MS', arg: '<ms>', help: 'a run is aborted after this long (never before its message deadline)' },
  bodyLimitBytes: { flag: '--body-limit-bytes', env: 'CONCIERGE_BODY_LIMIT_BYTES', arg: '<n>', help: 'largest request body' },
  maxMessageChars: { flag: '--max-message-chars', env: 'CONCIERGE_MAX_MESSAGE_CHARS', arg: '<n>', help: 'longest user message' },
  shutdownGraceMs: { flag: '--shutdown-grace-ms', env: 'CONCIERGE_SHUTDOWN_GRACE_MS', arg: '<ms>', help: 'how long shutdown waits for runs in progress' },
  timeScale: { flag: '--time-scale', env: 'CONCIERGE_TIME_SCALE', arg: '<f>', help: 'multiply every duration (timeouts, deadlines, budgets, embedded simulator) by f' },
  simPreset: { flag: '--sim-preset', env: 'CONCIERGE_SIM_PRESET', arg: '<name>', help: `rate-limit preset of the embedded simulator: ${LIMIT_PRESET_NAMES.join('|')}`, defaultText: shownDefault(simSettingsSchema.shape.preset) },
  simLatency: { flag: '--sim-latency', env: 'CONCIERGE_SIM_LATENCY', arg: '<profile>', help: `latency profile of the embedded simulator: ${LATENCY_PROFILE_NAMES.join('|')}`, defaultText: shownDefault(simSettingsSchema.shape.latency) },
  corsOrigin: { flag: '--cors-origin', env: 'CONCIERGE_CORS_ORIGIN', arg: '<origins>', help: 'origins whose pages may call the agent API (the chat widget): * or comma-separated, e.g. https://shop.example' },
  logLevel: { flag: '--log-level', env: 'CONCIERGE_LOG_LEVEL', arg: '<level>', help: `structured logs on stderr: ${LOG_LEVELS.join('|')}` },
  metricsPort: { flag: '--metrics-port', env: 'CONCIERGE_METRICS_PORT', arg: '<port>', help: 'also serve /metrics, without a key, on this port (loopback or cluster network only)' },
  metricsHost: { flag: '--metrics-host', env: 'CONCIERGE_METRICS_HOST', arg: '<host>', help: 'interface for --metrics-port', defaultText: '--host' },
};
