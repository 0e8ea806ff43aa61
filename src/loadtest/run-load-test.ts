import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { arch, cpus, loadavg, platform, totalmem } from 'node:os';
import { setMaxListeners } from 'node:events';
import { AgentClient, createLoadDispatcher } from './agent-client.js';
import { analyzeRun } from './analysis.js';
import { startLocalStack as defaultStartLocalStack, type LocalStack, type LocalStackOptions } from './local-stack.js';
import { NO_PROVIDER_STATS, ServerStatsPoller, SimulatorObserver } from './observers.js';
import { ConversationScript, FALLBACK_SERVICES, makePersona, slotsByDate, type ConversationMode, type OpenSlots, type ServiceInfo } from './personas.js';
import { DEFAULT_PRICING_MODEL, pricingFor, type ModelPricing } from '../llm/pricing.js';
import { seededRandom } from './random.js';
import { REPORT_SCHEMA, type LoadTestReport, type ReportConfig, type ReportEnvironment, type StageReport } from './report-types.js';
import { StageRecorder, type LiveSnapshot, type TurnRecord } from './stage-recorder.js';
import { runStage, sleepUntil, type StagePlan, type StageRunnerContext } from './stage-runner.js';
import { DEFAULT_THRESHOLDS, parseThreshold } from './thresholds.js';
import { loadTestOptionsInvalid } from './loadtest-errors.js';
import { fmtNum } from './format.js';
import { addDays, isValidTimeZone, todayIn } from '../shared/local-time.js';

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
  /** Pause between stages, seconds. Default 2. */
  cooldownSec: number;
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
  | { type: 'stage-start'; label: string; kind: StageReport['kind']; users: number | null; arrivalRatePerSec: number | null; plannedMessages: number }
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

export function resolveLoadTestOptions(input: LoadTestInput): LoadTestOptions {
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
    now: () => performance.now(),
    today: () => new Date(),
    startLocalStack: defaultStartLocalStack,
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

/** The package version, for the report's environment. */
function conciergeVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export function describeEnvironment(): ReportEnvironment {
  const cpuList = cpus();
  return {
    node: process.version,
    platform: platform(),
    arch: arch(),
    cpus: cpuList.length,
    cpuModel: cpuList[0]?.model ?? 'unknown',
    totalMemoryMb: Math.round(totalmem() / 1024 / 1024),
    loadAverage: loadavg().map((v) => Math.round(v * 100) / 100),
    concierge: conciergeVersion(),
  };
}

/** Today's date (YYYY-MM-DD) in the business's time zone; the machine's own when the server names none it knows. */
export function businessToday(timeZone: string | undefined, now: Date): string {
  return todayIn(timeZone && isValidTimeZone(timeZone) ? timeZone : Intl.DateTimeFormat().resolvedOptions().timeZone, now);
}

/**
 * Run a progressive load test and return its report. Starts (and always stops) a local
 * simulator and server when no target is given. Never throws for what the system under test
 * does: failures are figures. Stopping through `signal` returns a partial report.
 */
export async function runLoadTest(input: LoadTestInput = {}): Promise<LoadTestReport> {
  const options = resolveLoadTestOptions(input);
  const emit = (event: LoadTestEvent) => options.onEvent?.(event);
  const f = options.timeScale;
  const runId = options.runId ?? randomBytes(4).toString('hex');
  const startedAt = new Date();
  const thresholds = options.thresholds.map(parseThreshold);
  const pricing = pricingFor(options.pricingModel) as ModelPricing;
  const messages = options.messages ?? new ConversationScript(makePersona(0, seededRandom(1), FALLBACK_SERVICES, '2000-01-01'), options.mode).planned;

  // Applied durations (ms in the run's own time).
  const thinkTimeMs = options.thinkTimeMs * f;
  const timeoutMs = options.timeoutSec * 1000 * f;
  const rampMs = options.rampSec * 1000 * f;
  const cooldownMs = options.cooldownSec * 1000 * f;
  // Each shed retry is one more message, after a Retry-After shorter than the timeout.
  const perConversationBoundMs = (messages + 2 + options.shedRetries) * (timeoutMs + 1.5 * thinkTimeMs);
  const plans: StagePlan[] =
    options.model === 'closed'
      ? options.stages.map((users, i) => ({ kind: 'closed', index: i + 1, users, conversationsPerUser: options.conversationsPerUser, rampMs, boundMs: 0 }))
      : options.arrivalRates.map((rate, i) => ({ kind: 'open', index: i + 1, arrivalsPerSec: rate / f, durationMs: options.durationSec * 1000 * f, maxInFlight: options.maxInFlight, boundMs: 0 }));
  for (const plan of plans) {
    const derived = plan.kind === 'open' ? plan.durationMs + perConversationBoundMs : rampMs + plan.conversationsPerUser * perConversationBoundMs;
    plan.boundMs = options.stageTimeoutSec !== undefined ? options.stageTimeoutSec * 1000 * f : derived + 10_000 * f;
  }
  const baselinePlan: StagePlan = {
    kind: 'baseline',
    index: 0,
    users: 1,
    conversationsPerUser: options.baselineConversations,
    rampMs: 0,
    boundMs: options.baselineConversations * perConversationBoundMs + 10_000 * f,
  };
  const maxDurationMs =
    options.maxDurationSec !== undefined
      ? options.maxDurationSec * 1000 * f
      : plans.reduce((s, p) => s + p.boundMs + cooldownMs, 0) + (options.baseline ? baselinePlan.boundMs : 0) + 60_000 * f;

  // One controller stops everything: Ctrl-C (the caller's signal) or the whole-run bound.
  const run = new AbortController();
  setMaxListeners(0, run.signal);
  const stop = { by: 'completed' as LoadTestReport['stoppedBy'] };
  const onSignal = () => {
    if (stop.by === 'completed') stop.by = 'signal';
    run.abort();
  };
  if (options.signal?.aborted) onSignal();
  options.signal?.addEventListener('abort', onSignal, { once: true });
  const runBound = setTimeout(() => {
    if (stop.by === 'completed') stop.by = 'run-bound';
    run.abort();
  }, maxDurationMs);

  const notes: string[] = [];
  let stack: LocalStack | undefined;
  let targets = options.targets;
  let simUrl = options.simUrl;
  const dispatcher = createLoadDispatcher(Math.max(4096, ...options.stages.map((u) => u * 2), options.maxInFlight * 2));
  const runStartMs = options.now();
  let baseline: StageReport | null = null;
  const stages: StageReport[] = [];
  let catalogue: LoadTestReport['catalogue'] = { source: 'fallback', services: FALLBACK_SERVICES.map((s) => s.name) };
  try {
    if (targets.length === 0) {
      emit({ type: 'info', message: 'starting the simulator and the server (no --target given)' });
      stack = await options.startLocalStack({ timeScale: f, simPreset: options.simPreset, simArgs: options.simArgs, serverArgs: options.serverArgs, logDir: options.logDir });
      targets = [stack.serverUrl];
      simUrl = stack.simUrl;
      emit({ type: 'info', message: `server ${stack.serverUrl}, simulator ${stack.simUrl}` });
    }
    let next = 0;
    const clientFor = (userKey: string) =>
      new AgentClient({ baseUrl: targets[next++ % targets.length] as string, apiKey: options.apiKey, customerId: `lt-${runId}-${userKey}`, dispatcher, now: options.now });

    // The catalogue, once, so personas ask for services that exist.
    const services = await fetchCatalogue(clientFor('catalogue'));
    if (services.services.length > 0) catalogue = { source: 'server', services: services.services.map((s) => s.name) };
    else notes.push('GET /v1/services was not available: personas asked for the fallback service list.');
    const today = businessToday(services.timeZone, options.today());
    const openSlots = await fetchOpenSlots(clientFor('catalogue'), services.services, today);
    if (services.services.length > 0 && openSlots.size === 0) notes.push('GET /v1/availability was not available: personas chose days and times without knowing opening hours.');

    const context: StageRunnerContext = {
      now: options.now,
      clientFor,
      services: services.services.length > 0 ? services.services : FALLBACK_SERVICES,
      openSlots,
      today,
      mode: options.mode,
      messages,
      thinkTimeMs,
      timeoutMs,
      shedRetries: options.shedRetries,
      stream: options.stream,
      seed: options.seed,
    };
    const statsClients = targets.map((baseUrl) => new AgentClient({ baseUrl, apiKey: options.apiKey, customerId: `lt-${runId}-stats`, dispatcher, now: options.now }));
    const poller = new ServerStatsPoller(statsClients, Math.max(100, options.statsIntervalMs));
    const sim = simUrl ? new SimulatorObserver(simUrl) : undefined;

    const runOne = async (plan: StagePlan, label: string): Promise<StageReport> => {
      const recorder = new StageRecorder();
      if (sim && !(await sim.reset())) notes.push(`POST /sim/reset failed before ${label}: provider counts of that stage may include earlier traffic.`);
      emit({
        type: 'stage-start',
        label,
        kind: plan.kind,
        users: plan.kind === 'open' ? null : plan.users,
        arrivalRatePerSec: plan.kind === 'open' ? plan.arrivalsPerSec * f : null,
        plannedMessages: plan.kind === 'open' ? Math.floor((plan.durationMs / 1000) * plan.arrivalsPerSec) * messages : plan.users * plan.conversationsPerUser * messages,
      });
      const stageContext: StageRunnerContext = { ...context, onTurn: options.onTurn ? (turn) => options.onTurn?.({ ...turn, stage: label }) : undefined };
      await poller.start();
      const stageStart = options.now();
      const ticker = setInterval(() => emit({ type: 'stage-progress', label, elapsedMs: options.now() - stageStart, snapshot: recorder.snapshot() }), 250);
      ticker.unref();
      let timing;
      try {
        timing = await runStage(plan, stageContext, recorder, run.signal);
      } finally {
        clearInterval(ticker);
      }
      const server = await poller.stop();
      const provider = sim ? await sim.observe() : NO_PROVIDER_STATS;
      const report = recorder.finalize({
        label,
        kind: plan.kind,
        users: plan.kind === 'open' ? recorder.peakUsersActive : plan.users,
        arrivalRatePerSec: plan.kind === 'open' ? plan.arrivalsPerSec * f : null,
        runStartMs,
        startMs: timing.startMs,
        endMs: timing.endMs,
        boundedBy: timing.boundedBy,
        timeScale: f,
        pricing,
        thresholds,
        provider,
        server,
      });
      emit({ type: 'stage-end', stage: report });
      return report;
    };

    if (options.baseline && !run.signal.aborted) baseline = await runOne(baselinePlan, 'baseline (1 user)');
    for (const [i, plan] of plans.entries()) {
      if (run.signal.aborted) break;
      if (i > 0 || baseline) await sleepUntil(options.now, options.now() + cooldownMs, run.signal);
      if (run.signal.aborted) break;
      stages.push(await runOne(plan, plan.kind === 'open' ? `${formatRate(options.arrivalRates[i] ?? 0)} conv/s` : `${plan.kind === 'closed' ? plan.users : 1} users`));
    }
  } finally {
    clearTimeout(runBound);
    options.signal?.removeEventListener('abort', onSignal);
    await stack?.stop();
    await dispatcher.close().catch(() => undefined);
  }

  const stoppedBy = stop.by;
  if (f !== 1) {
    notes.push(`Time scale ${f}: the simulator and the server ran ${fmtFactor(f)}; real-time figures divide measured durations and latencies by ${f}.`);
    notes.push(`CPU time (the server's graph, database and HTTP work, and this load generator) is not scaled: in real-time equivalents it counts ${fmtNum(1 / f)}x, so waits "elsewhere" and event-loop lag are overstated compared with a real-time run.`);
  }
  if (stoppedBy === 'signal') notes.push('Stopped by a signal (Ctrl-C): stages after the interrupted one did not run.');
  if (stoppedBy === 'run-bound') notes.push(`Stopped by the whole-run bound (${Math.round(maxDurationMs / f / 1000)} s real time).`);
  const usageless = stages.filter((s) => s.messages.succeeded > 0 && s.usage.answersWithUsage === 0);
  if (usageless.length > 0) notes.push('Some answers carried no usage.run: tokens, cost and the time split are missing for them.');

  const config: ReportConfig = {
    targets,
    localStack: stack !== undefined,
    simUrl: simUrl ?? null,
    model: options.model,
    stages: options.model === 'closed' ? [...options.stages] : [],
    arrivalRates: options.model === 'open' ? [...options.arrivalRates] : [],
    durationSec: options.durationSec,
    maxInFlight: options.maxInFlight,
    mode: options.mode,
    messages,
    conversationsPerUser: options.conversationsPerUser,
    thinkTimeMs: options.thinkTimeMs,
    rampSec: options.rampSec,
    timeoutSec: options.timeoutSec,
    stageTimeoutSec: Math.max(...plans.map((p) => p.boundMs)) / 1000 / f,
    maxDurationSec: maxDurationMs / 1000 / f,
    cooldownSec: options.cooldownSec,
    stream: options.stream,
    baseline: options.baseline,
    baselineConversations: options.baselineConversations,
    shedRetries: options.shedRetries,
    thresholds: thresholds.map((t) => t.expression),
    pricingModel: options.pricingModel,
    seed: options.seed,
    preset: options.preset ?? null,
    simPreset: options.simPreset ?? null,
    simArgs: [...options.simArgs],
    serverArgs: [...options.serverArgs],
    applied: { thinkTimeMs, timeoutMs, rampMs, stageTimeoutMs: Math.max(...plans.map((p) => p.boundMs)), maxDurationMs, cooldownMs },
  };
  const failedStages = stages.filter((s) => !s.verdict.pass).map((s) => s.label);
  return {
    schema: REPORT_SCHEMA,
    runId,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    partial: stoppedBy !== 'completed',
    stoppedBy,
    timeScale: f,
    config,
    environment: describeEnvironment(),
    pricing,
    catalogue,
    baseline,
    stages,
    verdict: { pass: stages.length > 0 && failedStages.length === 0 && stoppedBy === 'completed', thresholds: config.thresholds, failedStages },
    analysis: analyzeRun(stages, baseline, { mode: options.mode, messages }),
    notes,
  };
}

async function fetchCatalogue(client: AgentClient): Promise<{ services: ServiceInfo[]; timeZone: string | undefined }> {
  const answer = await client.getJson('/v1/services');
  if (!answer || answer.status !== 200) return { services: [], timeZone: undefined };
  const body = answer.body as { services?: unknown; business?: { timeZone?: unknown } } | unknown[];
  const list = Array.isArray(body) ? body : Array.isArray(body?.services) ? body.services : [];
  const services = list
    .map((s) => s as { id?: unknown; name?: unknown })
    .filter((s) => typeof s.name === 'string')
    .map((s) => ({ id: typeof s.id === 'string' ? s.id : String(s.name), name: s.name as string }));
  const timeZone = !Array.isArray(body) && typeof body?.business?.timeZone === 'string' ? body.business.timeZone : undefined;
  return { services, timeZone };
}

/**
 * The free slots of each service 2 to 10 days ahead, read once before the load starts, so
 * personas ask for days the business is open and times it offers. Optional: empty on failure.
 */
async function fetchOpenSlots(client: AgentClient, services: readonly ServiceInfo[], today: string): Promise<OpenSlots> {
  const open = new Map<string, Map<string, string[]>>();
  const from = addDays(today, 2);
  const to = addDays(today, 10);
  await Promise.all(
    services.slice(0, 20).map(async (service) => {
      const answer = await client.getJson(`/v1/availability?service=${encodeURIComponent(service.id)}&from=${from}&to=${to}`);
      const slots = (answer?.status === 200 ? (answer.body as { slots?: unknown }).slots : undefined) ?? [];
      if (!Array.isArray(slots)) return;
      const valid = slots.filter((x): x is { date: string; time: string } => typeof x?.date === 'string' && typeof x?.time === 'string');
      if (valid.length > 0) open.set(service.id, slotsByDate(valid));
    }),
  );
  return open;
}

function formatRate(rate: number): string {
  return Number.isInteger(rate) ? String(rate) : rate.toFixed(2);
}

function fmtFactor(f: number): string {
  return f < 1 ? `${Math.round(1 / f)}x faster than real time` : `${f}x slower than real time`;
}
