import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RateBudget, Reservation } from '../src/llm/budget.js';
import { ManualClock } from '../src/shared/clock.js';
import { MemoryBudget } from '../src/llm/memory-budget.js';
import { budgetKeys, RedisBudget } from '../src/llm/redis-budget.js';
import type { BudgetConfig } from '../src/llm/token-bucket.js';

const REDIS_URL = 'redis://127.0.0.1:6379';

function config(overrides: Partial<BudgetConfig> & { rpm?: number | undefined; tpm?: number | undefined } = {}): BudgetConfig {
  const { rpm = 60, tpm = 6000, ...rest } = overrides;
  return { requests: { configured: rpm }, tokens: { configured: tpm }, safety: 1, share: 1, periodMs: 60_000, depthMs: 60_000, ...rest };
}

interface Backend {
  name: string;
  make(cfg: BudgetConfig, clock: ManualClock): RateBudget;
}

let redis: Redis;
const usedKeys: string[] = [];

const backends: Backend[] = [
  { name: 'memory', make: (cfg, clock) => new MemoryBudget(cfg, clock) },
  {
    name: 'redis',
    make: (cfg, clock) => {
      const key = `test-${randomUUID()}`;
      usedKeys.push(...budgetKeys(key));
      return new RedisBudget({ redis, key: () => key, config: cfg, fallback: new MemoryBudget({ ...cfg, share: 0.5 }, clock, 'fallback'), clock, redisTime: false, log: () => {} });
    },
  },
];

beforeAll(async () => {
  redis = new Redis(REDIS_URL, { enableOfflineQueue: true, maxRetriesPerRequest: 1 });
  await redis.ping();
});

afterAll(async () => {
  if (usedKeys.length > 0) await redis.del(...usedKeys);
  redis.disconnect();
});

async function reserveOk(budget: RateBudget, tokens: number): Promise<Reservation> {
  const outcome = await budget.reserve({ requests: 1, tokens });
  if (!outcome.ok) throw new Error(`denied: ${outcome.reason}`);
  return outcome.reservation;
}

describe.each(backends)('$name budget (contract)', ({ make }) => {
  it('reserves both buckets atomically and refills continuously', async () => {
    const clock = new ManualClock();
    const budget = make(config(), clock);
    await reserveOk(budget, 5950);
    expect(budget.snapshot().tokens.remaining).toBeCloseTo(50, 6);
    const denied = await budget.reserve({ requests: 1, tokens: 250 });
    expect(denied).toMatchObject({ ok: false, reason: 'tokens' });
    expect(denied.ok === false && denied.reason === 'tokens' && denied.waitMs).toBeCloseTo(2000, 3);
    expect(budget.snapshot().requests.remaining).toBeCloseTo(59, 6);
    clock.advance(2000);
    await reserveOk(budget, 250);
    expect(budget.snapshot().tokens.remaining).toBeCloseTo(0, 3);
  });

  it('refuses a call larger than the limit', async () => {
    const budget = make(config(), new ManualClock());
    expect(await budget.reserve({ requests: 1, tokens: 6001 })).toEqual({ ok: false, reason: 'too-large', bucket: 'tokens', limit: 6000 });
  });

  it('settles: returns unused tokens, learns lower limits, ages remaining headers', async () => {
    const clock = new ManualClock();
    const budget = make(config({ safety: 0.9 }), clock);
    const first = await reserveOk(budget, 1000);
    await budget.settle(first, { delta: { requests: 0, tokens: -600 } });
    expect(budget.snapshot().tokens.remaining).toBeCloseTo(5400 - 400, 3);
    const observed = await reserveOk(budget, 100);
    clock.advance(500);
    await reserveOk(budget, 300);
    clock.advance(500);
    // The provider had 3000 left when it took the observed call, whose answer came 1 s ago:
    // 3000 + 100 refilled - 300 reserved since = 2800; minus the 600 the safety margin keeps free.
    await budget.settle(observed, { limits: { limitTokens: 6000, remainingTokens: 3000, limitRequests: 50 }, limitsAgeMs: 1000 });
    const snap = budget.snapshot();
    expect(snap.tokens.remaining).toBeCloseTo(2200, 3);
    expect(snap.requests.limit).toBe(50);
    expect(snap.tokens.limit).toBe(6000);
  });

  it('pauses every caller and drains', async () => {
    const clock = new ManualClock();
    const budget = make(config(), clock);
    const r = await reserveOk(budget, 10);
    await budget.settle(r, { pauseForMs: 450, drain: true });
    const denied = await budget.reserve({ requests: 1, tokens: 10 });
    expect(denied).toMatchObject({ ok: false, reason: 'paused' });
    expect(denied.ok === false && denied.reason === 'paused' && denied.waitMs).toBeCloseTo(450, 3);
    clock.advance(1000);
    await reserveOk(budget, 10);
  });

  it('learns unknown limits from the first headers', async () => {
    const clock = new ManualClock();
    const budget = make({ ...config(), requests: { configured: undefined }, tokens: { configured: undefined } }, clock);
    const probe = await reserveOk(budget, 100_000);
    expect(budget.snapshot().tokens.limit).toBeUndefined();
    await budget.settle(probe, { limits: { limitRequests: 60, limitTokens: 6000, remainingRequests: 40, remainingTokens: 5000 } });
    const snap = budget.snapshot();
    expect(snap.tokens.limit).toBe(6000);
    expect(snap.tokens.remaining).toBeCloseTo(5000, 3);
    expect(snap.requests.remaining).toBeCloseTo(40, 3);
  });
});

describe('redis budget shared by two processes', () => {
  it('is one budget for every client with the same key', async () => {
    const clock = new ManualClock();
    const key = `test-${randomUUID()}`;
    usedKeys.push(...budgetKeys(key));
    const other = new Redis(REDIS_URL);
    try {
      const make = (client: Redis) =>
        new RedisBudget({ redis: client, key: () => key, config: config(), fallback: new MemoryBudget(config({ share: 0.5 }), clock, 'fallback'), clock, redisTime: false, log: () => {} });
      const a = make(redis);
      const b = make(other);
      await reserveOk(a, 4000);
      await reserveOk(b, 1500);
      expect(await b.reserve({ requests: 1, tokens: 1000 })).toMatchObject({ ok: false, reason: 'tokens' });
      expect(await a.reserve({ requests: 1, tokens: 1000 })).toMatchObject({ ok: false, reason: 'tokens' });
    } finally {
      other.disconnect();
    }
  });

  it('uses Redis TIME by default', async () => {
    const key = `test-${randomUUID()}`;
    usedKeys.push(...budgetKeys(key));
    const clock = new ManualClock(0); // far from real time: the script must not use it
    const budget = new RedisBudget({ redis, key: () => key, config: config(), fallback: new MemoryBudget(config(), clock, 'fallback'), clock, log: () => {} });
    const r = await reserveOk(budget, 10);
    expect(Math.abs(r.mark.at - Date.now())).toBeLessThan(5000);
  });
});

describe('redis budget without Redis', () => {
  it('serves from a local share, says so once, and keeps serving', async () => {
    const clock = new ManualClock();
    const lines: string[] = [];
    const down = new Redis('redis://127.0.0.1:6390', { enableOfflineQueue: false, lazyConnect: false, retryStrategy: () => 200, maxRetriesPerRequest: 0 });
    down.on('error', () => {});
    try {
      const budget = new RedisBudget({
        redis: down,
        key: () => 'unreachable',
        config: config(),
        fallback: new MemoryBudget(config({ share: 0.5 }), clock, 'fallback'),
        clock,
        log: (line) => lines.push(line),
        connectWaitMs: 0,
      });
      const r = await reserveOk(budget, 2000);
      expect(r.store).toBe('fallback');
      await reserveOk(budget, 1000);
      // Half of 6000: the third call does not fit in the local share.
      expect(await budget.reserve({ requests: 1, tokens: 1000 })).toMatchObject({ ok: false, reason: 'tokens' });
      await budget.settle(r, { delta: { requests: 0, tokens: -1500 } });
      await reserveOk(budget, 1000);
      expect(budget.snapshot().degraded).toBe(true);
      expect(lines.filter((l) => l.includes('unreachable'))).toHaveLength(1);
    } finally {
      down.disconnect();
    }
  });
});

describe('redis budget after a slow command', () => {
  it('goes back to the shared budget at the next answer, without a reconnection', async () => {
    const clock = new ManualClock();
    const lines: string[] = [];
    const key = `test-${randomUUID()}`;
    usedKeys.push(...budgetKeys(key));
    // The connection stays up; one script call fails as a command timeout on a busy machine would.
    let failNext = false;
    const own = new Redis(REDIS_URL, { enableOfflineQueue: true, maxRetriesPerRequest: 1 });
    const flaky = new Proxy(own, {
      get(target, property, receiver) {
        if (property !== 'defineCommand') return Reflect.get(target, property, receiver);
        return (name: string, definition: unknown) => {
          target.defineCommand(name, definition as never);
          const real = (target as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[name]!;
          (target as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
            if (!failNext) return real.apply(target, args);
            failNext = false;
            return Promise.reject(new Error('Command timed out'));
          };
        };
      },
    });
    const budget = new RedisBudget({ redis: flaky, key: () => key, config: config(), fallback: new MemoryBudget(config({ share: 0.5 }), clock, 'fallback'), clock, redisTime: false, log: (line) => lines.push(line) });
    expect((await reserveOk(budget, 100)).store).toBe('redis');
    failNext = true;
    expect((await reserveOk(budget, 100)).store).toBe('fallback');
    expect(budget.snapshot().degraded).toBe(true);
    expect((await reserveOk(budget, 100)).store).toBe('redis');
    expect(budget.snapshot().degraded).toBe(false);
    expect(lines.map((l) => (l.includes('unreachable') ? 'unreachable' : l.includes('reachable again') ? 'again' : l))).toEqual(['unreachable', 'again']);
    own.disconnect();
  });
});
