import { setMaxListeners } from 'node:events';
import { addDays, isValidTimeZone, todayIn } from '../shared/local-time.js';
import { AgentClient, createLoadDispatcher } from './agent-client.js';
import type { LoadTestEvent, LoadTestOptions, LoadTestPlan, PlannedStage } from './load-test-plan.js';
import { LabObserver } from './lab-observer.js';
import type { LocalStack } from './local-stack.js';
import { NO_PROVIDER_STATS, ServerStatsPoller, SimulatorObserver } from './observers.js';
import { FALLBACK_SERVICES, slotsByDate, type OpenSlots, type ServiceInfo } from './personas.js';
import type { LoadTestReport, StageReport } from './report-types.js';
import { StageRecorder } from './stage-recorder.js';
import { runStage, sleepUntil, type StageRunnerContext } from './stage-runner.js';

/** What running the plan produced: every stage's figures and what the report must say about the run. */
export interface LoadTestExecution {
  runId: string;
  startedAt: Date;
  finishedAt: Date;
  stoppedBy: LoadTestReport['stoppedBy'];
  /** The servers measured (the local one when the run started its own). */
  targets: string[];
  localStack: boolean;
  simUrl: string | undefined;
  catalogue: LoadTestReport['catalogue'];
  baseline: StageReport | null;
  stages: StageReport[];
  /** What happened that the figures alone do not say (a reset that failed, a missing endpoint). */
  notes: string[];
}

/**
 * Run the planned stages against the targets, or against a local simulator and server it
 * starts (and always stops). Never throws for what the system under test does: failures
 * are figures. Stopping through `options.signal`, or the whole-run bound, ends the run early.
 */
export async function executeLoadTest(plan: LoadTestPlan, options: LoadTestOptions, runId: string): Promise<LoadTestExecution> {
  const emit = (event: LoadTestEvent) => options.onEvent?.(event);
  const startedAt = new Date();
  // One controller stops everything: Ctrl-C (the caller's signal) or the whole-run bound.
  const run = new AbortController();
  setMaxListeners(0, run.signal);
  let stoppedBy: LoadTestReport['stoppedBy'] = 'completed';
  const onSignal = () => {
    if (stoppedBy === 'completed') stoppedBy = 'signal';
    run.abort();
  };
  if (options.signal?.aborted) onSignal();
  options.signal?.addEventListener('abort', onSignal, { once: true });
  const runBound = setTimeout(() => {
    if (stoppedBy === 'completed') stoppedBy = 'run-bound';
    run.abort();
  }, plan.applied.maxDurationMs);

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
      stack = await options.startLocalStack({ timeScale: plan.timeScale, simPreset: options.simPreset, simArgs: options.simArgs, serverArgs: options.serverArgs, logDir: options.logDir });
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
      messages: plan.messages,
      thinkTimeMs: plan.applied.thinkTimeMs,
      timeoutMs: plan.applied.timeoutMs,
      shedRetries: options.shedRetries,
      stream: options.stream,
      seed: options.seed,
    };
    const statsClients = targets.map((baseUrl) => new AgentClient({ baseUrl, apiKey: options.apiKey, customerId: `lt-${runId}-stats`, dispatcher, now: options.now }));
    const poller = new ServerStatsPoller(statsClients, Math.max(100, options.statsIntervalMs));
    const sim = simUrl ? new SimulatorObserver(simUrl) : undefined;

    const runOne = async ({ plan: stagePlan, label, plannedMessages }: PlannedStage): Promise<StageReport> => {
      const recorder = new StageRecorder();
      if (sim && !(await sim.reset())) notes.push(`POST /sim/reset failed before ${label}: provider counts of that stage may include earlier traffic.`);
      const arrivalRatePerSec = stagePlan.kind === 'open' ? stagePlan.arrivalsPerSec * plan.timeScale : null;
      emit({ type: 'stage-start', label, kind: stagePlan.kind, users: stagePlan.kind === 'open' ? null : stagePlan.users, arrivalRatePerSec, plannedMessages, timeScale: plan.timeScale });
      const stageContext: StageRunnerContext = { ...context, onTurn: options.onTurn ? (turn) => options.onTurn?.({ ...turn, stage: label }) : undefined };
      await poller.start();
      const lab = new LabObserver(statsClients, sim ? () => sim.stats() : undefined, options.now);
      const stageStart = options.now();
      await lab.begin(stageStart);
      const ticker = setInterval(() => emit({ type: 'stage-progress', label, elapsedMs: options.now() - stageStart, snapshot: recorder.snapshot() }), 250);
      ticker.unref();
      let timing;
      try {
        timing = await runStage(stagePlan, stageContext, recorder, run.signal);
      } finally {
        clearInterval(ticker);
      }
      const labFigures = await lab.end(
        () => recorder.messageLatency.summary().p50,
        () => (baseline ? ownFigures(baseline, plan) : null),
        plan.timeScale,
      );
      const server = await poller.stop();
      const provider = sim ? await sim.observe() : NO_PROVIDER_STATS;
      const report = recorder.finalize({
        label,
        kind: stagePlan.kind,
        users: stagePlan.kind === 'open' ? recorder.peakUsersActive : stagePlan.users,
        arrivalRatePerSec,
        runStartMs,
        startMs: timing.startMs,
        endMs: timing.endMs,
        boundedBy: timing.boundedBy,
        timeScale: plan.timeScale,
        pricing: plan.pricing,
        thresholds: plan.thresholds,
        provider,
        server,
        lab: labFigures,
      });
      emit({ type: 'stage-end', stage: report });
      return report;
    };

    if (plan.baseline && !run.signal.aborted) baseline = await runOne(plan.baseline);
    for (const [i, stage] of plan.stages.entries()) {
      if (run.signal.aborted) break;
      if (i > 0 || baseline) {
        if (options.cooldownSec !== 'budget') await sleepUntil(options.now, options.now() + plan.applied.cooldownMs, run.signal);
        else if (!sim) notes.push('--cooldown budget needs the simulator (--sim-url): stages followed each other without a pause.');
        else if (!(await waitForFullBudget(sim, options.now, plan.applied.cooldownMs + 10_000, run.signal))) notes.push(`The provider budget was not full again before ${stage.label}; its starting level is in the report.`);
      }
      if (run.signal.aborted) break;
      stages.push(await runOne(stage));
    }
  } finally {
    clearTimeout(runBound);
    options.signal?.removeEventListener('abort', onSignal);
    await stack?.stop();
    await dispatcher.close().catch(() => undefined);
  }
  return { runId, startedAt, finishedAt: new Date(), stoppedBy, targets, localStack: stack !== undefined, simUrl, catalogue, baseline, stages, notes };
}

/**
 * Poll the simulator until both rate-limit buckets are full (within one unit), at most
 * `boundMs`; false when they were not (or the simulator could not be read).
 */
async function waitForFullBudget(sim: SimulatorObserver, now: () => number, boundMs: number, signal: AbortSignal): Promise<boolean> {
  const until = now() + boundMs;
  while (!signal.aborted) {
    const stats = (await sim.stats().catch(() => undefined)) as { limits?: { rpm?: number; tpm?: number; windowMs?: number; remainingRequests?: number; remainingTokens?: number } } | undefined;
    const l = stats?.limits;
    if (!l || l.rpm === undefined || l.tpm === undefined || l.remainingRequests === undefined || l.remainingTokens === undefined) return false;
    const depth = (l.windowMs ?? 60_000) / 60_000;
    if (l.remainingRequests >= Math.floor(l.rpm * depth) - 1 && l.remainingTokens >= Math.floor(l.tpm * depth) - 1) return true;
    if (now() >= until) return false;
    await sleepUntil(now, Math.min(until, now() + 100), signal);
  }
  return false;
}

/**
 * One user's figure that bounds a stage from below: a conversation on its own (the
 * single-user median conversation plus the shortest think times between its messages),
 * measured seconds. A median, not a maximum: a stage's conversations differ from the
 * baseline's, and a bound must not exceed what a stage can achieve.
 */
function ownFigures(baseline: StageReport, plan: LoadTestPlan): { ownConversationSec: number } {
  // Think times are jittered 50-150% of the mean.
  return { ownConversationSec: (baseline.conversationLatencyMs.p50 + 0.5 * plan.applied.thinkTimeMs * Math.max(0, plan.messages - 1)) / 1000 };
}

/** Today's date (YYYY-MM-DD) in the business's time zone; the machine's own when the server names none it knows. */
export function businessToday(timeZone: string | undefined, now: Date): string {
  return todayIn(timeZone && isValidTimeZone(timeZone) ? timeZone : Intl.DateTimeFormat().resolvedOptions().timeZone, now);
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
