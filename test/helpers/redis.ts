import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { deleteKeysWithPrefix } from '../../src/cluster/redis-client.js';

export const REDIS_URL = 'redis://127.0.0.1:6379';

/** A key prefix of our own: tests running at the same time never see each other's keys. */
export function freshPrefix(): string {
  return `test-${randomBytes(5).toString('hex')}`;
}

/** Delete the keys this test made (under its prefix), and only those. */
export async function dropKeys(...prefixes: string[]): Promise<void> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    for (const prefix of prefixes) await deleteKeysWithPrefix(redis, prefix);
  } finally {
    redis.disconnect();
  }
}
