/**
 * Latency profiles in model time (before the time scale). Medians and spreads are
 * lognormal parameters: `sigma` 0.25 puts 90% of samples within about x0.66..x1.5 of the
 * median, which matches the spread seen on a hosted model at moderate load.
 */
export interface LatencyProfile {
  /** Median time to first token for a short prompt, ms. */
  ttftMedianMs: number;
  /** Lognormal sigma of the time to first token. */
  ttftSigma: number;
  /** Extra time to first token per 1,000 uncached prompt tokens (prefill), ms. */
  prefillMsPer1kTokens: number;
  /** Median output speed, tokens per second. */
  outputTpsMedian: number;
  /** Lognormal sigma of the output speed (one draw per response). */
  outputTpsSigma: number;
}

export const LATENCY_PROFILES = {
  off: { ttftMedianMs: 0, ttftSigma: 0, prefillMsPer1kTokens: 0, outputTpsMedian: Number.POSITIVE_INFINITY, outputTpsSigma: 0 },
  // About 0.3-0.6 s to first token and 50-100 tokens/s, as gpt-4o-mini answers.
  'gpt-4o-mini': { ttftMedianMs: 420, ttftSigma: 0.25, prefillMsPer1kTokens: 40, outputTpsMedian: 75, outputTpsSigma: 0.2 },
  'gpt-4o': { ttftMedianMs: 550, ttftSigma: 0.3, prefillMsPer1kTokens: 60, outputTpsMedian: 55, outputTpsSigma: 0.2 },
  // A small model on a local GPU: useful to see the rest of the system at speed.
  fast: { ttftMedianMs: 60, ttftSigma: 0.2, prefillMsPer1kTokens: 5, outputTpsMedian: 400, outputTpsSigma: 0.1 },
} as const satisfies Record<string, LatencyProfile>;

export type LatencyProfileName = keyof typeof LATENCY_PROFILES;

export const LATENCY_PROFILE_NAMES = Object.keys(LATENCY_PROFILES) as [LatencyProfileName, ...LatencyProfileName[]];
