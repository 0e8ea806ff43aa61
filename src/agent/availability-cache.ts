import type { Redis } from 'ioredis';
import { LruCache } from '../shared/lru-cache.js';
import type { CacheCounters } from './agent-counters.js';

/**
 * Availability answers per (service, date), reused until a booking changes that date. Each
 * date has a version, and one more version covers every date (a cancel or a move, whose old
 * date the caller may not know); an entry is served only while both are what they were when
 * it was stored. With Redis the versions live there (INCR on a change, one MGET per lookup),
 * so a booking on any replica invalidates every replica's entries at once. A TTL bounds how
 * long an entry lives when the change happened outside the agent (the owner's console).
 */
export interface AvailabilityCache {
  lookup(service: string, date: string, variant: string, load: () => Promise<string>): Promise<string>;
  /** A booking changed on `date`; no date: on some date not known here. */
  invalidate(date?: string): Promise<void>;
}

export interface AvailabilityCacheOptions {
  ttlMs: number;
  counters: CacheCounters;
  redis?: Redis | undefined;
  redisPrefix?: string;
  maxEntries?: number;
  now?: () => number;
}

const ANY_DATE = '*';

export function createAvailabilityCache(options: AvailabilityCacheOptions): AvailabilityCache {
  const entries = new LruCache<string, { value: string; version: string; expiresAt: number }>(options.maxEntries ?? 4096);
  const localVersions = new Map<string, number>();
  const now = options.now ?? Date.now;
  const c = options.counters;
  const versionKey = (date: string) => `${options.redisPrefix ?? ''}avail:v:${date}`;

  const versionOf = async (date: string): Promise<string | undefined> => {
    if (!options.redis) return `${localVersions.get(date) ?? 0}.${localVersions.get(ANY_DATE) ?? 0}`;
    // Redis away: no version to trust, so no caching.
    const values = await options.redis.mget(versionKey(date), versionKey(ANY_DATE)).catch(() => undefined);
    return values ? `${values[0] ?? 0}.${values[1] ?? 0}` : undefined;
  };

  return {
    async lookup(service, date, variant, load) {
      const key = `${service}|${date}|${variant}`;
      const version = await versionOf(date);
      const entry = entries.get(key);
      if (version !== undefined && entry && entry.version === version && entry.expiresAt > now()) {
        c.hits += 1;
        return entry.value;
      }
      c.misses += 1;
      const value = await load();
      if (version !== undefined) {
        entries.set(key, { value, version, expiresAt: now() + options.ttlMs });
        c.stores += 1;
      }
      return value;
    },
    async invalidate(date) {
      const which = date ?? ANY_DATE;
      c.invalidations += 1;
      localVersions.set(which, (localVersions.get(which) ?? 0) + 1);
      if (options.redis) await options.redis.incr(versionKey(which)).catch(() => undefined);
    },
  };
}
