import { describe, expect, it } from 'vitest';
import { ManualClock } from '../shared/clock.js';
import { PromptCache, chainHash } from './prompt-cache.js';

function points(keys: string[], tokensEach: number) {
  let h = '';
  return keys.map((k, i) => ({ hash: (h = chainHash(h, k)), tokens: (i + 1) * tokensEach }));
}

describe('PromptCache', () => {
  it('reports a repeated prefix of 1,024+ tokens in 128-token steps', () => {
    const cache = new PromptCache({ maxEntries: 100, ttlMs: 1000, clock: new ManualClock(0) });
    expect(cache.lookupAndStore(points(['sys', 'u1'], 700))).toBe(0);
    // Same system + first turn (1,400 tokens), new last message: 1,400 -> 1,280 cached.
    expect(cache.lookupAndStore(points(['sys', 'u1', 'u2'], 700))).toBe(1280);
    // Only the first message repeats (700 tokens < 1,024): nothing cached.
    expect(cache.lookupAndStore(points(['sys', 'x'], 700))).toBe(0);
  });

  it('forgets prefixes after the inactivity ttl', () => {
    const clock = new ManualClock(0);
    const cache = new PromptCache({ maxEntries: 100, ttlMs: 1000, clock });
    cache.lookupAndStore(points(['a', 'b'], 600));
    clock.advance(1001);
    expect(cache.lookupAndStore(points(['a', 'b', 'c'], 600))).toBe(0);
    clock.advance(500);
    expect(cache.lookupAndStore(points(['a', 'b', 'c'], 600))).toBe(1792);
  });
});
