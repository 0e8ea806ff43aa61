import { Redis } from 'ioredis';

/**
 * The coordination client of a replica. No offline queue and a short command timeout: when
 * Redis is away, publishing an event or a wake-up fails at once (followers and claimers fall
 * back on the database) instead of piling up behind a reconnecting socket. Blocking reads
 * (event followers) and the subscriber use connections of their own.
 */
export function connectRedis(url: string): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 1000,
    connectTimeout: 2000,
    enableAutoPipelining: true,
    retryStrategy: (times) => Math.min(100 * times, 2000),
  });
  // Connection errors are reported through failed commands; the client keeps reconnecting.
  redis.on('error', () => undefined);
  return redis;
}

/** Delete every key starting with `prefix` (SCAN, never KEYS): a benchmark's or test's own keys. */
export async function deleteKeysWithPrefix(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) deleted += await redis.del(...keys);
  } while (cursor !== '0');
  return deleted;
}
