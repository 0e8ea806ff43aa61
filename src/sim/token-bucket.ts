import type { Clock } from '../shared/clock.js';

/**
 * A token bucket refilled continuously: `capacity` units, refilled from empty to full over
 * `refillMs`. Starts full. Levels are fractional so that slow refill rates stay exact.
 */
export class TokenBucket {
  readonly capacity: number;
  readonly #ratePerMs: number;
  readonly #clock: Clock;
  #level: number;
  #last: number;

  constructor(capacity: number, refillMs: number, clock: Clock) {
    this.capacity = capacity;
    this.#ratePerMs = capacity / refillMs;
    this.#clock = clock;
    this.#level = capacity;
    this.#last = clock.now();
  }

  /** Units available now. */
  level(): number {
    this.#refill();
    return this.#level;
  }

  /** Take `amount` if available; otherwise take nothing and return false. */
  tryTake(amount: number): boolean {
    this.#refill();
    if (this.#level < amount) return false;
    this.#level -= amount;
    return true;
  }

  /** Milliseconds until `amount` units are available (0 if they are now). */
  msUntil(amount: number): number {
    this.#refill();
    return amount <= this.#level ? 0 : (amount - this.#level) / this.#ratePerMs;
  }

  /** Milliseconds until the bucket is full again. */
  msUntilFull(): number {
    return this.msUntil(this.capacity);
  }

  #refill(): void {
    const now = this.#clock.now();
    const elapsed = now - this.#last;
    this.#last = now;
    if (elapsed > 0) this.#level = Math.min(this.capacity, this.#level + elapsed * this.#ratePerMs);
  }
}
