import type { ProviderLimits } from './provider-headers.js';

/**
 * The arithmetic of the rate budget, as pure functions of (state, config, now): two token
 * buckets, requests and tokens, refilled continuously and one minute deep by default, like
 * the provider's own limiter. The in-process budget runs these functions; the Redis budget
 * runs the same rules in one Lua script (redis-budget-script.ts), and a shared contract test
 * holds the two to the same behaviour.
 */

export interface BucketState {
  /** Units available at `at`. Negative after a call turned out to cost more than reserved. */
  level: number;
  /** When `level` was last brought up to date (ms on the budget's clock). */
  at: number;
  /** Net units charged so far; lets a provider's `remaining` header be aged to now. */
  charged: number;
  /** Per-minute limit the provider's headers last stated. */
  learned: number | undefined;
}

export interface BucketConfig {
  /** Per-minute limit from configuration; undefined = learn it from the provider. */
  configured: number | undefined;
}

export interface BudgetConfig {
  requests: BucketConfig;
  tokens: BucketConfig;
  /** Fraction of the provider's limit to use, e.g. 0.95. */
  safety: number;
  /** Fraction of the budget this budget may spend: 1, or 1/N for a local share of a shared budget. */
  share: number;
  /** Real ms of one nominal minute: 60,000 times the time scale. */
  periodMs: number;
  /** Real ms of bucket depth: how long an idle bucket takes to fill from empty (default one minute). */
  depthMs: number;
}

export interface BudgetState {
  requests: BucketState;
  tokens: BucketState;
  /** Nobody may call the provider before this time (a 429 paused the budget). */
  pausedUntil: number;
}

export type BucketName = 'requests' | 'tokens';

export interface Need {
  requests: number;
  tokens: number;
}

export type ReserveDecision =
  | { ok: true; state: BudgetState }
  | { ok: false; reason: 'paused' | BucketName; waitMs: number; state: BudgetState }
  | { ok: false; reason: 'too-large'; bucket: BucketName; limit: number; state: BudgetState };

export function freshBucket(now: number): BucketState {
  return { level: Number.NaN, at: now, charged: 0, learned: undefined };
}

export function freshBudget(now: number): BudgetState {
  return { requests: freshBucket(now), tokens: freshBucket(now), pausedUntil: 0 };
}

/** The provider's per-minute limit as we know it: configuration, lowered (never raised) by headers. */
export function rawLimit(bucket: BucketState, config: BucketConfig): number | undefined {
  const { configured } = config;
  const { learned } = bucket;
  if (configured === undefined) return learned;
  if (learned === undefined) return configured;
  return Math.min(configured, learned);
}

export interface BucketShape {
  /** Provider's per-minute limit; undefined = unlimited as far as we know. */
  limit: number | undefined;
  capacity: number;
  /** Units per real ms. */
  ratePerMs: number;
}

export function shapeOf(bucket: BucketState, config: BucketConfig, budget: BudgetConfig): BucketShape {
  const limit = rawLimit(bucket, config);
  if (limit === undefined) return { limit: undefined, capacity: Number.POSITIVE_INFINITY, ratePerMs: Number.POSITIVE_INFINITY };
  const perMinute = limit * budget.safety * budget.share;
  return { limit, capacity: (perMinute * budget.depthMs) / budget.periodMs, ratePerMs: perMinute / budget.periodMs };
}

/**
 * Bring a bucket up to `now`. A bucket never seen before (level NaN) starts full, as the
 * provider's does; one without a known limit keeps NaN until a limit is learned, and the
 * header that teaches the limit also brings the level down to what the provider has left.
 */
export function refill(bucket: BucketState, shape: BucketShape, now: number): BucketState {
  if (shape.limit === undefined) return { ...bucket, at: Math.max(bucket.at, now) };
  if (Number.isNaN(bucket.level)) return { ...bucket, level: shape.capacity, at: Math.max(bucket.at, now) };
  const elapsed = Math.max(0, now - bucket.at);
  return { ...bucket, level: Math.min(shape.capacity, bucket.level + elapsed * shape.ratePerMs), at: Math.max(bucket.at, now) };
}

function refillAll(state: BudgetState, config: BudgetConfig, now: number): BudgetState {
  return {
    requests: refill(state.requests, shapeOf(state.requests, config.requests, config), now),
    tokens: refill(state.tokens, shapeOf(state.tokens, config.tokens, config), now),
    pausedUntil: state.pausedUntil,
  };
}

/**
 * Take `need` from both buckets at once, or nothing. A bucket that is full admits any single
 * call up to the provider's limit even if it is larger than the (safety-reduced) capacity,
 * leaving the level negative; a call above the provider's limit can never be served.
 */
export function reserve(state: BudgetState, config: BudgetConfig, need: Need, now: number): ReserveDecision {
  const s = refillAll(state, config, now);
  for (const name of ['tokens', 'requests'] as const) {
    const limit = rawLimit(s[name], config[name]);
    if (limit !== undefined && need[name] > limit) return { ok: false, reason: 'too-large', bucket: name, limit, state: s };
  }
  if (s.pausedUntil > now) return { ok: false, reason: 'paused', waitMs: s.pausedUntil - now, state: s };
  let waitMs = 0;
  let reason: BucketName = 'requests';
  for (const name of ['requests', 'tokens'] as const) {
    const shape = shapeOf(s[name], config[name], config);
    if (shape.limit === undefined) continue;
    const { level } = s[name];
    if (level >= need[name] || level >= shape.capacity) continue;
    const target = Math.min(need[name], shape.capacity);
    const wait = (target - level) / shape.ratePerMs;
    if (wait > waitMs) {
      waitMs = wait;
      reason = name;
    }
  }
  if (waitMs > 0) return { ok: false, reason, waitMs, state: s };
  return {
    ok: true,
    state: {
      requests: { ...s.requests, level: s.requests.level - need.requests, charged: s.requests.charged + need.requests },
      tokens: { ...s.tokens, level: s.tokens.level - need.tokens, charged: s.tokens.charged + need.tokens },
      pausedUntil: s.pausedUntil,
    },
  };
}

/** Where a reservation stood, so a later header can be aged to now. */
export interface ChargeMark {
  /** Budget clock time of the reservation. */
  at: number;
  requests: number;
  tokens: number;
}

export interface SettleInput {
  /** Actual minus reserved (negative returns unused budget). */
  delta?: Need;
  /**
   * What the provider's headers said about the call reserved at `mark`, `ageMs` ago (real
   * ms since the headers arrived: the provider counted `remaining` no later than that).
   */
  observed?: { limits: ProviderLimits; mark: ChargeMark; ageMs: number };
  /** Pause everyone for this long from now (a duration, so budgets on other clocks agree). */
  pauseForMs?: number;
  /** Empty both buckets (a 429 without usable headers: the provider knows better than we do). */
  drain?: boolean;
}

/**
 * Apply what a finished call taught: the real cost (delta), the provider's headers (limits
 * may lower ours; `remaining`, aged by the refill and by what was charged since the call was
 * reserved, may lower our level but never raise it), and a pause after a 429.
 */
export function settle(state: BudgetState, config: BudgetConfig, input: SettleInput, now: number): BudgetState {
  let s = refillAll(state, config, now);
  if (input.observed) {
    const { limits, mark, ageMs } = input.observed;
    s = {
      ...s,
      requests: learn(s.requests, limits.limitRequests),
      tokens: learn(s.tokens, limits.limitTokens),
    };
    s = refillAll(s, config, now);
    s = {
      ...s,
      requests: lowerTo(s.requests, config.requests, config, limits.limitRequests, limits.remainingRequests, ageMs, s.requests.charged - mark.requests),
      tokens: lowerTo(s.tokens, config.tokens, config, limits.limitTokens, limits.remainingTokens, ageMs, s.tokens.charged - mark.tokens),
    };
  }
  if (input.delta) {
    const requestsShape = shapeOf(s.requests, config.requests, config);
    const tokensShape = shapeOf(s.tokens, config.tokens, config);
    s = {
      ...s,
      requests: { ...s.requests, level: Math.min(requestsShape.capacity, s.requests.level - input.delta.requests), charged: s.requests.charged + input.delta.requests },
      tokens: { ...s.tokens, level: Math.min(tokensShape.capacity, s.tokens.level - input.delta.tokens), charged: s.tokens.charged + input.delta.tokens },
    };
  }
  if (input.drain) s = { ...s, requests: { ...s.requests, level: Math.min(0, s.requests.level) }, tokens: { ...s.tokens, level: Math.min(0, s.tokens.level) } };
  if (input.pauseForMs !== undefined && now + input.pauseForMs > s.pausedUntil) s = { ...s, pausedUntil: now + input.pauseForMs };
  return s;
}

function learn(bucket: BucketState, limit: number | undefined): BucketState {
  return limit !== undefined && limit > 0 ? { ...bucket, learned: limit } : bucket;
}

/**
 * The provider said `remaining` when it admitted the call, at least `elapsed` ms ago; since
 * then its bucket refilled and `chargedSince` more was reserved by us (counted from our
 * reservation, which may include calls the provider had already counted: erring low). Our level may not exceed that
 * estimate less the headroom our safety margin (and share) keeps below the provider's limit.
 */
function lowerTo(
  bucket: BucketState,
  config: BucketConfig,
  budget: BudgetConfig,
  headerLimit: number | undefined,
  remaining: number | undefined,
  elapsed: number,
  chargedSince: number,
): BucketState {
  const providerLimit = headerLimit ?? rawLimit(bucket, config);
  if (remaining === undefined || providerLimit === undefined) return bucket;
  const shape = shapeOf(bucket, config, budget);
  const providerCapacity = (providerLimit * budget.depthMs) / budget.periodMs;
  const estimate = Math.min(providerCapacity, remaining + (Math.max(0, elapsed) * providerLimit) / budget.periodMs - chargedSince);
  const ceiling = estimate - (providerCapacity - shape.capacity);
  return ceiling < bucket.level ? { ...bucket, level: ceiling } : bucket;
}

/** What a budget looks like from outside, at `now`. */
export interface BudgetView {
  requests: BucketView;
  tokens: BucketView;
  pausedForMs: number;
}

export interface BucketView {
  /** Provider's per-minute limit in force (before safety and share); undefined = unknown. */
  limit: number | undefined;
  /** What we allow ourselves per minute: limit x safety x share. */
  allowedPerMinute: number | undefined;
  /** Units available now (may be negative). */
  remaining: number;
  capacity: number;
  ratePerMs: number;
}

export function view(state: BudgetState, config: BudgetConfig, now: number): BudgetView {
  const s = refillAll(state, config, now);
  const bucketView = (name: BucketName): BucketView => {
    const shape = shapeOf(s[name], config[name], config);
    return {
      limit: shape.limit,
      allowedPerMinute: shape.limit === undefined ? undefined : shape.limit * config.safety * config.share,
      remaining: shape.limit === undefined ? Number.POSITIVE_INFINITY : s[name].level,
      capacity: shape.capacity,
      ratePerMs: shape.ratePerMs,
    };
  };
  return { requests: bucketView('requests'), tokens: bucketView('tokens'), pausedForMs: Math.max(0, s.pausedUntil - now) };
}
