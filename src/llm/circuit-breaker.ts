import type { Clock } from '../shared/clock.js';

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Consecutive failures (5xx, timeouts) that open the circuit. */
  failureThreshold: number;
  /** How long an open circuit refuses calls before letting one probe through (real ms). */
  cooldownMs: number;
  clock: Clock;
}

/**
 * Stops sending calls to a provider that keeps failing, so that users get a fast, honest 503
 * (or the fallback model) instead of each waiting out its own timeouts and retries. After the
 * cooldown one probe call goes through (half-open): success closes the circuit, failure opens
 * it for another cooldown.
 */
export class CircuitBreaker {
  readonly #options: CircuitBreakerOptions;
  #state: CircuitState = 'closed';
  #failures = 0;
  #openedAt = 0;
  #probing = false;
  #opens = 0;

  constructor(options: CircuitBreakerOptions) {
    this.#options = options;
  }

  get state(): CircuitState {
    if (this.#state === 'open' && this.#options.clock.now() - this.#openedAt >= this.#options.cooldownMs) return 'half-open';
    return this.#state;
  }

  /** Times the circuit has opened. */
  get opens(): number {
    return this.#opens;
  }

  /** Real ms until an open circuit lets a probe through (0 when closed). */
  retryInMs(): number {
    if (this.#state !== 'open') return 0;
    return Math.max(0, this.#openedAt + this.#options.cooldownMs - this.#options.clock.now());
  }

  /** May a call go now? In half-open state only one probe at a time. */
  tryPass(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open') return false;
    if (this.#probing) return false;
    this.#state = 'half-open';
    this.#probing = true;
    return true;
  }

  success(): void {
    this.#state = 'closed';
    this.#failures = 0;
    this.#probing = false;
  }

  failure(): void {
    this.#failures += 1;
    if (this.#state === 'half-open' || (this.#state === 'closed' && this.#failures >= this.#options.failureThreshold)) this.#open();
  }

  /** A call that passed ended without telling anything about the provider (aborted, client error). */
  release(): void {
    this.#probing = false;
  }

  #open(): void {
    this.#state = 'open';
    this.#openedAt = this.#options.clock.now();
    this.#probing = false;
    this.#opens += 1;
  }
}
