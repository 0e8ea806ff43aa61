/**
 * Small seeded random numbers. Written here rather than taken from a package because the
 * simulator needs only a uniform source, a normal draw and a string hash, and must derive a
 * fresh deterministic stream per conversation cheaply (thousands per second).
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
}

/** sfc32: fast, passes PractRand for the lengths used here, 4 words of state. */
export function createRng(seed: number): Rng {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const step = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  // Discard the first outputs: sfc32 needs a few rounds to mix a small seed.
  for (let i = 0; i < 12; i++) step();
  return { next: step };
}

/** FNV-1a over the parts, 32 bits: to turn (seed, conversation hash) into an rng seed. */
export function hashToSeed(...parts: ReadonlyArray<string | number>): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    const s = typeof part === 'number' ? String(part) : part;
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    h ^= 0xff;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Standard normal draw (Box-Muller). */
export function normal(rng: Rng): number {
  const u = 1 - rng.next();
  const v = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Lognormal draw with the given median; sigma 0 returns the median. */
export function lognormal(rng: Rng, median: number, sigma: number): number {
  if (sigma === 0) return median;
  return median * Math.exp(sigma * normal(rng));
}

export function pick<T>(rng: Rng, items: readonly T[]): T {
  if (items.length === 0) throw new RangeError('pick from an empty list');
  return items[Math.floor(rng.next() * items.length)] as T;
}

export function chance(rng: Rng, probability: number): boolean {
  return probability > 0 && rng.next() < probability;
}
