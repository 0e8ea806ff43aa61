import { z } from 'zod';
import { field, type SettingSources } from '../config/settings.js';
import { LOAD_TEST_PRESETS } from './run-load-test.js';
import { parseThreshold } from './thresholds.js';
import { PRICED_MODELS } from '../llm/pricing.js';

const list = (item: z.ZodType<number>, what: string) =>
  z.string().transform((text, ctx) => {
    const values = text.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
    const bad = values.length === 0 || values.some((v) => !item.safeParse(v).success);
    if (bad) {
      ctx.addIssue({ code: 'custom', message: `must be a comma-separated list of ${what}` });
      return z.NEVER;
    }
    return values;
  });

/** Repeatable flags arrive as arrays; each value may itself be comma-separated (targets) or hold several words (server args). */
const repeated = z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? v : [v]));

/**
 * `concierge loadtest` settings. Everything a preset may set stays optional here, so that the
 * order is defaults < preset < flags.
 */
export const loadTestSettingsSchema = z.object({
  target: repeated.transform((values) => values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean)).pipe(z.array(field.url())).optional(),
  simUrl: field.url().optional(),
  apiKey: z.string().min(1, 'must not be empty').optional(),
  preset: z.enum(Object.keys(LOAD_TEST_PRESETS) as [string, ...string[]], { error: `must be one of ${Object.keys(LOAD_TEST_PRESETS).join(', ')}` }).optional(),
  stages: list(z.number().int().positive(), 'whole numbers of users, e.g. 10,50,100').optional(),
  arrivalRate: list(z.number().positive(), 'conversations per second, e.g. 0.5,1,2').optional(),
  duration: field.positiveNumber().optional(),
  maxInFlight: field.positiveInt().optional(),
  mode: z.enum(['quick', 'full'], { error: 'must be quick or full' }).optional(),
  messages: field.positiveInt().optional(),
  conversationsPerUser: field.positiveInt().optional(),
  thinkTime: z.coerce.number({ error: 'must be a number of ms' }).min(0, 'must be 0 or more').optional(),
  ramp: z.coerce.number({ error: 'must be a number of seconds' }).min(0, 'must be 0 or more').optional(),
  timeout: field.positiveNumber().optional(),
  stageTimeout: field.positiveNumber().optional(),
  maxDuration: field.positiveNumber().optional(),
  cooldown: z.coerce.number({ error: 'must be a number of seconds' }).min(0, 'must be 0 or more').optional(),
  stream: field.bool().optional(),
  baseline: field.bool().optional(),
  baselineConversations: field.positiveInt().max(1000).optional(),
  shedRetries: field.nonNegativeInt().max(100).optional(),
  threshold: repeated
    .superRefine((values, ctx) => {
      for (const v of values) {
        try {
          parseThreshold(v);
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
        }
      }
    })
    .optional(),
  timeScale: field.positiveNumber().optional(),
  simPreset: z.string().min(1).optional(),
  simArg: repeated.transform((values) => values.flatMap((v) => v.split(/\s+/)).filter(Boolean)).optional(),
  serverArg: repeated.transform((values) => values.flatMap((v) => v.split(/\s+/)).filter(Boolean)).optional(),
  pricingModel: z.enum(PRICED_MODELS as [string, ...string[]], { error: `must be one of ${PRICED_MODELS.join(', ')}` }).optional(),
  seed: field.nonNegativeInt().optional(),
  runId: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'must be 1-32 letters, digits, - or _').optional(),
  out: z.string().min(1, 'must be a directory').optional(),
  progress: z.enum(['auto', 'tty', 'plain', 'off'], { error: 'must be auto, tty, plain or off' }).default('auto'),
});

export type LoadTestSettings = z.output<typeof loadTestSettingsSchema>;

export const loadTestSettingSources: SettingSources<z.input<typeof loadTestSettingsSchema>> = {
  target: { flag: '--target', env: 'CONCIERGE_LOADTEST_TARGET' },
  simUrl: { flag: '--sim-url', env: 'CONCIERGE_LOADTEST_SIM_URL' },
  apiKey: { flag: '--api-key', env: 'CONCIERGE_LOADTEST_API_KEY' },
  preset: { flag: '--preset' },
  stages: { flag: '--stages' },
  arrivalRate: { flag: '--arrival-rate' },
  duration: { flag: '--duration' },
  maxInFlight: { flag: '--max-in-flight' },
  mode: { flag: '--mode' },
  messages: { flag: '--messages' },
  conversationsPerUser: { flag: '--conversations-per-user' },
  thinkTime: { flag: '--think-time' },
  ramp: { flag: '--ramp' },
  timeout: { flag: '--timeout' },
  stageTimeout: { flag: '--stage-timeout' },
  maxDuration: { flag: '--max-duration' },
  cooldown: { flag: '--cooldown' },
  stream: { flag: '--stream' },
  baseline: { flag: '--baseline' },
  baselineConversations: { flag: '--baseline-conversations' },
  shedRetries: { flag: '--shed-retries' },
  threshold: { flag: '--threshold' },
  timeScale: { flag: '--time-scale', env: 'CONCIERGE_TIME_SCALE' },
  simPreset: { flag: '--sim-preset' },
  simArg: { flag: '--sim-arg' },
  serverArg: { flag: '--server-arg' },
  pricingModel: { flag: '--pricing-model' },
  seed: { flag: '--seed' },
  runId: { flag: '--run-id' },
  out: { flag: '--out' },
  progress: { flag: '--progress' },
};
