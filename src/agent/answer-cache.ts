import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { LruCache } from '../shared/lru-cache.js';
import type { CacheCounters } from './agent-counters.js';

/**
 * Answers to a thread's first message that do not depend on the conversation ("What
 * services do you offer?"), shared by every thread: in this process and, with Redis, by
 * every replica. Exact match on the normalised message, under a key that also holds
 * everything the answer depends on (model, system prompt, tools, catalogue): a change to
 * any of them is a different key, so a stale answer is never served, only left to expire.
 * Only answers the model wrote without calling a tool are stored (a tool's answer is about
 * this customer or this moment).
 */
export interface AnswerCache {
  get(key: string): Promise<string | undefined>;
  set(key: string, answer: string): Promise<void>;
}

export interface AnswerKeyParts {
  model: string;
  /** The system prompt as sent (its "version": any change, today's date included, is a new key). */
  systemPrompt: string;
  /** The tool definitions as sent. */
  tools: string;
  /** The business file's content hash. */
  catalogueVersion: string;
  question: string;
}

/** Case, spacing and Unicode forms do not change a question. */
export function normaliseQuestion(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

export function answerCacheKey(parts: AnswerKeyParts): string {
  const hash = createHash('sha256');
  for (const part of [parts.model, parts.systemPrompt, parts.tools, parts.catalogueVersion, normaliseQuestion(parts.question)]) hash.update(part).update('\u0000');
  return hash.digest('base64url');
}

/** A content hash: the catalogue version of a business. */
export function contentVersion(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('base64url').slice(0, 16);
}

export interface AnswerCacheOptions {
  ttlMs: number;
  maxEntries: number;
  counters: CacheCounters;
  /** Shared with other replicas when given. */
  redis?: Redis | undefined;
  redisPrefix?: string;
  now?: () => number;
}

export function createAnswerCache(options: AnswerCacheOptions): AnswerCache {
  const local = new LruCache<string, { answer: string; expiresAt: number }>(options.maxEntries);
  const now = options.now ?? Date.now;
  const redisKey = (key: string) => `${options.redisPrefix ?? ''}answer:${key}`;
  const c = options.counters;
  return {
    async get(key) {
      const entry = local.get(key);
      if (entry && entry.expiresAt > now()) {
        c.hits += 1;
        return entry.answer;
      }
      // Redis away: a miss, and the model answers.
      const shared = options.redis ? await options.redis.get(redisKey(key)).catch(() => null) : null;
      if (shared !== null) {
        const ttl = options.redis ? await options.redis.pttl(redisKey(key)).catch(() => -1) : -1;
        local.set(key, { answer: shared, expiresAt: now() + (ttl > 0 ? ttl : options.ttlMs) });
        c.hits += 1;
        return shared;
      }
      c.misses += 1;
      return undefined;
    },
    async set(key, answer) {
      local.set(key, { answer, expiresAt: now() + options.ttlMs });
      c.stores += 1;
      if (options.redis) await options.redis.set(redisKey(key), answer, 'PX', Math.max(1, Math.round(options.ttlMs))).catch(() => undefined);
    },
  };
}
