import type { BudgetSnapshot, RateBudget, Reservation, ReserveOutcome, SettleRequest } from './budget.js';
import type { Clock } from '../shared/clock.js';
import type { ProviderLimits } from './provider-headers.js';
import { freshBudget, reserve, settle, view, type BudgetConfig, type BudgetState, type Need } from './token-bucket.js';

/**
 * The in-process budget: the token-bucket functions over one state object. JavaScript runs
 * one reservation at a time, so a plain object is already atomic.
 */
export class MemoryBudget implements RateBudget {
  readonly backend = 'memory' as const;
  readonly #config: BudgetConfig;
  readonly #clock: Clock;
  readonly #store: Reservation['store'];
  #state: BudgetState;

  constructor(config: BudgetConfig, clock: Clock, store: 'memory' | 'fallback' = 'memory') {
    this.#config = config;
    this.#clock = clock;
    this.#store = store;
    this.#state = freshBudget(clock.now());
  }

  /** Fraction of the provider's budget this budget may spend. */
  get share(): number {
    return this.#config.share;
  }

  async reserve(need: Need): Promise<ReserveOutcome> {
    return this.reserveNow(need);
  }

  reserveNow(need: Need): ReserveOutcome {
    const now = this.#clock.now();
    const decision = reserve(this.#state, this.#config, need, now);
    this.#state = decision.state;
    if (decision.ok) {
      const { requests, tokens } = decision.state;
      return { ok: true, reservation: { need, mark: { at: now, requests: requests.charged, tokens: tokens.charged }, store: this.#store } };
    }
    if (decision.reason === 'too-large') return { ok: false, reason: 'too-large', bucket: decision.bucket, limit: decision.limit };
    return { ok: false, reason: decision.reason, waitMs: decision.waitMs };
  }

  async settle(reservation: Reservation | undefined, input: SettleRequest): Promise<void> {
    this.settleNow(reservation, input);
  }

  settleNow(reservation: Reservation | undefined, input: SettleRequest): void {
    const observed = input.limits && reservation ? { limits: input.limits, mark: reservation.mark, ageMs: input.limitsAgeMs ?? 0 } : undefined;
    this.#state = settle(this.#state, this.#config, { delta: input.delta, observed, pauseForMs: input.pauseForMs, drain: input.drain }, this.#clock.now());
  }

  /** Learn only the limits (not the levels) from a call settled elsewhere, so a fallback knows them too. */
  learnLimits(limits: ProviderLimits): void {
    const { limitRequests, limitTokens } = limits;
    if (limitRequests === undefined && limitTokens === undefined) return;
    const mark = { at: this.#clock.now(), requests: this.#state.requests.charged, tokens: this.#state.tokens.charged };
    this.#state = settle(this.#state, this.#config, { observed: { limits: { limitRequests, limitTokens }, mark, ageMs: 0 } }, this.#clock.now());
  }

  snapshot(): BudgetSnapshot {
    return { ...view(this.#state, this.#config, this.#clock.now()), degraded: false };
  }

  async close(): Promise<void> {}
}
