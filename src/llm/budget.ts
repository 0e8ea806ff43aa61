import type { ProviderLimits } from './provider-headers.js';
import type { BucketName, BudgetView, ChargeMark, Need } from './token-bucket.js';

/**
 * A rate budget shared by every caller of one provider key: one atomic reservation of a
 * request and its estimated tokens against both the RPM and the TPM bucket, settled after the
 * call with what it really cost and what the provider's headers said.
 */
export interface RateBudget {
  readonly backend: 'memory' | 'redis';
  /** Reserve `need` from both buckets at once, or nothing. */
  reserve(need: Need): Promise<ReserveOutcome>;
  /**
   * After a call: return or charge the difference between reserved and real cost, learn from
   * the provider's headers, and pause the whole budget after a 429.
   */
  settle(reservation: Reservation | undefined, input: SettleRequest): Promise<void>;
  /** The budget as last seen, brought forward to now by the refill rate (synchronous, for prediction and stats). */
  snapshot(): BudgetSnapshot;
  close(): Promise<void>;
}

export interface Reservation {
  readonly need: Need;
  /** Where the budget's counters stood right after this reservation, on the budget's clock. */
  readonly mark: ChargeMark;
  /** Which store holds it: a reservation taken from the local fallback is settled there. */
  readonly store: 'memory' | 'redis' | 'fallback';
}

export type ReserveOutcome =
  | { ok: true; reservation: Reservation }
  | { ok: false; reason: 'paused' | BucketName; waitMs: number }
  | { ok: false; reason: 'too-large'; bucket: BucketName; limit: number };

export interface SettleRequest {
  /** Real cost minus reserved cost; negative returns budget. */
  delta?: Need;
  /** The provider's `x-ratelimit-*` headers on the answer to this reservation. */
  limits?: ProviderLimits;
  /** Real ms since those headers arrived (a stream settles when it ends). Default 0. */
  limitsAgeMs?: number;
  /** Pause every caller of the budget for this long (real ms from now). */
  pauseForMs?: number;
  drain?: boolean;
}

export interface BudgetSnapshot extends BudgetView {
  /** True while a shared budget is unreachable and a local share is used instead. */
  degraded: boolean;
}
