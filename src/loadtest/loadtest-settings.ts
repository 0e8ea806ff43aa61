import { z } from 'zod';
import { field, type SettingSources } from '../config/settings.js';
import { LOAD_TEST_DEFAULTS, LOAD_TEST_PRESETS } from './load-test-plan.js';
import { parseThreshold } from './thresholds.js';
import { PRICED_MODELS } from '../llm/pricing.js';
import { LIMIT_PRESET_NAMES } from '../sim/limit-presets.js';

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
  cooldown: z.union([z.literal('budget'), z.coerce.number({ error: 'must be a number of seconds or budget' }).min(0, 'must be 0 or more')]).optional(),
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
  timeScale: field.timeScale().optional(),
  simPreset: z.enum(LIMIT_PRESET_NAMES, { error: `must be one of ${LIMIT_PRESET_NAMES.join(', ')}` }).optional(),
  simArg: repeated.transform((values) => values.flatMap((v) => v.split(/\s+/)).filter(Boolean)).optional(),
  serverArg: repeated.transform((values) => values.flatMap((v) => v.split(/\s+/)).filter(Boolean)).optional(),
  pricingModel: z.enum(PRICED_MODELS as [string, ...string[]], { error: `must be one of ${PRICED_MODELS.join(', ')}` }).optional(),
  seed: field.nonNegativeInt().optional(),
  runId: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'must be 1-32 letters, digits, - or _').optional(),
  out: z.string().min(1, 'must be a directory').optional(),
  progress: z.enum(['auto', 'tty', 'plain', 'off'], { error: 'must be auto, tty, plain or off' }).default('auto'),
});

export type LoadTestSettings = z.output<typeof loadTestSettingsSchema>;

const shown = (value: number | string | readonly (number | string)[]) => (Array.isArray(value) ? value.join(',') : String(value));

export const loadTestSettingSources: SettingSources<z.input<typeof loadTestSettingsSchema>> = {
  target: {
    flag: '--target',
    env: 'CONCIERGE_LOADTEST_TARGET',
    arg: '<url>',
    takes: 'repeat',
    help: 'server base URL; repeat (or comma-separate) for several pods, conversations go round-robin. None: start the simulator and the server locally',
  },
  simUrl: { flag: '--sim-url', env: 'CONCIERGE_LOADTEST_SIM_URL', arg: '<url>', help: 'the simulator behind --target, to read and reset its stats' },
  apiKey: { flag: '--api-key', env: 'CONCIERGE_LOADTEST_API_KEY', arg: '<key>', help: 'send x-api-key instead of one x-customer-id per user', secret: true },
  preset: { flag: '--preset', arg: '<name>', help: 'seed: 10,50,100 users, quick mode, simulator at gpt-4o-mini tier-1 limits, 5-minute timeout' },
  stages: { flag: '--stages', arg: '<list>', help: 'closed model: concurrent users per stage', defaultText: shown(LOAD_TEST_DEFAULTS.stages) },
  arrivalRate: { flag: '--arrival-rate', arg: '<list>', help: 'open model: new conversations per second, one stage per rate, e.g. 0.5,1,2' },
  duration: { flag: '--duration', arg: '<sec>', help: 'open model: seconds each stage keeps starting conversations', defaultText: shown(LOAD_TEST_DEFAULTS.durationSec) },
  maxInFlight: { flag: '--max-in-flight', arg: '<n>', help: 'open model: most conversations at once; later arrivals wait, and the wait counts', defaultText: shown(LOAD_TEST_DEFAULTS.maxInFlight) },
  mode: { flag: '--mode', arg: '<mode>', help: 'quick (services, then a booking) or full (browse, availability, book, reschedule or cancel, list)', defaultText: LOAD_TEST_DEFAULTS.mode },
  messages: { flag: '--messages', arg: '<n>', help: 'planned messages per conversation', defaultText: "the mode's: 2 quick, 5 full" },
  conversationsPerUser: { flag: '--conversations-per-user', arg: '<n>', help: 'closed model: conversations each user holds in turn', defaultText: shown(LOAD_TEST_DEFAULTS.conversationsPerUser) },
  thinkTime: { flag: '--think-time', arg: '<ms>', help: 'mean pause between an answer and the next message, jittered 50-150%', defaultText: shown(LOAD_TEST_DEFAULTS.thinkTimeMs) },
  ramp: { flag: '--ramp', arg: '<sec>', help: "closed model: start a stage's users spread over this many seconds (0: all at once)", defaultText: shown(LOAD_TEST_DEFAULTS.rampSec) },
  timeout: { flag: '--timeout', arg: '<sec>', help: 'per-message timeout', defaultText: `${LOAD_TEST_DEFAULTS.timeoutSec}; seed preset ${String(LOAD_TEST_PRESETS.seed?.timeoutSec)}` },
  stageTimeout: { flag: '--stage-timeout', arg: '<sec>', help: 'hard bound of one stage', defaultText: 'derived from the timeout and the plan' },
  maxDuration: { flag: '--max-duration', arg: '<sec>', help: 'hard bound of the whole run', defaultText: 'the sum of the stage bounds plus a margin' },
  cooldown: { flag: '--cooldown', arg: '<sec|budget>', help: "pause between stages; 'budget': until the simulator's rate-limit budget is full again", defaultText: shown(LOAD_TEST_DEFAULTS.cooldownSec) },
  stream: { flag: '--stream', takes: 'switch', help: 'use runs/stream and measure time to first token' },
  baseline: { flag: '--baseline', takes: 'negate', help: 'skip the single-user baseline conversation before the stages' },
  baselineConversations: { flag: '--baseline-conversations', arg: '<n>', help: 'conversations the baseline user holds, one after the other', defaultText: shown(LOAD_TEST_DEFAULTS.baselineConversations) },
  shedRetries: { flag: '--shed-retries', arg: '<n>', help: 'times a user resends a message the server shed (503 OVERLOADED), after its Retry-After', defaultText: shown(LOAD_TEST_DEFAULTS.shedRetries) },
  threshold: {
    flag: '--threshold',
    arg: '<expr>',
    takes: 'repeat',
    help: "k6-like check per stage, repeatable: 'p(95)<10000', 'success>0.95', 'rate_failed<0.05', 'conversation.p(95)<60s', 'ttft.p(95)<2000'",
    defaultText: LOAD_TEST_DEFAULTS.thresholds.join(' and '),
  },
  timeScale: {
    flag: '--time-scale',
    env: 'CONCIERGE_TIME_SCALE',
    arg: '<f>',
    help: 'passed to the simulator and server; think times, timeouts and bounds are multiplied by f, and the report gives real-time equivalents',
    defaultText: shown(LOAD_TEST_DEFAULTS.timeScale),
  },
  simPreset: { flag: '--sim-preset', arg: '<name>', help: `local simulator's rate-limit preset: ${LIMIT_PRESET_NAMES.join('|')}` },
  simArg: { flag: '--sim-arg', arg: '<arg>', takes: 'repeat', help: "extra local simulator flag(s), repeatable: --sim-arg='--seed 7'" },
  serverArg: { flag: '--server-arg', arg: '<arg>', takes: 'repeat', help: "extra local server flag(s), repeatable: --server-arg='--admission on'" },
  pricingModel: { flag: '--pricing-model', arg: '<name>', help: `price table row for cost figures: ${PRICED_MODELS.join('|')}`, defaultText: LOAD_TEST_DEFAULTS.pricingModel },
  seed: { flag: '--seed', arg: '<n>', help: 'seed of personas and think times', defaultText: shown(LOAD_TEST_DEFAULTS.seed) },
  runId: { flag: '--run-id', arg: '<id>', help: 'name of this run; users are lt-<run-id>-<user>', defaultText: 'random' },
  out: { flag: '--out', arg: '<dir>', help: 'directory for report.json, report.md, report.html', defaultText: 'loadtest-results/<date>-<run-id>' },
  progress: { flag: '--progress', arg: '<mode>', help: 'auto, tty (live line), plain (periodic lines) or off' },
};
