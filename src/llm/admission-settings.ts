import { z } from 'zod';
import { field, type SettingSources } from '../config/settings.js';
import { GPT_4O_MINI_TIERS } from '../shared/openai-tiers.js';

/**
 * Published gpt-4o-mini organisation limits per usage tier, so `--llm-tier tier1` is all an
 * operator needs to say. Explicit `--llm-rpm` / `--llm-tpm` override the tier.
 */
export const LLM_TIERS = GPT_4O_MINI_TIERS;

export type LlmTier = keyof typeof LLM_TIERS;
const TIER_NAMES = Object.keys(LLM_TIERS) as [LlmTier, ...LlmTier[]];

/** Where `--budget-backend redis` finds Redis when no `--redis-url` is given. */
export const DEFAULT_BUDGET_REDIS_URL = 'redis://127.0.0.1:6379';

/**
 * Every knob of admission control. Durations marked "nominal" are in the provider's time:
 * with `--time-scale F` they last F times as long in real time, like the simulator's.
 */
export const admissionSettingsSchema = z.object({
  /** `off` keeps the seed's architecture (LangChain defaults, no gate) for comparison. */
  admission: z.enum(['on', 'off'], { error: 'must be on or off' }).default('on'),
  /**
   * With admission off, whose client retries: `langchain-js` (LangChain.js defaults, 6
   * retries) or `openai-python` (the OpenAI Python client's defaults, 2 retries, as LangGraph
   * in Python had: the seed's system).
   */
  offProfile: z.enum(['langchain-js', 'openai-python'], { error: 'must be langchain-js or openai-python' }).default('langchain-js'),
  /** Requests per minute the provider allows; default: the tier's, else learned from headers. */
  llmRpm: field.positiveInt().optional(),
  /** Tokens per minute the provider allows; default: the tier's, else learned from headers. */
  llmTpm: field.positiveInt().optional(),
  /** A usage tier whose published gpt-4o-mini limits to assume. */
  llmTier: z.enum(TIER_NAMES, { error: `must be one of ${TIER_NAMES.join(', ')}` }).optional(),
  /**
   * Fraction of the provider's limits to use. Default all of it: estimate errors are
   * reconciled from the provider's own `x-ratelimit-*` headers after every call, so a margin
   * would only cost throughput (0.95 costs 5%). Lower it when other clients share the account.
   */
  budgetSafety: z.coerce.number({ error: 'must be a number' }).gt(0, 'must be above 0').max(1, 'must be at most 1').default(1),
  /** Nominal ms an idle bucket takes to fill: the largest burst. One minute, like the provider. */
  budgetDepthMs: field.positiveInt().default(60_000),
  /**
   * `memory`: this process only. `redis`: shared by every process with the same budget key.
   * Default: `redis` when `--redis-url` is given (replicas sharing a provider account must
   * share its budget), else `memory`. Read it through `budgetBackendOf`.
   */
  budgetBackend: z.enum(['memory', 'redis'], { error: 'must be memory or redis' }).optional(),
  /** The deployment's Redis (the same setting as the replicas' coordination); read it through `budgetRedisUrl`. */
  redisUrl: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').optional(),
  /** Name of the shared budget; default: a hash of the provider URL and API key (never the key itself). */
  budgetKey: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must be 1-128 letters, digits, or . _ : -').optional(),
  /** Processes expected to share the budget: without Redis each uses 1/N of it. */
  budgetProcesses: field.positiveInt().default(2),
  /** New messages allowed to wait for the budget at once; beyond it they are shed at once. */
  queueMax: field.positiveInt().default(1000),
  /** Nominal ms within which a message should be answered; a call that cannot make it is shed. */
  deadlineMs: field.positiveInt().default(60_000),
  /**
   * LLM calls a message is expected to take (a tool call, then the answer) until enough have
   * been seen to know: a new message is admitted only if all of them fit its deadline.
   */
  callsPerMessage: field.positiveNumber().max(50, 'must be at most 50').default(2),
  /** Completion tokens reserved (and sent as max_completion_tokens) when a call sets none. */
  maxCompletionTokens: field.positiveInt().max(16_384, 'must be at most 16384').default(256),
  /** Model to use while the main model's circuit is open. */
  fallbackModel: z.string().min(1, 'must name a model').optional(),
  /** Multiplies every nominal duration: 0.05 runs a minute of provider time in 3 real seconds. */
  timeScale: field.timeScale().default(1),
  /** Retries of one call after 429s, 5xx or timeouts (the deadline may end them sooner). */
  llmMaxRetries: field.nonNegativeInt().default(4),
  /**
   * Nominal ms one attempt may wait for the provider's answer to start before it counts as a
   * timeout. Well below the deadline, so that a hung call leaves time for a retry; it never
   * exceeds half of the deadline whatever it is set to (see `llmAttemptTimeoutMs`).
   */
  llmTimeoutMs: field.positiveInt().default(15_000),
  /** Nominal ms an answer's body may go without a chunk (a stalled stream) before the attempt counts as a timeout. */
  llmIdleTimeoutMs: field.positiveInt().default(10_000),
  /**
   * Real ms below which a time-scaled attempt timeout never goes: the time scale speeds up
   * the provider, not this process, so a busy event loop must not look like a dead provider.
   */
  llmTimeoutFloorMs: field.nonNegativeInt().default(10_000),
  /** Nominal ms of the first backoff step (full jitter, doubling). */
  backoffBaseMs: field.positiveInt().default(500),
  /** Nominal ms cap of one backoff step. */
  backoffCapMs: field.positiveInt().default(20_000),
  /** Consecutive 5xx or timeouts that open the circuit. */
  circuitFailures: field.positiveInt().default(5),
  /** Nominal ms an open circuit waits before one probe call. */
  circuitCooldownMs: field.positiveInt().default(10_000),
  /**
   * What the provider charges a call against TPM: `max-tokens` (OpenAI: prompt plus the
   * maximum completion, nothing refunded) or `usage` (prompt plus actual completion).
   */
  chargeBasis: z.enum(['max-tokens', 'usage'], { error: 'must be max-tokens or usage' }).default('max-tokens'),
});

export type AdmissionSettings = z.output<typeof admissionSettingsSchema>;
export type AdmissionSettingsInput = z.input<typeof admissionSettingsSchema>;

export const admissionSettingSources: SettingSources<AdmissionSettingsInput> = {
  admission: { flag: '--admission', env: 'CONCIERGE_ADMISSION', arg: '<on|off>', help: 'admission control: on, or off for the seed architecture' },
  offProfile: { flag: '--off-profile', env: 'CONCIERGE_OFF_PROFILE', arg: '<client>', help: 'with --admission off, whose client retries: langchain-js (6 retries) or openai-python (2 retries, the seed system)' },
  timeScale: { flag: '--time-scale', env: 'CONCIERGE_TIME_SCALE', arg: '<f>', help: 'multiplies every nominal duration, like the simulator' },
  // What the provider allows, and how it charges.
  llmRpm: { flag: '--llm-rpm', env: 'CONCIERGE_LLM_RPM', arg: '<n>', help: 'provider requests per minute', defaultText: "the tier's, else learned from x-ratelimit headers" },
  llmTpm: { flag: '--llm-tpm', env: 'CONCIERGE_LLM_TPM', arg: '<n>', help: 'provider tokens per minute', defaultText: "the tier's, else learned from x-ratelimit headers" },
  llmTier: { flag: '--llm-tier', env: 'CONCIERGE_LLM_TIER', arg: '<tier>', help: 'assume the published gpt-4o-mini limits of a usage tier: tier1..tier5' },
  chargeBasis: { flag: '--charge-basis', env: 'CONCIERGE_CHARGE_BASIS', arg: '<basis>', help: 'what the provider charges against TPM: max-tokens (OpenAI) or usage' },
  // The budget and where it lives.
  budgetSafety: { flag: '--budget-safety', env: 'CONCIERGE_BUDGET_SAFETY', arg: '<f>', help: 'fraction of the provider limits to use' },
  budgetDepthMs: { flag: '--budget-depth-ms', env: 'CONCIERGE_BUDGET_DEPTH_MS', arg: '<ms>', help: 'largest burst, as nominal ms of refill' },
  budgetBackend: {
    flag: '--budget-backend',
    env: 'CONCIERGE_BUDGET_BACKEND',
    arg: '<backend>',
    help: 'memory (this process) or redis (shared by all processes with the same key)',
    defaultText: 'redis when --redis-url is given, else memory',
  },
  redisUrl: { flag: '--redis-url', env: 'CONCIERGE_REDIS_URL', arg: '<url>', help: 'Redis URL of the shared budget', defaultText: DEFAULT_BUDGET_REDIS_URL },
  budgetKey: { flag: '--budget-key', env: 'CONCIERGE_BUDGET_KEY', arg: '<name>', help: 'name of the shared budget', defaultText: 'a hash of the provider URL and API key' },
  budgetProcesses: { flag: '--budget-processes', env: 'CONCIERGE_BUDGET_PROCESSES', arg: '<n>', help: 'processes sharing the budget; each uses 1/N of it while Redis is unreachable' },
  // Waiting: the queue and the deadline.
  queueMax: { flag: '--queue-max', env: 'CONCIERGE_QUEUE_MAX', arg: '<n>', help: 'new messages that may wait for the budget; more are shed at once' },
  deadlineMs: { flag: '--deadline-ms', env: 'CONCIERGE_DEADLINE_MS', arg: '<ms>', help: 'nominal ms within which a message should be answered' },
  callsPerMessage: { flag: '--calls-per-message', env: 'CONCIERGE_CALLS_PER_MESSAGE', arg: '<f>', help: 'LLM calls per message assumed until observed' },
  maxCompletionTokens: { flag: '--max-completion-tokens', env: 'CONCIERGE_MAX_COMPLETION_TOKENS', arg: '<n>', help: 'completion tokens reserved and sent when a call sets none' },
  // Failures: fallback, retries, timeouts, the circuit.
  fallbackModel: { flag: '--fallback-model', env: 'CONCIERGE_FALLBACK_MODEL', arg: '<name>', help: "model to use while the main model's circuit is open" },
  llmMaxRetries: { flag: '--llm-max-retries', env: 'CONCIERGE_LLM_MAX_RETRIES', arg: '<n>', help: 'retries of one LLM call after 429, 5xx or timeout' },
  llmTimeoutMs: { flag: '--llm-timeout-ms', env: 'CONCIERGE_LLM_TIMEOUT_MS', arg: '<ms>', help: 'nominal ms one LLM attempt may take' },
  llmIdleTimeoutMs: { flag: '--llm-idle-timeout-ms', env: 'CONCIERGE_LLM_IDLE_TIMEOUT_MS', arg: '<ms>', help: 'nominal ms an LLM answer may go without a chunk' },
  llmTimeoutFloorMs: { flag: '--llm-timeout-floor-ms', env: 'CONCIERGE_LLM_TIMEOUT_FLOOR_MS', arg: '<ms>', help: 'real ms a time-scaled LLM attempt timeout never goes below' },
  backoffBaseMs: { flag: '--backoff-base-ms', env: 'CONCIERGE_BACKOFF_BASE_MS', arg: '<ms>', help: 'nominal ms of the first retry backoff step' },
  backoffCapMs: { flag: '--backoff-cap-ms', env: 'CONCIERGE_BACKOFF_CAP_MS', arg: '<ms>', help: 'nominal ms cap of one backoff step' },
  circuitFailures: { flag: '--circuit-failures', env: 'CONCIERGE_CIRCUIT_FAILURES', arg: '<n>', help: 'consecutive 5xx/timeouts that open the circuit' },
  circuitCooldownMs: { flag: '--circuit-cooldown-ms', env: 'CONCIERGE_CIRCUIT_COOLDOWN_MS', arg: '<ms>', help: 'nominal ms before an open circuit lets a probe through' },
};

/** The limits in force before any header is seen: explicit flags, else the tier, else unknown. */
export function configuredLimits(settings: AdmissionSettings): { rpm: number | undefined; tpm: number | undefined } {
  const tier = settings.llmTier ? LLM_TIERS[settings.llmTier] : undefined;
  return { rpm: settings.llmRpm ?? tier?.rpm, tpm: settings.llmTpm ?? tier?.tpm };
}

/** Real ms a message has to be answered, from its nominal deadline and the time scale. */
export function messageDeadlineMs(settings: Pick<AdmissionSettings, 'deadlineMs' | 'timeScale'>): number {
  return settings.deadlineMs * settings.timeScale;
}

type TimeoutInputs = Pick<AdmissionSettings, 'llmTimeoutMs' | 'llmIdleTimeoutMs' | 'llmTimeoutFloorMs' | 'timeScale' | 'deadlineMs'>;

/** Real ms one LLM attempt may wait for the answer to start (see `scaledAttemptTimeoutMs`). */
export function llmAttemptTimeoutMs(settings: TimeoutInputs): number {
  return scaledAttemptTimeoutMs(settings.llmTimeoutMs, settings);
}

/** Real ms an answer's body may go without a chunk (see `scaledAttemptTimeoutMs`). */
export function llmIdleTimeoutMs(settings: TimeoutInputs): number {
  return scaledAttemptTimeoutMs(settings.llmIdleTimeoutMs, settings);
}

/**
 * A nominal per-attempt timeout in real ms: scaled, but not below the floor (the time scale
 * speeds up the provider, not this process, and a loaded machine must not look like a dead
 * provider), nor above the nominal value, and never above half of the message's deadline, so
 * that a hung attempt always leaves room for a retry. At time scale 1 the defaults give 15 s
 * against a 60 s deadline.
 */
function scaledAttemptTimeoutMs(nominalMs: number, settings: TimeoutInputs): number {
  const scaled = Math.max(nominalMs * settings.timeScale, Math.min(nominalMs, settings.llmTimeoutFloorMs));
  return Math.min(scaled, messageDeadlineMs(settings) / 2);
}

/** Where the budget lives: as configured, or shared in Redis when the deployment has one. */
export function budgetBackendOf(settings: Pick<AdmissionSettings, 'budgetBackend' | 'redisUrl'>): 'memory' | 'redis' {
  return settings.budgetBackend ?? (settings.redisUrl ? 'redis' : 'memory');
}

export function budgetRedisUrl(settings: Pick<AdmissionSettings, 'redisUrl'>): string {
  return settings.redisUrl ?? DEFAULT_BUDGET_REDIS_URL;
}
