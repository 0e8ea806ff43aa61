import type { Need } from './token-bucket.js';

/** The part of a budget that predicts waits: what is left now and how fast it comes back. */
export interface RefillView {
  requests: { remaining: number; ratePerMs: number };
  tokens: { remaining: number; ratePerMs: number };
  pausedForMs: number;
}

/**
 * How long until a call can be reserved when `through` (its own need plus everything queued
 * before it) must be taken from the budget first: the slower of the two buckets to refill
 * the shortfall, and never before a pause ends. Unknown limits (infinite rate) never wait.
 */
export function predictWaitMs(through: Need, budget: RefillView): number {
  const bucketWait = (need: number, b: { remaining: number; ratePerMs: number }) =>
    !Number.isFinite(b.ratePerMs) || b.ratePerMs <= 0 || need <= b.remaining ? 0 : (need - b.remaining) / b.ratePerMs;
  return Math.max(budget.pausedForMs, bucketWait(through.requests, budget.requests), bucketWait(through.tokens, budget.tokens));
}

export type ShedVerdict = { shed: false } | { shed: true; retryAfterMs: number };

/**
 * Shed when the call would start after its deadline less the time a call takes: waiting would
 * only turn a clear "come back later" now into a timeout later. `retryAfterMs` is how late it
 * would be: by then the work ahead of it has drained enough for a new message to fit.
 */
export function shedVerdict(input: { now: number; deadlineAt: number; waitMs: number; serviceMs: number; minRetryAfterMs: number }): ShedVerdict {
  const late = input.now + input.waitMs + input.serviceMs - input.deadlineAt;
  if (late <= 0) return { shed: false };
  return { shed: true, retryAfterMs: Math.max(input.minRetryAfterMs, Math.ceil(late)) };
}

/** Real ms one call's need takes to refill: its slot of the budget's throughput. */
export function slotMs(need: Need, budget: RefillView): number {
  const time = (n: number, rate: number) => (!Number.isFinite(rate) || rate <= 0 ? 0 : n / rate);
  return Math.max(time(need.requests, budget.requests.ratePerMs), time(need.tokens, budget.tokens.ratePerMs));
}

/**
 * The Retry-After of a shed call, spread so that shed callers do not all come back at once.
 * Each shed call is promised its own slot of future throughput, after the queue ahead of it
 * (`waitMs`) and after the slot of every caller promised before it who has not come back yet
 * (`outstanding`, from a `PromiseBook`); it is told to come back when a new message would
 * finish its wait just within the same deadline window. Telling every shed caller "the queue
 * is 9 s too long" would bring them all back together into the same full queue; promising
 * consecutive slots brings them back at the rate the budget can serve them.
 */
export function promiseSlot(input: {
  now: number;
  /** Predicted wait of the call had it been queued (its own need included). */
  waitMs: number;
  slotMs: number;
  /** Callers promised a slot before this one who have not come back yet. */
  outstanding: number;
  serviceMs: number;
  deadlineAt: number;
  minRetryAfterMs: number;
}): number {
  const end = input.now + input.waitMs + input.outstanding * input.slotMs;
  return Math.max(input.minRetryAfterMs, Math.ceil(end + input.serviceMs - input.deadlineAt));
}
