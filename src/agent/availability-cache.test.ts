import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { deleteKeysWithPrefix } from '../cluster/redis-client.js';
import { emptyCacheCounters } from './agent-counters.js';
import { createAvailabilityCache } from './availability-cache.js';

function loader(values: string[]) {
  let calls = 0;
  return {
    load: async () => values[Math.min(calls++, values.length - 1)]!,
    get calls() {
      return calls;
    },
  };
}

describe('availability cache', () => {
  it('reuses an answer until a booking changes its date', async () => {
    const counters = emptyCacheCounters();
    const cache = createAvailabilityCache({ ttlMs: 60_000, counters });
    const source = loader(['free', 'taken']);
    expect(await cache.lookup('beard-trim', '2026-12-03', '10:00', source.load)).toBe('free');
    expect(await cache.lookup('beard-trim', '2026-12-03', '10:00', source.load)).toBe('free');
    // Another date's change leaves this one alone.
    await cache.invalidate('2026-12-04');
    expect(await cache.lookup('beard-trim', '2026-12-03', '10:00', source.load)).toBe('free');
    await cache.invalidate('2026-12-03');
    expect(await cache.lookup('beard-trim', '2026-12-03', '10:00', source.load)).toBe('taken');
    // A change whose date is not known drops every date.
    await cache.invalidate();
    expect(await cache.lookup('beard-trim', '2026-12-03', '10:00', source.load)).toBe('taken');
    expect(source.calls).toBe(3);
    expect(counters).toMatchObject({ hits: 2, misses: 3, invalidations: 3 });
  });

  it('expires entries after its TTL', async () => {
    let now = 0;
    const cache = createAvailabilityCache({ ttlMs: 1000, counters: emptyCacheCounters(), now: () => now });
    const source = loader(['a', 'b']);
    expect(await cache.lookup('s', '2026-12-03', '', source.load)).toBe('a');
    now = 1001;
    expect(await cache.lookup('s', '2026-12-03', '', source.load)).toBe('b');
  });

  describe('through Redis', () => {
    const prefix = `test-${randomBytes(5).toString('hex')}:`;
    const redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
    afterAll(async () => {
      await deleteKeysWithPrefix(redis, prefix);
      redis.disconnect();
    });

    it('a booking on one replica invalidates the entries of another', async () => {
      const a = createAvailabilityCache({ ttlMs: 60_000, counters: emptyCacheCounters(), redis, redisPrefix: prefix });
      const b = createAvailabilityCache({ ttlMs: 60_000, counters: emptyCacheCounters(), redis, redisPrefix: prefix });
      const onB = loader(['free', 'taken']);
      expect(await b.lookup('s', '2026-12-03', '10:00', onB.load)).toBe('free');
      expect(await b.lookup('s', '2026-12-03', '10:00', onB.load)).toBe('free');
      await a.invalidate('2026-12-03');
      expect(await b.lookup('s', '2026-12-03', '10:00', onB.load)).toBe('taken');
      expect(onB.calls).toBe(2);
    });
  });
});
