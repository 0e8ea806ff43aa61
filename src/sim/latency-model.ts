import type { LatencyProfile } from './latency-profiles.js';
import { lognormal, type Rng } from './seeded-random.js';

export interface GenerationTiming {
  /** Time to the first output token, ms. */
  firstTokenMs: number;
  /** Time between output tokens, ms. */
  perTokenMs: number;
}

export interface LatencyInput {
  promptTokens: number;
  cachedTokens: number;
  /** Multiplies the decode time per token (self-hosted batching, slow-stream faults). */
  decodeSlowdown?: number;
}

/**
 * One response's timing in model time (the caller applies the time scale): a lognormal
 * time to first token plus prefill for the uncached prompt tokens, then a lognormal output
 * speed drawn once per response.
 */
export function sampleTiming(profile: LatencyProfile, input: LatencyInput, rng: Rng): GenerationTiming {
  const uncached = Math.max(0, input.promptTokens - input.cachedTokens);
  const firstTokenMs = lognormal(rng, profile.ttftMedianMs, profile.ttftSigma) + (uncached / 1000) * profile.prefillMsPer1kTokens;
  const tps = lognormal(rng, profile.outputTpsMedian, profile.outputTpsSigma);
  const perTokenMs = (Number.isFinite(tps) && tps > 0 ? 1000 / tps : 0) * (input.decodeSlowdown ?? 1);
  return { firstTokenMs, perTokenMs };
}

/** Total time of a response of `outputTokens` tokens. */
export function totalMs(timing: GenerationTiming, outputTokens: number): number {
  return timing.firstTokenMs + Math.max(0, outputTokens - 1) * timing.perTokenMs;
}

/**
 * Self-hosted decode slowdown: a server batching `running` sequences out of `maxSeqs`
 * decodes each one more slowly as the batch fills, up to (1 + batchSlowdown) when full.
 */
export function batchSlowdown(running: number, maxSeqs: number, slowdown: number): number {
  if (maxSeqs <= 1) return 1;
  return 1 + slowdown * Math.min(1, Math.max(0, running - 1) / (maxSeqs - 1));
}
