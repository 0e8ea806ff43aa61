/**
 * A bounded cache that keeps recently used entries: two generations of at most
 * `maxEntries / 2` each. New and recently read entries live in the young generation; when
 * it fills, the old one is dropped and the young one becomes old. A hit in the old
 * generation moves the entry back to the young one. This approximates least-recently-used
 * eviction with one or two `Map` lookups per read and no deletion on the hot path, which
 * matters because it sits on every request (re-inserting on each hit, as an exact LRU over
 * `Map` does, cost more than the lookups it saves). Hand-written because no dependency
 * already in the tree offers it and its whole logic is these few lines.
 */
export class LruCache<K, V> {
  readonly #half: number;
  #young = new Map<K, V>();
  #old = new Map<K, V>();

  constructor(maxEntries: number) {
    if (!(maxEntries >= 2)) throw new RangeError('maxEntries must be at least 2');
    this.#half = Math.floor(maxEntries / 2);
  }

  /** Entries held (at most `maxEntries`). */
  get size(): number {
    return this.#young.size + this.#old.size;
  }

  get(key: K): V | undefined {
    const young = this.#young.get(key);
    if (young !== undefined) return young;
    const old = this.#old.get(key);
    if (old !== undefined) {
      this.#old.delete(key);
      this.#insert(key, old);
    }
    return old;
  }

  set(key: K, value: V): void {
    if (this.#young.has(key)) {
      this.#young.set(key, value);
      return;
    }
    this.#old.delete(key);
    this.#insert(key, value);
  }

  clear(): void {
    this.#young.clear();
    this.#old.clear();
  }

  #insert(key: K, value: V): void {
    if (this.#young.size >= this.#half) {
      this.#old = this.#young;
      this.#young = new Map();
    }
    this.#young.set(key, value);
  }
}
