/**
 * List prices in US dollars per one million tokens. Cached input tokens are part of the
 * prompt tokens and are billed at the cached price instead of the input price.
 */
export interface ModelPrice {
  inputPerMillion: number;
  cachedInputPerMillion: number;
  outputPerMillion: number;
}

export const MODEL_PRICES: Readonly<Record<string, ModelPrice>> = Object.freeze({
  'gpt-4o-mini': { inputPerMillion: 0.15, cachedInputPerMillion: 0.075, outputPerMillion: 0.6 },
  'gpt-4o': { inputPerMillion: 2.5, cachedInputPerMillion: 1.25, outputPerMillion: 10 },
  'gpt-4.1': { inputPerMillion: 2, cachedInputPerMillion: 0.5, outputPerMillion: 8 },
  'gpt-4.1-mini': { inputPerMillion: 0.4, cachedInputPerMillion: 0.1, outputPerMillion: 1.6 },
  'gpt-4.1-nano': { inputPerMillion: 0.1, cachedInputPerMillion: 0.025, outputPerMillion: 0.4 },
});

export interface TokenCounts {
  promptTokens: number;
  cachedTokens: number;
  completionTokens: number;
}

/**
 * The price of a model, matching dated snapshots (`gpt-4o-mini-2024-07-18`) to their family.
 * Unknown models are priced as gpt-4o-mini so a report never silently shows zero cost; the
 * caller can tell by `knownModelPrice`.
 */
export function priceOf(model: string): ModelPrice {
  return knownModelPrice(model) ?? MODEL_PRICES['gpt-4o-mini']!;
}

export function knownModelPrice(model: string): ModelPrice | undefined {
  if (MODEL_PRICES[model]) return MODEL_PRICES[model];
  const family = Object.keys(MODEL_PRICES)
    .filter((name) => model.startsWith(`${name}-`))
    .sort((a, b) => b.length - a.length)[0];
  return family ? MODEL_PRICES[family] : undefined;
}

export function costUsd(model: string, tokens: TokenCounts): number {
  const price = priceOf(model);
  const cached = Math.min(tokens.cachedTokens, tokens.promptTokens);
  const uncached = tokens.promptTokens - cached;
  return (uncached * price.inputPerMillion + cached * price.cachedInputPerMillion + tokens.completionTokens * price.outputPerMillion) / 1_000_000;
}
