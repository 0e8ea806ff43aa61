/**
 * List prices in US dollars per one million tokens, and the one function that turns tokens
 * into dollars. The server prices each run with it and the load tester prices each stage
 * with it, so the two can never disagree. Cached input tokens are part of the prompt tokens
 * and are billed at the cached price instead of the input price.
 */
export interface ModelPricing {
  /** The model the row is for (a dated snapshot keeps its own name and its family's prices). */
  model: string;
  inputPerMTok: number;
  cachedInputPerMTok: number;
  outputPerMTok: number;
}

const PRICES: Readonly<Record<string, Omit<ModelPricing, 'model'>>> = Object.freeze({
  'gpt-4o-mini': { inputPerMTok: 0.15, cachedInputPerMTok: 0.075, outputPerMTok: 0.6 },
  'gpt-4o': { inputPerMTok: 2.5, cachedInputPerMTok: 1.25, outputPerMTok: 10 },
  'gpt-4.1': { inputPerMTok: 2, cachedInputPerMTok: 0.5, outputPerMTok: 8 },
  'gpt-4.1-mini': { inputPerMTok: 0.4, cachedInputPerMTok: 0.1, outputPerMTok: 1.6 },
  'gpt-4.1-nano': { inputPerMTok: 0.1, cachedInputPerMTok: 0.025, outputPerMTok: 0.4 },
});

export const DEFAULT_PRICING_MODEL = 'gpt-4o-mini';

export const PRICED_MODELS: readonly string[] = Object.freeze(Object.keys(PRICES));

export interface TokenCounts {
  promptTokens: number;
  /** Part of promptTokens. */
  cachedTokens: number;
  completionTokens: number;
}

/** The prices of a model; dated snapshots (`gpt-4o-mini-2024-07-18`) use their family's, longest name first. */
export function pricingFor(model: string): ModelPricing | undefined {
  const family =
    PRICES[model] !== undefined
      ? model
      : Object.keys(PRICES)
          .filter((name) => model.startsWith(`${name}-`))
          .sort((a, b) => b.length - a.length)[0];
  const row = family === undefined ? undefined : PRICES[family];
  return row ? { model, ...row } : undefined;
}

/**
 * The prices of a model, unknown models priced as gpt-4o-mini so that a run never silently
 * shows zero cost (`pricingFor` tells the caller when that happened).
 */
export function priceOf(model: string): ModelPricing {
  return pricingFor(model) ?? { ...pricingFor(DEFAULT_PRICING_MODEL)!, model };
}

/** Cost in USD: uncached prompt + cached prompt + completion tokens, each at its price. */
export function costUsd(tokens: TokenCounts, pricing: ModelPricing): number {
  const cached = Math.min(tokens.cachedTokens, tokens.promptTokens);
  const uncached = tokens.promptTokens - cached;
  return (uncached * pricing.inputPerMTok + cached * pricing.cachedInputPerMTok + tokens.completionTokens * pricing.outputPerMTok) / 1_000_000;
}
