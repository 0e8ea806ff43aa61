import { describe, expect, it } from 'vitest';
import { pairedDifference } from './paired-difference.js';

describe('pairedDifference', () => {
  it("pairs the same user's n-th message in both runs and converts each run to real time", () => {
    // Run a at time scale 0.5 (measured ms are half of real), run b in real time.
    const a = { latenciesByUser: { ann: [500, 600, null], bob: [700] } };
    const b = { latenciesByUser: { ann: [1100, 1100, 900], bob: [1500, 1000], cid: [800] } };
    const d = pairedDifference(a, 0.5, b, 1)!;
    // Pairs: ann 1000-1100, ann 1200-1100, bob 1400-1500 (ann's failed third and cid unpaired).
    expect(d.pairs).toBe(3);
    expect(d.meanMs).toBeCloseTo(-100 / 3, 9);
    const diffs = [-100, 100, -100];
    const mean = -100 / 3;
    const se = Math.sqrt(diffs.reduce((s, x) => s + (x - mean) ** 2, 0) / 2 / 3);
    expect(d.standardErrorMs).toBeCloseTo(se, 9);
    expect(d.ci95Ms[0]).toBeCloseTo(mean - 1.96 * se, 9);
    expect(d.ci95Ms[1]).toBeCloseTo(mean + 1.96 * se, 9);
  });

  it('says nothing from fewer than two pairs, or from reports without per-user latencies', () => {
    expect(pairedDifference({ latenciesByUser: { ann: [1] } }, 1, { latenciesByUser: { ann: [2] } }, 1)).toBeNull();
    expect(pairedDifference({} as never, 1, { latenciesByUser: { ann: [2, 3] } }, 1)).toBeNull();
  });
});
