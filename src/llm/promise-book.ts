/**
 * The times shed callers were told to come back, kept until they pass. A caller that has come
 * back is in the queue again (and counted there), or served, or gone; only the ones still away
 * hold a claim on future throughput. Counting those, rather than pushing a horizon forward with
 * every promise, keeps a caller refused twice from holding two slots, and lets the promises
 * follow the queue when it drains faster than forecast.
 *
 * Written by hand: a sorted array of numbers with binary insertion is all this needs.
 */
export class PromiseBook {
  /** Return times, ascending. */
  readonly #returnsAt: number[] = [];
  readonly #maxEntries: number;

  constructor(maxEntries = 100_000) {
    this.#maxEntries = maxEntries;
  }

  /** Callers promised a slot who have not come back yet at `now`. */
  outstanding(now: number): number {
    this.#forget(now);
    return this.#returnsAt.length;
  }

  /** A caller was told to come back at `returnAt`. */
  add(returnAt: number): void {
    const list = this.#returnsAt;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (list[mid]! <= returnAt) lo = mid + 1;
      else hi = mid;
    }
    list.splice(lo, 0, returnAt);
    // A bound on memory: the soonest returns go first, they are the next to pass anyway.
    if (list.length > this.#maxEntries) list.splice(0, list.length - this.#maxEntries);
  }

  #forget(now: number): void {
    const list = this.#returnsAt;
    let passed = 0;
    while (passed < list.length && list[passed]! <= now) passed += 1;
    if (passed > 0) list.splice(0, passed);
  }
}
