import type { AgentClient } from './agent-client.js';
import { round3 } from './latency-histogram.js';
import { providerMinimum, type BudgetLedger, type ProviderMinimum } from './provider-minimum.js';

/**
 * Above this many cores (CPU seconds per wall second) one process of the lab is busy enough
 * that the time scale distorts what it measures: the time scale speeds up the provider, not
 * our CPU.
 */
export const CPU_BOUND_CORES = 0.5;
/** The server's event-loop lag p99 may be at most this fraction of the median message latency. */
export const CPU_BOUND_LAG_FRACTION = 0.05;
/** The server samples its event loop every 10 ms; an idle loop reads about that much (see event-loop-lag.ts). */
const LAG_RESOLUTION_MS = 10;

/** What the lab itself did during a stage, and whether its figures count. */
export interface StageLab {
  /** Cores each process used during the stage (CPU time / wall time); null when it does not report its CPU. */
  cpuCores: { server: number | null; simulator: number | null; loadGenerator: number };
  /** The server's event-loop lag p99 over the stage beyond its 10 ms sampling, real ms; null when not reported. */
  eventLoopLagP99Ms: number | null;
  /** A process used more than half a core, or the lag p99 exceeded 5% of the median message latency. */
  cpuBound: boolean;
  cpuBoundReasons: string[];
  /** The simulator's buckets at the stage's start, with their capacities; null without the simulator. */
  budgetAtStart: { requests: number; tokens: number; requestsCapacity: number; tokensCapacity: number } | null;
  /** The provider-limited minimum (measured seconds), from the simulator's bucket model. */
  minimum: ProviderMinimum | null;
  /**
   * The simulator's token bucket read through the stage: tokens charged since the stage began
   * and tokens left, at measured seconds from the stage's start. Empty without the simulator.
   */
  budgetTrace: BudgetSample[];
}

export interface BudgetSample {
  atSec: number;
  chargedTokens: number;
  tokensLeft: number;
}

/** How often the simulator's bucket is read during a stage (wall ms): cheap, and fine enough for a window of minutes. */
const BUDGET_SAMPLE_MS = 500;

interface CpuReading {
  user: number;
  system: number;
}

interface SimReading {
  cpu?: CpuReading;
  requests?: number;
  badRequests?: number;
  rateLimited?: { requests?: number };
  tokens?: { charged?: number };
  limits?: { rpm?: number; tpm?: number; windowMs?: number; remainingRequests?: number; remainingTokens?: number };
}

const cpuOf = (body: unknown): CpuReading | undefined => {
  const cpu = (body as { cpu?: Partial<CpuReading> } | undefined)?.cpu;
  return typeof cpu?.user === 'number' && typeof cpu.system === 'number' ? { user: cpu.user, system: cpu.system } : undefined;
};
const cpuSeconds = (from: CpuReading, to: CpuReading) => (to.user - from.user + (to.system - from.system)) / 1e6;

/** What one stage's ends look like to the lab. */
interface LabMark {
  atMs: number;
  loadGenerator: NodeJS.CpuUsage;
  servers: Array<CpuReading | undefined>;
  serverLagP99Ms: Array<number | undefined>;
  sim: SimReading | undefined;
}

/**
 * Reads every process's own CPU counters (the servers' `/stats`, the simulator's
 * `/sim/stats`, this process's `process.cpuUsage()`) and the simulator's bucket levels at a
 * stage's start and end. The servers' event-loop lag window is reset by the stats poller at
 * the stage's start, so its p99 at the end covers the stage.
 */
export class LabObserver {
  readonly #servers: AgentClient[];
  readonly #readSim: (() => Promise<unknown>) | undefined;
  readonly #now: () => number;
  #start: LabMark | undefined;
  #stageStartMs = 0;
  #chargedAtStart = 0;
  readonly #trace: BudgetSample[] = [];
  #sampler: NodeJS.Timeout | undefined;
  #sampling: Promise<void> | undefined;

  /** `now`: the clock the stage's turns are timed on, so that the budget trace lines up with them. */
  constructor(servers: AgentClient[], readSim: (() => Promise<unknown>) | undefined, now: () => number = () => performance.now()) {
    this.#servers = servers;
    this.#readSim = readSim;
    this.#now = now;
  }

  async #mark(): Promise<LabMark> {
    const [servers, sim] = await Promise.all([Promise.all(this.#servers.map((client) => client.getJson('/stats', 5000))), this.#readSim?.().catch(() => undefined)]);
    return {
      atMs: performance.now(),
      loadGenerator: process.cpuUsage(),
      servers: servers.map((answer) => (answer?.status === 200 ? cpuOf(answer.body) : undefined)),
      serverLagP99Ms: servers.map((answer) => {
        const p99 = (answer?.body as { eventLoopLag?: { p99Ms?: unknown } } | undefined)?.eventLoopLag?.p99Ms;
        return answer?.status === 200 && typeof p99 === 'number' ? p99 : undefined;
      }),
      sim: sim as SimReading | undefined,
    };
  }

  /** Mark the stage's start (`stageStartMs` on the turns' clock) and read the bucket through it. */
  async begin(stageStartMs = this.#now()): Promise<void> {
    this.#start = await this.#mark();
    this.#stageStartMs = stageStartMs;
    this.#chargedAtStart = this.#start.sim?.tokens?.charged ?? 0;
    if (!this.#readSim || budgetOf(this.#start.sim) === null) return;
    this.#record(this.#start.sim);
    this.#sampler = setInterval(() => {
      this.#sampling ??= this.#readSim!()
        .then((reading) => this.#record(reading as SimReading | undefined))
        .catch(() => undefined)
        .finally(() => {
          this.#sampling = undefined;
        });
    }, BUDGET_SAMPLE_MS);
    this.#sampler.unref();
  }

  #record(reading: SimReading | undefined): void {
    const charged = reading?.tokens?.charged;
    const left = reading?.limits?.remainingTokens;
    if (charged === undefined || left === undefined) return;
    this.#trace.push({ atSec: round3((this.#now() - this.#stageStartMs) / 1000), chargedTokens: charged - this.#chargedAtStart, tokensLeft: left });
  }

  /**
   * The stage's lab figures. `medianLatencyMs` is the stage's measured median message latency;
   * `own` the single-user figures the minimum needs (null: no minimum).
   */
  async end(medianLatencyMs: () => number, own: () => { ownConversationSec: number } | null, timeScale: number): Promise<StageLab> {
    clearInterval(this.#sampler);
    await this.#sampling;
    const end = await this.#mark();
    this.#record(end.sim);
    const start = this.#start ?? end;
    const wallSec = Math.max(1e-3, (end.atMs - start.atMs) / 1000);
    const cores = (from: CpuReading | undefined, to: CpuReading | undefined) => (from && to ? cpuSeconds(from, to) / wallSec : null);
    const serverCores = end.servers.map((to, i) => cores(start.servers[i], to));
    const lags = end.serverLagP99Ms.filter((v): v is number => v !== undefined).map((v) => Math.max(0, v - LAG_RESOLUTION_MS));
    const figures = {
      cpuCores: {
        server: serverCores.every((c) => c === null) ? null : Math.max(...serverCores.map((c) => c ?? 0)),
        simulator: cores(start.sim?.cpu, end.sim?.cpu),
        loadGenerator: cpuSeconds(start.loadGenerator, end.loadGenerator) / wallSec,
      },
      eventLoopLagP99Ms: lags.length ? Math.max(...lags) : null,
    };
    const budgetAtStart = budgetOf(start.sim);
    const ledger = ledgerOf(start.sim, end.sim);
    const ownFigures = own();
    return {
      ...figures,
      ...judgeCpuBound(figures, medianLatencyMs()),
      budgetAtStart,
      minimum: ledger && ownFigures ? providerMinimum(ledger, timeScale, ownFigures) : null,
      budgetTrace: [...this.#trace],
    };
  }
}

/** The criterion of a fair time scale: no process above half a core, no event-loop lag above 5% of the median. */
export function judgeCpuBound(figures: Pick<StageLab, 'cpuCores' | 'eventLoopLagP99Ms'>, medianLatencyMs: number): Pick<StageLab, 'cpuBound' | 'cpuBoundReasons'> {
  const reasons: string[] = [];
  for (const [name, value] of Object.entries(figures.cpuCores)) {
    if (value !== null && value > CPU_BOUND_CORES) reasons.push(`${name} used ${value.toFixed(2)} cores (over ${CPU_BOUND_CORES})`);
  }
  const lag = figures.eventLoopLagP99Ms;
  if (lag !== null && medianLatencyMs > 0 && lag > CPU_BOUND_LAG_FRACTION * medianLatencyMs) {
    reasons.push(`server event-loop lag p99 ${lag.toFixed(1)} ms over ${CPU_BOUND_LAG_FRACTION * 100}% of the median message latency (${Math.round(medianLatencyMs)} ms)`);
  }
  return { cpuBound: reasons.length > 0, cpuBoundReasons: reasons };
}

function budgetOf(sim: SimReading | undefined): StageLab['budgetAtStart'] {
  const l = sim?.limits;
  if (l?.rpm === undefined || l.tpm === undefined || l.remainingRequests === undefined || l.remainingTokens === undefined) return null;
  const depth = (l.windowMs ?? 60_000) / 60_000;
  return { requests: l.remainingRequests, tokens: l.remainingTokens, requestsCapacity: Math.floor(l.rpm * depth), tokensCapacity: Math.floor(l.tpm * depth) };
}

/** The stage's charges, from the simulator's counters (reset at the stage's start). */
function ledgerOf(start: SimReading | undefined, end: SimReading | undefined): BudgetLedger | undefined {
  const l = start?.limits;
  if (!start || !end || l?.rpm === undefined || l.tpm === undefined || l.remainingRequests === undefined || l.remainingTokens === undefined) return undefined;
  // A request refused for requests spent nothing; one refused for tokens spent its request.
  const spent = (r: SimReading) => (r.requests ?? 0) - (r.badRequests ?? 0) - (r.rateLimited?.requests ?? 0);
  const requests = spent(end) - spent(start);
  return {
    limits: { rpm: l.rpm, tpm: l.tpm, windowMs: l.windowMs ?? 60_000 },
    start: { requests: l.remainingRequests, tokens: l.remainingTokens },
    charged: { requests: Math.max(0, requests), tokens: Math.max(0, (end.tokens?.charged ?? 0) - (start.tokens?.charged ?? 0)) },
  };
}
