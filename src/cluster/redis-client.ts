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
