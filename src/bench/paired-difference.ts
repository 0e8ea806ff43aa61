import type { StageReport } from '../loadtest/report-types.js';

/** How two runs of the same stage differ, message by message, in real time. */
export interface PairedDifference {
  /** Messages answered in both runs: the same user's n-th message. */
  pairs: number;
  /** Mean of (a - b) over the pairs, real ms. */
  meanMs: number;
  /** Standard error of that mean, real ms. */
  standardErrorMs: number;
  /** The mean plus and minus 1.96 standard errors: where the true difference most likely lies. */
  ci95Ms: [number, number];
}

/**
 * `a` minus `b`, paired by user and message: both runs served the same users the same
 * conversations, so each pair differs by what the systems did, not by who was asking. The
 * noise of the whole-stage figures (a p95 is a handful of messages, a makespan one
 * conversation) largely cancels out. `timeScale*` converts each run's measured ms to real ms.
 * Null when fewer than two pairs exist.
 */
export function pairedDifference(a: Pick<StageReport, 'latenciesByUser'>, timeScaleA: number, b: Pick<StageReport, 'latenciesByUser'>, timeScaleB: number): PairedDifference | null {
  const diffs: number[] = [];
  const left = a.latenciesByUser ?? {};
  const right = b.latenciesByUser ?? {};
  for (const [user, mine] of Object.entries(left)) {
    const theirs = right[user];
    if (!theirs) continue;
    for (let i = 0; i < Math.min(mine.length, theirs.length); i += 1) {
      const x = mine[i];
      const y = theirs[i];
      if (x === null || x === undefined || y === null || y === undefined) continue;
      diffs.push(x / timeScaleA - y / timeScaleB);
    }
  }
  const n = diffs.length;
  if (n < 2) return null;
  const meanMs = diffs.reduce((sum, d) => sum + d, 0) / n;
  const variance = diffs.reduce((sum, d) => sum + (d - meanMs) ** 2, 0) / (n - 1);
  const standardErrorMs = Math.sqrt(variance / n);
  return { pairs: n, meanMs, standardErrorMs, ci95Ms: [meanMs - 1.96 * standardErrorMs, meanMs + 1.96 * standardErrorMs] };
}
