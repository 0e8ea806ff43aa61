import { z } from 'zod';
import { LOG_LEVELS } from '../observability/logger.js';
import { field, type SettingSources } from './settings.js';

/**
 * The server's own settings. The LLM-call settings (admission control, budgets, retries,
 * max completion tokens, LLM timeout) live in src/llm/admission-settings.ts; `serve` reads
 * both from the same flags and environment.
 */

/** `key1=customer-1,key2=customer-2` */
const apiKeyList = z
  .string()
  .transform((text, ctx) => {
    const map = new Map<string, string>();
    for (const entry of text.split(',').map((s) => s.trim()).filter(Boolean)) {
      const [key, customer] = entry.split('=').map((s) => s.trim());
      if (!key || !customer) {
        ctx.addIssue({ code: 'custom', message: 'must be a comma-separated list of KEY=CUSTOMER_ID pairs' });
        return z.NEVER;
      }
      map.set(key, customer);
    }
    return map;
  });

const keyList = z.string().transform((text) => new Set(text.split(',').map((s) => s.trim()).filter(Boolean)));

export const serveSettingsSchema = z.object({
  host: field.host().default('127.0.0.1'),
  port: field.port().default(8710),
  // Bookings could live in Postgres (src/booking has the store), but threads, runs and
  // checkpoints are SQLite: one file holds them all, so a URL here is refused, not half-used.
  db: z
    .string()
    .min(1, 'must be a file path, or :memory:')
    .refine((v) => !/^[a-z][a-z0-9+.-]*:\/\//i.test(v), { message: 'must be a SQLite file path (a database URL is not supported here)' })
    .default('data/concierge.db'),
  business: z.string().min(1, 'must be a path to a JSON or YAML business file').optional(),
  apiKeys: apiKeyList.default(new Map()),
  adminKeys: keyList.default(new Set()),
  openaiApiKey: z.string().min(1).optional(),
  openaiBaseUrl: field.url().optional(),
  model: z.string().min(1, 'must name a model').default('gpt-4o-mini'),
  temperature: z.coerce.number({ error: 'must be a number' }).min(0, 'must be between 0 and 2').max(2, 'must be between 0 and 2').default(0.2),
  historyMessages: field.positiveInt().min(4, 'must be at least 4').default(24),
  recursionLimit: field.positiveInt().min(4, 'must be at least 4').default(16),
  runTimeoutMs: field.positiveInt().default(300_000),
  bodyLimitBytes: field.positiveInt().default(64 * 1024),
  maxMessageChars: field.positiveInt().default(4000),
  shutdownGraceMs: field.positiveInt().default(30_000),
  timeScale: field.positiveNumber().max(100, 'must be at most 100').default(1),
  simPreset: z.string().optional(),
  simLatency: z.string().optional(),
  logLevel: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  metricsPort: field.port().optional(),
  metricsHost: field.host().optional(),
});

export type ServeSettings = z.output<typeof serveSettingsSchema>;

export const serveSettingSources: SettingSources<z.input<typeof serveSettingsSchema>> = {
  host: { flag: '--host', env: 'CONCIERGE_HOST' },
  port: { flag: '--port', env: 'CONCIERGE_PORT' },
  db: { flag: '--db', env: 'CONCIERGE_DB' },
  business: { flag: '--business', env: 'CONCIERGE_BUSINESS_FILE' },
  apiKeys: { flag: '--api-keys', env: 'CONCIERGE_API_KEYS' },
  adminKeys: { flag: '--admin-keys', env: 'CONCIERGE_ADMIN_KEYS' },
  openaiApiKey: { flag: '--openai-api-key', env: 'OPENAI_API_KEY' },
  openaiBaseUrl: { flag: '--openai-base-url', env: 'OPENAI_BASE_URL' },
  model: { flag: '--model', env: 'CONCIERGE_MODEL' },
  temperature: { flag: '--temperature', env: 'CONCIERGE_TEMPERATURE' },
  historyMessages: { flag: '--history-messages', env: 'CONCIERGE_HISTORY_MESSAGES' },
  recursionLimit: { flag: '--recursion-limit', env: 'CONCIERGE_RECURSION_LIMIT' },
  runTimeoutMs: { flag: '--run-timeout-ms', env: 'CONCIERGE_RUN_TIMEOUT_MS' },
  bodyLimitBytes: { flag: '--body-limit-bytes', env: 'CONCIERGE_BODY_LIMIT_BYTES' },
  maxMessageChars: { flag: '--max-message-chars', env: 'CONCIERGE_MAX_MESSAGE_CHARS' },
  shutdownGraceMs: { flag: '--shutdown-grace-ms', env: 'CONCIERGE_SHUTDOWN_GRACE_MS' },
  timeScale: { flag: '--time-scale', env: 'CONCIERGE_TIME_SCALE' },
  simPreset: { flag: '--sim-preset', env: 'CONCIERGE_SIM_PRESET' },
  simLatency: { flag: '--sim-latency', env: 'CONCIERGE_SIM_LATENCY' },
  logLevel: { flag: '--log-level', env: 'CONCIERGE_LOG_LEVEL' },
  metricsPort: { flag: '--metrics-port', env: 'CONCIERGE_METRICS_PORT' },
  metricsHost: { flag: '--metrics-host', env: 'CONCIERGE_METRICS_HOST' },
};
