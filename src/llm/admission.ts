import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { AdmissionGate } from './admission-gate.js';
import { createAdmissionFetch, emptyCounters, type ProviderCounters } from './admission-fetch.js';
import { budgetBackendOf, budgetRedisUrl, configuredLimits, llmAttemptTimeoutMs, llmIdleTimeoutMs, type AdmissionSettings } from './admission-settings.js';
import type { RateBudget } from './budget.js';
import { CircuitBreaker, type CircuitState } from './circuit-breaker.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { MemoryBudget } from './memory-budget.js';
import type { LlmObserver } from './llm-observer.js';
import { createMeteredFetch } from './metered-fetch.js';
import { RedisBudget } from './redis-budget.js';
import { RedisDemandBoard } from './redis-demand-board.js';
import { currentRunContext } from './run-context.js';
import { redactUrl } from '../shared/dependency-errors.js';
import { isConciergeError } from '../shared/errors.js';
import { createTokenEstimator } from './token-estimate.js';
import type { BucketView, BudgetConfig } from './token-bucket.js';

export interface AdmissionDeps {
  /** The fetch under the gate. Default: `createMeteredFetch(globalThis.fetch)`. */
  fetch?: typeof fetch;
  clock?: Clock;
  random?: () => number;
  /** An ioredis client for the Redis backend; the caller keeps ownership. Default: one made from `redisUrl`. */
  redis?: Redis;
  /** Provider identity, to derive the budget key up front; otherwise it is taken from the first call. */
  provider?: { baseURL: string; apiKey: string };
  log?: (line: string) => void;
  /** Redis backend only: use the injected clock instead of Redis `TIME` (tests). */
  redisTime?: boolean;
  /**
   * Redis backend only: this replica's name, so that its queue's demand is shared with the
   * other replicas of the budget (their shed decisions and fair share see one queue).
   */
  replicaId?: string;
  /** Told how long each admitted call waited (metrics). */
  observer?: LlmObserver;
}

export interface Admission {
  /** The fetch to give the OpenAI SDK (`configuration.fetch`); with admission off, the inner fetch itself. */
  readonly fetch: typeof fetch;
  /**
   * Throws AdmissionShedError (503 OVERLOADED, with Retry-After) when a new message from this
   * customer would be shed anyway, before the server does any work for it. No-op when off.
   */
  preflight(customerId: string, deadlineAt: number): void;
  stats(): AdmissionStats;
  /** Shed whatever still waits and release the Redis connection (if this module made it). */
  close(): Promise<void>;
}

export interface AdmissionStats {
  admission: 'on' | 'off';
  backend: 'memory' | 'redis';
  /** The shared budget is unreachable and a local share is in use. */
  degraded: boolean;
  timeScale: number;
  budgetKey: string | undefined;
  queue: { depth: number; continuing: number; new: number; max: number; customers: number };
  inFlight: number;
  /** Calls admitted since start (retries included). */
  admitted: number;
  /** Real ms calls waited for admission. */
  queueWaitMs: { count: number; p50: number; p95: number; max: number };
  budget: {
    /** Per-minute limits in force (configuration, lowered by headers); null = unknown. */
    requests: BudgetFigures;
    tokens: BudgetFigures;
    safety: number;
    pausedForMs: number;
  };
  provider: ProviderCounters;
  retries: number;
  sheds: { deadline: number; 'queue-full': number; closing: number; total: number };
  circuit: { state: CircuitState; opens: number; byModel: Record<string, { state: CircuitState; opens: number }> };
  /** Smoothed real ms of one provider call. */
  serviceMs: number;
  /** Smoothed LLM calls per message: a new message is admitted only if all of them fit its deadline. */
  callsPerMessage: number;
  /** Replicas whose queues this one's predictions count (itself included; 1 without a shared board). */
  replicas: number;
}

/** One bucket of the budget as `/stats` and `/metrics` show it; null = unknown. */
export interface BudgetFigures {
  limit: number | null;
  allowedPerMinute: number | null;
  remaining: number | null;
  /** What the bucket holds when full (allowedPerMinute over the bucket's depth). */
  capacity: number | null;
  /** remaining / capacity, 0..1, unrounded. */
  remainingRatio: number | null;
}

/** A budget key that names the provider account without containing its key. */
export function deriveBudgetKey(baseURL: string, apiKey: string): string {
  return createHash('sha256').update(`${baseURL.replace(/\/+$/, '')}\n${apiKey}`).digest('hex').slice(0, 24);
}

/**
 * Admission control for LLM calls, as a fetch for the OpenAI SDK. Nominal settings are turned
 * into real time here, once: with time scale F a nominal minute of budget refills over 60·F
 * real seconds and every nominal deadline, timeout and backoff lasts F times as long, while
 * hints read from the provider are already real and used as they are.
 */
export function createAdmission(settings: AdmissionSettings, deps: AdmissionDeps = {}): Admission {
  const inner = deps.fetch ?? createMeteredFetch(globalThis.fetch);
  const counters = emptyCounters();
  if (settings.admission === 'off') return { fetch: countingFetch(inner, counters), preflight: () => {}, stats: () => offStats(settings, counters), close: async () => {} };

  const clock = deps.clock ?? systemClock;
  const random = deps.random ?? Math.random;
  const log = deps.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const F = settings.timeScale;
  const limits = configuredLimits(settings);
  const config: BudgetConfig = {
    requests: { configured: limits.rpm },
    tokens: { configured: limits.tpm },
    safety: settings.budgetSafety,
    share: 1,
    periodMs: 60_000 * F,
    depthMs: settings.budgetDepthMs * F,
  };

  let budgetKey = settings.budgetKey ?? (deps.provider ? deriveBudgetKey(deps.provider.baseURL, deps.provider.apiKey) : undefined);
  let ownRedis: Redis | undefined;
  let budget: RateBudget;
  if (budgetBackendOf(settings) === 'redis') {
    const redis = deps.redis ?? (ownRedis = connectRedis(budgetRedisUrl(settings)));
    budget = new RedisBudget({
      redis,
      key: () => budgetKey ?? 'default',
      config,
      fallback: new MemoryBudget({ ...config, share: 1 / settings.budgetProcesses }, clock, 'fallback'),
      clock,
      redisTime: deps.redisTime ?? true,
      log,
      ...(deps.redis ? {} : { where: redactUrl(budgetRedisUrl(settings)) }),
    });
  } else budget = new MemoryBudget(config, clock);

  let demand: RedisDemandBoard | undefined;
  if (budget.backend === 'redis' && deps.replicaId) {
    demand = new RedisDemandBoard({
      redis: deps.redis ?? ownRedis!,
      // Beside the budget's keys (same hash tag): one board per shared budget.
      key: () => `{concierge:${budgetKey ?? 'default'}}:demand`,
      replicaId: deps.replicaId,
      source: () => gate.demand(),
      log,
    });
  }
  const gate: AdmissionGate = new AdmissionGate(
    {
      budget,
      clock,
      queueMax: settings.queueMax,
      minRetryAfterMs: Math.max(100, 1000 * F),
      pollJitterMs: budget.backend === 'redis' ? 2 : 0,
      random,
      outstandingShare: budget.backend === 'redis' ? 1 / settings.budgetProcesses : 1,
      callsPerMessagePrior: settings.callsPerMessage,
      ...(demand ? { demand } : {}),
    },
    limits.rpm === undefined || limits.tpm === undefined,
  );
  const breakers = new Map<string, CircuitBreaker>();
  const breakerFor = (model: string) => {
    let breaker = breakers.get(model);
    if (!breaker) breakers.set(model, (breaker = new CircuitBreaker({ failureThreshold: settings.circuitFailures, cooldownMs: settings.circuitCooldownMs * F, clock })));
    return breaker;
  };

  const estimator = createTokenEstimator();
  estimator.warm();
  const admissionFetch = createAdmissionFetch({
    inner,
    gate,
    estimator,
    clock,
    random,
    defaultDeadlineMs: settings.deadlineMs * F,
    maxCompletionTokens: settings.maxCompletionTokens,
    maxRetries: settings.llmMaxRetries,
    attemptTimeoutMs: llmAttemptTimeoutMs(settings),
    idleTimeoutMs: llmIdleTimeoutMs(settings),
    backoff: { baseMs: settings.backoffBaseMs * F, capMs: settings.backoffCapMs * F },
    chargeBasis: settings.chargeBasis,
    fallbackModel: settings.fallbackModel,
    breakerFor,
    counters,
    observer: deps.observer,
    onProvider: budgetKey === undefined ? (baseURL, apiKey) => (budgetKey ??= deriveBudgetKey(baseURL, apiKey)) : undefined,
  });

  // Every typed failure is noted on the run before it is thrown: the SDK wraps a throwing
  // fetch in its own connection error and may lose the original on the way up.
  const fetchNotingFailures: typeof fetch = async (input, init) => {
    try {
      return await admissionFetch(input, init);
    } catch (error) {
      const context = currentRunContext();
      if (context && isConciergeError(error)) context.llmFailure = error;
      throw error;
    }
  };

  return {
    fetch: fetchNotingFailures,
    preflight: (customerId, deadlineAt) => {
      const shed = gate.preflight(customerId, deadlineAt);
      if (shed) throw shed;
    },
    stats: () => {
      const g = gate.stats();
      const b = budget.snapshot();
      const byModel: Record<string, { state: CircuitState; opens: number }> = {};
      let state: CircuitState = 'closed';
      let opens = 0;
      for (const [model, breaker] of breakers) {
        byModel[model] = { state: breaker.state, opens: breaker.opens };
        opens += breaker.opens;
        if (breaker.state === 'open' || (breaker.state === 'half-open' && state === 'closed')) state = breaker.state;
      }
      return {
        admission: 'on',
        backend: budget.backend,
        degraded: b.degraded,
        timeScale: F,
        budgetKey,
        queue: g.queue,
        inFlight: g.inFlight,
        admitted: g.admitted,
        queueWaitMs: g.queueWaitMs,
        budget: {
          requests: budgetFigures(b.requests),
          tokens: budgetFigures(b.tokens),
          safety: settings.budgetSafety,
          pausedForMs: Math.round(b.pausedForMs),
        },
        provider: { ...counters },
        retries: counters.retries,
        sheds: g.sheds,
        circuit: { state, opens, byModel },
        serviceMs: g.serviceMs,
        callsPerMessage: g.callsPerMessage,
        replicas: demand?.replicas() ?? 1,
      };
    },
    close: async () => {
      await demand?.close();
      gate.close();
      await budget.close();
      if (ownRedis) await ownRedis.quit().catch(() => ownRedis?.disconnect());
    },
  };
}

/**
 * The client for a shared budget. No offline queue and a short command timeout: a budget
 * call that cannot be answered at once goes to the local share instead of holding a user's
 * message behind a reconnecting socket. Reconnection keeps trying in the background.
 */
function connectRedis(url: string): Redis {
  return new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 1000,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(100 * times, 2000),
  });
}

/** Admission off: no gate, but `/stats` still shows what the provider answered. */
function countingFetch(inner: typeof fetch, counters: ProviderCounters): typeof fetch {
  return async (input, init) => {
    counters.calls += 1;
    try {
      const response = await inner(input, init);
      if (response.ok) counters.ok += 1;
      else if (response.status === 429) counters.rateLimited += 1;
      else if (response.status >= 500) counters.serverErrors += 1;
      return response;
    } catch (error) {
      if ((error as { name?: string }).name === 'TimeoutError' || (error as { name?: string }).name === 'AbortError') counters.timeouts += 1;
      else counters.networkErrors += 1;
      throw error;
    }
  };
}

function offStats(settings: AdmissionSettings, counters: ProviderCounters): AdmissionStats {
  return {
    admission: 'off',
    backend: 'memory',
    degraded: false,
    timeScale: settings.timeScale,
    budgetKey: undefined,
    queue: { depth: 0, continuing: 0, new: 0, max: 0, customers: 0 },
    inFlight: 0,
    admitted: 0,
    queueWaitMs: { count: 0, p50: 0, p95: 0, max: 0 },
    budget: { requests: UNKNOWN_BUDGET, tokens: UNKNOWN_BUDGET, safety: 1, pausedForMs: 0 },
    provider: counters,
    retries: 0,
    sheds: { deadline: 0, 'queue-full': 0, closing: 0, total: 0 },
    circuit: { state: 'closed', opens: 0, byModel: {} },
    serviceMs: 0,
    callsPerMessage: settings.callsPerMessage,
    replicas: 1,
  };
}

const UNKNOWN_BUDGET: BudgetFigures = Object.freeze({ limit: null, allowedPerMinute: null, remaining: null, capacity: null, remainingRatio: null });

function budgetFigures(bucket: BucketView): BudgetFigures {
  const known = bucket.limit !== undefined;
  const finite = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? null : Math.round(n));
  const ratio = known && bucket.capacity > 0 && Number.isFinite(bucket.remaining) ? Math.min(1, Math.max(0, bucket.remaining / bucket.capacity)) : null;
  return { limit: finite(bucket.limit), allowedPerMinute: finite(bucket.allowedPerMinute), remaining: finite(bucket.remaining), capacity: known ? finite(bucket.capacity) : null, remainingRatio: ratio };
}
