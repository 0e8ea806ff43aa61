/**
 * A small seeded generator (mulberry32) so that the same `--seed` gives the same personas,
 * think times and arrival order: two runs differ only by what the system did.
 */
export type Random = () => number;

export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(random: Random, items: readonly T[]): T {
  if (items.length === 0) throw new RangeError('pick from an empty list');
  return items[Math.floor(random() * items.length) % items.length] as T;
}

/** A think time jittered uniformly between 50% and 150% of its mean, so users do not move in lockstep. */
export function jitteredThinkMs(random: Random, meanMs: number): number {
  return meanMs <= 0 ? 0 : meanMs * (0.5 + random());
}
