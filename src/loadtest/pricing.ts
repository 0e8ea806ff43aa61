import { knownModelPrice, MODEL_PRICES } from '../llm/pricing.js';

/**
 * The report's view of the shared price table (src/llm/pricing.ts): the row used, named,
 * so that report.json states the prices every cost figure was computed with.
 */
export interface ModelPricing {
  model: string;
  inputPerMTok: number;
  cachedInputPerMTok: number;
  outputPerMTok: number;
}

export interface TokenCounts {
  prompt: number;
  cached: number;
  completion: number;
}

export const DEFAULT_PRICING_MODEL = 'gpt-4o-mini';

export const PRICED_MODELS: readonly string[] = Object.freeze(Object.keys(MODEL_PRICES));

/** The pricing row of a model; dated snapshots (`gpt-4o-mini-2024-07-18`) use their family's row. */
export function pricingFor(model: string): ModelPricing | undefined {
  const price = knownModelPrice(model);
  if (!price) return undefined;
  return { model, inputPerMTok: price.inputPerMillion, cachedInputPerMTok: price.cachedInputPerMillion, outputPerMTok: price.outputPerMillion };
}

/** Cost in USD: uncached prompt + cached prompt + completion tokens, each at its price. */
export function tokenCostUsd(tokens: TokenCounts, pricing: ModelPricing): number {
  const cached = Math.min(tokens.cached, tokens.prompt);
  const uncached = tokens.prompt - cached;
  return (uncached * pricing.inputPerMTok + cached * pricing.cachedInputPerMTok + tokens.completion * pricing.outputPerMTok) / 1_000_000;
}
