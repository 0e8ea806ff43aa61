import { describe, expect, it } from 'vitest';
import { createRng, hashToSeed, lognormal, pick } from './seeded-random.js';

describe('seeded random', () => {
  it('repeats for a seed and differs across seeds', () => {
    const a = createRng(7);
    const b = createRng(7);
    const c = createRng(8);
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(xs);
    for (const x of xs) expect(x >= 0 && x < 1).toBe(true);
  });

  it('is roughly uniform', () => {
    const rng = createRng(1);
    let sum = 0;
    for (let i = 0; i < 20_000; i++) sum += rng.next();
    expect(sum / 20_000).toBeGreaterThan(0.48);
    expect(sum / 20_000).toBeLessThan(0.52);
  });

  it('draws lognormals around the median', () => {
    const rng = createRng(3);
    const xs = Array.from({ length: 4001 }, () => lognormal(rng, 400, 0.25)).sort((x, y) => x - y);
    expect(xs[2000]).toBeGreaterThan(370);
    expect(xs[2000]).toBeLessThan(430);
    expect(lognormal(rng, 5, 0)).toBe(5);
  });

  it('hashes parts stably and picks within bounds', () => {
    expect(hashToSeed('a', 1)).toBe(hashToSeed('a', 1));
    expect(hashToSeed('a', 1)).not.toBe(hashToSeed('a1'));
    expect(['x', 'y']).toContain(pick(createRng(2), ['x', 'y']));
  });
});
