/** The simulator's buckets when a stage started, and what the stage was charged. */
export interface BudgetLedger {
  /** Per-minute limits and the buckets' depth (nominal ms of refill). */
  limits: { rpm: number; tpm: number; windowMs: number };
  /** Levels at the stage's start. */
  start: { requests: number; tokens: number };
  /** What the provider admitted during the stage. */
  charged: { requests: number; tokens: number };
}

export interface ProviderMinimum {
  /** The smallest possible makespan, in the run's own (measured) seconds. */
  minimumSec: number;
  /** Seconds of refill the charged tokens needed beyond the starting level. */
  tokensSec: number;
  /** The same for requests. */
  requestsSec: number;
  /** The longest conversation on its own (no queueing): the bound when the budget never binds. */
  ownConversationSec: number;
}

/**
 * The provider-limited minimum makespan of a stage, from the simulator's own bucket model.
 * The provider can admit no more than the starting level plus the refill since the start, so
 * the last of `charged` units is admitted no sooner than `(charged - start) / rate`; and no
 * stage ends before its longest conversation could on its own. The last call's own latency
 * is not added: only its median is known, and a median is no bound (with it, a stage measured
 * 0.999x its "minimum"). A makespan below this means the figures are wrong, not the system fast.
 *
 * `timeScale` F: a nominal minute lasts 60·F measured seconds.
 */
export function providerMinimum(ledger: BudgetLedger, timeScale: number, own: { ownConversationSec: number }): ProviderMinimum {
  const minuteSec = 60 * timeScale;
  const refillSec = (charged: number, start: number, perMinute: number) => (perMinute > 0 ? (Math.max(0, charged - start) / perMinute) * minuteSec : 0);
  const tokensSec = refillSec(ledger.charged.tokens, ledger.start.tokens, ledger.limits.tpm);
  const requestsSec = refillSec(ledger.charged.requests, ledger.start.requests, ledger.limits.rpm);
  const budgetSec = Math.max(tokensSec, requestsSec);
  const minimumSec = Math.max(budgetSec, own.ownConversationSec);
  return { minimumSec, tokensSec, requestsSec, ownConversationSec: own.ownConversationSec };
}
