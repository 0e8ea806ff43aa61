import type { BudgetSample } from './lab-observer.js';

/** How much of what the provider could grant over a span of a stage was charged. */
export interface BudgetUse {
  /** The span, measured seconds from the stage's start. */
  fromSec: number;
  toSec: number;
  /** Tokens the provider charged in the span. */
  chargedTokens: number;
  /** The most it could have: what its bucket held at the span's start plus the refill over it. */
  grantableTokens: number;
  /** chargedTokens / grantableTokens: at most 1, whatever the span (a bucket cannot go below empty). */
  share: number;
  /** Tokens charged per nominal minute over the span. */
  tokensPerMinute: number;
}

/**
 * The share of the provider's token budget a span used, from the simulator's bucket read
 * through the stage. Tokens per minute against the per-minute limit is no bound over a span
 * that starts with tokens in the bucket (a stage starting full can be charged a minute's
 * worth more than the limit): the bound is what the bucket held at the span's start plus the
 * refill over it. `timeScale` F: a nominal minute lasts 60·F measured seconds.
 */
export function budgetUse(trace: readonly BudgetSample[], span: { fromSec: number; toSec: number }, tpm: number, timeScale: number): BudgetUse | null {
  if (trace.length < 2 || !(span.toSec > span.fromSec) || tpm <= 0) return null;
  const from = sampleAt(trace, span.fromSec);
  const to = sampleAt(trace, span.toSec);
  const minuteSec = 60 * timeScale;
  const spanSec = span.toSec - span.fromSec;
  const chargedTokens = to.chargedTokens - from.chargedTokens;
  const grantableTokens = from.tokensLeft + (tpm * spanSec) / minuteSec;
  return {
    fromSec: span.fromSec,
    toSec: span.toSec,
    chargedTokens,
    grantableTokens,
    share: grantableTokens > 0 ? chargedTokens / grantableTokens : 0,
    tokensPerMinute: (chargedTokens / spanSec) * minuteSec,
  };
}

/** The trace at `atSec`, linear between the samples around it, the nearest end outside them. */
export function sampleAt(trace: readonly BudgetSample[], atSec: number): BudgetSample {
  const first = trace[0]!;
  const last = trace.at(-1)!;
  if (atSec <= first.atSec) return { ...first, atSec };
  if (atSec >= last.atSec) return { ...last, atSec };
  let i = 1;
  while (trace[i]!.atSec < atSec) i += 1;
  const a = trace[i - 1]!;
  const b = trace[i]!;
  const k = b.atSec === a.atSec ? 0 : (atSec - a.atSec) / (b.atSec - a.atSec);
  const lerp = (x: number, y: number) => x + (y - x) * k;
  return { atSec, chargedTokens: lerp(a.chargedTokens, b.chargedTokens), tokensLeft: lerp(a.tokensLeft, b.tokensLeft) };
}
