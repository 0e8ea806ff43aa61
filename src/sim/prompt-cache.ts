import type { Clock } from '../shared/clock.js';
import { LruCache } from '../shared/lru-cache.js';

/** OpenAI caches prompts of at least 1,024 tokens, in steps of 128. */
export const PROMPT_CACHE_MIN_TOKENS = 1024;
export const PROMPT_CACHE_STEP_TOKENS = 128;

export interface PrefixPoint {
  /** Hash of everything up to and including this point (tools, then messages in order). */
  hash: string;
  /** Prompt tokens up to and including this point. */
  tokens: number;
}

export interface PromptCacheOptions {
  maxEntries: number;
  /** Inactivity after which a prefix is forgotten, real ms. */
  ttlMs: number;
  clock: Clock;
}

/**
 * Automatic prompt caching, approximated at message boundaries: every prefix of a request
 * (tools, then each message in turn) that reaches 1,024 tokens is remembered with its
 * token count; a later request whose longest remembered prefix has T tokens reports
 * floor(T / 128) * 128 cached tokens. OpenAI matches any 128-token-aligned prefix, not only
 * message boundaries, so this slightly under-reports; it never over-reports.
 */
export class PromptCache {
  readonly #seen: LruCache<string, number>;
  readonly #ttlMs: number;
  readonly #clock: Clock;

  constructor(options: PromptCacheOptions) {
    this.#seen = new LruCache(options.maxEntries);
    this.#ttlMs = options.ttlMs;
    this.#clock = options.clock;
  }

  /** Cached tokens for a request with these prefix points. */
  lookup(points: readonly PrefixPoint[]): number {
    const now = this.#clock.now();
    for (let i = points.length - 1; i >= 0; i--) {
      const point = points[i] as PrefixPoint;
      if (point.tokens < PROMPT_CACHE_MIN_TOKENS) break;
      const lastUsed = this.#seen.get(point.hash);
      if (lastUsed !== undefined && now - lastUsed <= this.#ttlMs) return Math.floor(point.tokens / PROMPT_CACHE_STEP_TOKENS) * PROMPT_CACHE_STEP_TOKENS;
    }
    return 0;
  }

  /** Remember (or refresh) a processed request's prefixes. */
  store(points: readonly PrefixPoint[]): void {
    const now = this.#clock.now();
    for (const point of points) if (point.tokens >= PROMPT_CACHE_MIN_TOKENS) this.#seen.set(point.hash, now);
  }

  /** `lookup` then `store`. */
  lookupAndStore(points: readonly PrefixPoint[]): number {
    const cached = this.lookup(points);
    this.store(points);
    return cached;
  }

  clear(): void {
    this.#seen.clear();
  }
}

/**
 * Chain one more item (a message's content hash) onto a prefix hash: two independent
 * 32-bit FNV-1a lanes, 64 bits in all. The items are already cryptographic hashes, so a
 * cheap mix suffices; with at most tens of thousands of live prefixes a collision is about
 * a one-in-ten-billion event, and would only misreport cached tokens.
 */
export function chainHash(previous: string, itemKey: string): string {
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  const s = previous + itemKey;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 15);
  }
  return (a >>> 0).toString(36) + ':' + (b >>> 0).toString(36);
}
