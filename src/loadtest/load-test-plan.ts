import { DEFAULT_PRICING_MODEL, pricingFor, type ModelPricing } from '../llm/pricing.js';
import type { LocalStack, LocalStackOptions } from './local-stack.js';
import { loadTestOptionsInvalid } from './loadtest-errors.js';
import { ConversationScript, FALLBACK_SERVICES, makePersona, type ConversationMode } from './personas.js';
import { seededRandom } from './random.js';
import type { StageReport } from './report-types.js';
import type { LiveSnapshot, TurnRecord } from './stage-recorder.js';
import { closedUserKey, openArrivalKey, type StagePlan } from './stage-runner.js';
import { DEFAULT_THRESHOLDS, parseThreshold, type Threshold } from './thresholds.js';

/**
 * Options of one load test. Durations are real-time figures: with a time scale F the run
 * applies think time, timeouts and bounds multiplied by F, and reports real-time equivalents.
 */
export interface LoadTestOptions {
  /** Server base URLs (several pods: conversations are spread round-robin). Empty: start a local stack. */
  targets: string[];
  /** The simulator behind the targets, for its stats and resets (set automatically for a local stack). */
  simUrl: string | undefined;
  /** Sent as `x-api-key`; without it each user is named by `x-customer-id` (dev-mode servers). */
  apiKey: string | undefined;
  /** `closed`: stages of concurrent users; `open`: stages of arrival rates. Default closed. */
  model: 'closed' | 'open';
  /** Concurrent users per stage (closed model). Default 10, 50, 100. */
  stages: number[];
  /** New conversations per second per stage (open model). */
  arrivalRates: number[];
  /** How long each open-model stage keeps starting conversations, seconds. Default 60. */
  durationSec: number;
  /** Open model: conversations in flight at most; later arrivals wait (and that wait counts). Default 2000. */
  maxInFlight: number;
  /** quick: services then a booking (2 messages); full: browse, availability, book, reschedule or cancel, list (5). */
  mode: ConversationMode;
  /** Planned messages per conversation. Default: the mode's (2 or 5). */
  messages: number | undefined;
  /** Conversations each closed-model user holds, one after the other. Default 1. */
  conversationsPerUser: number;
  /** Mean think time between a reply and the next message, ms (jittered 50-150%). Default 1000. */
  thinkTimeMs: number;
  /** Users of a closed stage start spread over this many seconds. Default 0 (all at once). */
  rampSec: number;
  /** Per-message timeout, seconds. Default 120. */
  timeoutSec: number;
  /** Hard bound of one stage, seconds. Default: derived from the timeout and the plan. */
  stageTimeoutSec: number | undefined;
  /** Hard bound of the whole run, seconds. Default: the sum of the stage bounds plus a margin. */
  maxDurationSec: number | undefined;
  /**
   * Pause between stages, seconds; or `budget`: until the simulator's rate-limit buckets are
   * full again (each stage then starts as a separate test would). Default 2.
   */
  cooldownSec: number | 'budget';
  /** Use `runs/stream` and measure time to first token. Default false. */
  stream: boolean;
  /** Run one user before the stages, as the single-user reference. Default true. */
  baseline: boolean;
  /**
   * Conversations the baseline user holds, one after the other. Default 1; more make its
   * median a steady reference (one quick conversation is only two messages).
   */
  baselineConversations: number;
  /** Times a user resends a message the server shed, after its Retry-After. Default 0. */
  shedRetries: number;
  /** k6-like expressions checked per stage. Default `success>0.95`, `p(95)<10000`. */
  thresholds: string[];
  /** Time scale F of the simulator and server; think times and timeouts are multiplied by F. Default 1. */
  timeScale: number;
  simPreset: string | undefined;
  simArgs: string[];
  serverArgs: string[];
  /** Model whose prices turn tokens into dollars. Default gpt-4o-mini. */
  pricingModel: string;
  /** Seed of personas, think times and order. Default 1. */
  seed: number;
  runId: string | undefined;
  /** Name of the preset the options came from, for the report. */
  preset: string | undefined;
  /** Where the local stack writes its logs. */
  logDir: string | undefined;
  /** Stop early (Ctrl-C): the report is still returned, marked partial. */
  signal: AbortSignal | undefined;
  onEvent: ((event: LoadTestEvent) => void) | undefined;
  /** Sees every message as it ends, with its stage: raw records for custom analyses. */
  onTurn: ((turn: TurnRecord & { stage: string }) => void) | undefined;
  /** Milliseconds on a monotonic clock. */
  now: () => number;
  /** Today's date, for personas (dates 2 to 10 days ahead). */
  today: () => Date;
  startLocalStack: (options: LocalStackOptions) => Promise<LocalStack>;
  /** How often `/stats` is sampled during a stage, ms. Default 1000. */
  statsIntervalMs: number;
}

export type LoadTestInput = Partial<LoadTestOptions>;

export type LoadTestEvent =
  | { type: 'info'; message: string }
  | { type: 'stage-start'; label: string; kind: StageReport['kind']; users: number | null; arrivalRatePerSec: number | null; plannedMessages: number; /** The run's time scale: progress figures are divided by it. */ timeScale: number }
  | { type: 'stage-progress'; label: string; elapsedMs: number; snapshot: LiveSnapshot }
  | { type: 'stage-end'; stage: StageReport };

export const LOAD_TEST_DEFAULTS: Readonly<Omit<LoadTestOptions, 'signal' | 'onEvent' | 'onTurn' | 'now' | 'today' | 'startLocalStack'>> = Object.freeze({
  targets: [],
  simUrl: undefined,
  apiKey: undefined,
  model: 'closed',
  stages: [10, 50, 100],
  arrivalRates: [],
  durationSec: 60,
  maxInFlight: 2000,
  mode: 'quick',
  messages: undefined,
  conversationsPerUser: 1,
  thinkTimeMs: 1000,
  rampSec: 0,
  timeoutSec: 120,
  stageTimeoutSec: undefined,
  maxDurationSec: undefined,
  cooldownSec: 2,
  stream: false,
  baseline: true,
  baselineConversations: 1,
  shedRetries: 0,
  thresholds: [...DEFAULT_THRESHOLDS],
  timeScale: 1,
  simPreset: undefined,
  simArgs: [],
  serverArgs: [],
  pricingModel: DEFAULT_PRICING_MODEL,
  seed: 1,
  runId: undefined,
  preset: undefined,
  logDir: undefined,
  statsIntervalMs: 1000,
});

/** Named option sets. `seed` replays the earlier system's test so the two can be compared. */
export const LOAD_TEST_PRESETS: Readonly<Record<string, LoadTestInput>> = Object.freeze({
  seed: {
    model: 'closed',
    stages: [10, 50, 100],
    mode: 'quick',
    simPreset: 'tier1',
    // Long enough that success means "served", not "fast".
    timeoutSec: 300,
    thresholds: [...DEFAULT_THRESHOLDS],
  },
});

/** Defaults, then the preset, then what was given; checked for contradictions. */
export function resolveLoadTestOptions(input: LoadTestInput, defaults: Pick<LoadTestOptions, 'now' | 'today' | 'startLocalStack'>): LoadTestOptions {
  const preset = input.preset ? LOAD_TEST_PRESETS[input.preset] : undefined;
  if (input.preset && !preset) throw loadTestOptionsInvalid(`unknown preset ${JSON.stringify(input.preset)} (known: ${Object.keys(LOAD_TEST_PRESETS).join(', ')})`);
  const defined = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
  const options: LoadTestOptions = {
    ...LOAD_TEST_DEFAULTS,
    targets: [],
    thresholds: [...DEFAULT_THRESHOLDS],
    signal: undefined,
    onEvent: undefined,
    onTurn: undefined,
    ...defaults,
    ...preset,
    ...defined,
  };
  if (options.model === 'open' && options.arrivalRates.length === 0) throw loadTestOptionsInvalid('the open model needs at least one arrival rate');
  if (options.model === 'closed' && options.stages.length === 0) throw loadTestOptionsInvalid('the closed model needs at least one stage');
  if (!(options.timeScale > 0)) throw loadTestOptionsInvalid('the time scale must be greater than 0');
  if (!pricingFor(options.pricingModel)) throw loadTestOptionsInvalid(`no prices for model ${JSON.stringify(options.pricingModel)}`);
  for (const expression of options.thresholds) parseThreshold(expression);
  return options;
}

/** One stage as planned: what to run, and how it is labelled and announced. */
export interface PlannedStage {
  plan: StagePlan;
  label: string;
  /** Messages the stage should send if every user keeps to the plan. */
  plannedMessages: number;
}

/** Every duration the run applies, in the run's own time (real values times the time scale). */
export interface AppliedDurations {
  thinkTimeMs: number;
  timeoutMs: number;
  rampMs: number;
  cooldownMs: number;
  /** The longest stage bound. */
  stageTimeoutMs: number;
  maxDurationMs: number;
}

/** What a load test will do, worked out from its options before anything runs. */
export interface LoadTestPlan {
  timeScale: number;
  /** Planned messages per conversation. */
  messages: number;
  thresholds: Threshold[];
  pricing: ModelPricing;
  applied: AppliedDurations;
  baseline: PlannedStage | undefined;
  stages: PlannedStage[];
}

/**
 * Turn resolved options into stages and bounds (pure). Each stage is bounded by what its
 * conversations could take if every message used its whole timeout, so a stalled server
 * ends a stage instead of the run hanging; the run is bounded by the sum of its stages.
 */
export function planLoadTest(options: LoadTestOptions): LoadTestPlan {
  const f = options.timeScale;
  const messages = options.messages ?? new ConversationScript(makePersona(0, seededRandom(1), FALLBACK_SERVICES, '2000-01-01'), options.mode).planned;
  const thinkTimeMs = options.thinkTimeMs * f;
  const timeoutMs = options.timeoutSec * 1000 * f;
  const rampMs = options.rampSec * 1000 * f;
  // Waiting for the budget takes at most one (scaled) minute of refill, the buckets' deepest.
  const cooldownMs = (options.cooldownSec === 'budget' ? 60 : options.cooldownSec) * 1000 * f;
  // Each shed retry is one more message, after a Retry-After shorter than the timeout.
  const perConversationBoundMs = (messages + 2 + options.shedRetries) * (timeoutMs + 1.5 * thinkTimeMs);
  const margin = 10_000 * f;
  const bound = (derivedMs: number) => (options.stageTimeoutSec !== undefined ? options.stageTimeoutSec * 1000 * f : derivedMs + margin);

  const stages: PlannedStage[] =
    options.model === 'closed'
      ? options.stages.map((users, i) => ({
          plan: { kind: 'closed', index: i + 1, users, conversationsPerUser: options.conversationsPerUser, rampMs, boundMs: bound(rampMs + options.conversationsPerUser * perConversationBoundMs) },
          label: `${users} users`,
          plannedMessages: users * options.conversationsPerUser * messages,
        }))
      : options.arrivalRates.map((rate, i) => {
          const durationMs = options.durationSec * 1000 * f;
          const arrivalsPerSec = rate / f;
          return {
            plan: { kind: 'open', index: i + 1, arrivalsPerSec, durationMs, maxInFlight: options.maxInFlight, boundMs: bound(durationMs + perConversationBoundMs) },
            label: `${formatRate(rate)} conv/s`,
            plannedMessages: Math.floor((durationMs / 1000) * arrivalsPerSec) * messages,
          };
        });
  const baseline: PlannedStage | undefined = options.baseline
    ? {
        plan: {
          kind: 'baseline',
          index: 0,
          users: 1,
          conversationsPerUser: options.baselineConversations,
          rampMs: 0,
          boundMs: options.baselineConversations * perConversationBoundMs + margin,
          conversationKeys: baselineConversationKeys(options.baselineConversations, stages[0]?.plan),
        },
        label: 'baseline (1 user)',
        plannedMessages: options.baselineConversations * messages,
      }
    : undefined;
  const stageTimeoutMs = Math.max(...stages.map((s) => s.plan.boundMs));
  const maxDurationMs =
    options.maxDurationSec !== undefined
      ? options.maxDurationSec * 1000 * f
      : stages.reduce((sum, s) => sum + s.plan.boundMs + cooldownMs, 0) + (baseline?.plan.boundMs ?? 0) + 60_000 * f;
  return {
    timeScale: f,
    messages,
    thresholds: options.thresholds.map(parseThreshold),
    pricing: pricingFor(options.pricingModel)!,
    applied: { thinkTimeMs, timeoutMs, rampMs, cooldownMs, stageTimeoutMs, maxDurationMs },
    baseline,
    stages,
  };
}

function formatRate(rate: number): string {
  return Number.isInteger(rate) ? String(rate) : rate.toFixed(2);
}

/**
 * The single user of the baseline holds its conversations, one after the other, as the
 * customers of the first stage (conversation c as that stage's user or arrival c), so the
 * stage and its reference meet the provider as the same customers: a provider (or the lab's
 * simulator) that draws latencies per customer then draws the same ones for both, and the
 * latency ratio of the first stage to the baseline measures the system, not the dice.
 * Conversations beyond the first stage's users are held as the baseline user itself.
 */
function baselineConversationKeys(conversations: number, first: StagePlan | undefined): string[] {
  return Array.from({ length: conversations }, (_, c) => {
    if (first?.kind === 'open') return openArrivalKey(first.index, c);
    if (first && c < first.users) return closedUserKey(first.index, c);
    return closedUserKey(0, 0);
  });
}
