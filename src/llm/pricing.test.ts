import { describe, expect, it } from 'vitest';
import { costUsd, priceOf, pricingFor } from './pricing.js';

describe('pricing', () => {
  const mini = pricingFor('gpt-4o-mini')!;

  it('uses the gpt-4o-mini list prices', () => {
    expect(mini).toEqual({ model: 'gpt-4o-mini', inputPerMTok: 0.15, cachedInputPerMTok: 0.075, outputPerMTok: 0.6 });
  });

  it('bills cached prompt tokens at the cached price and the rest at the input price', () => {
    // 1M prompt tokens of which 400k cached, 100k completion tokens: 0.09 + 0.03 + 0.06.
    expect(costUsd({ promptTokens: 1_000_000, cachedTokens: 400_000, completionTokens: 100_000 }, mini)).toBeCloseTo(0.09 + 0.03 + 0.06, 12);
  });

  it('never bills more cached tokens than prompt tokens', () => {
    expect(costUsd({ promptTokens: 100, cachedTokens: 1000, completionTokens: 0 }, mini)).toBeCloseTo((100 * 0.075) / 1e6, 15);
  });

  it('maps dated snapshots to their family, longest name first, and prices unknown models as gpt-4o-mini', () => {
    expect(pricingFor('gpt-4o-mini-2024-07-18')).toEqual({ ...mini, model: 'gpt-4o-mini-2024-07-18' });
    expect(pricingFor('gpt-4o-2024-08-06')?.inputPerMTok).toBe(2.5);
    expect(pricingFor('llama-3-8b')).toBeUndefined();
    expect(priceOf('llama-3-8b')).toEqual({ ...mini, model: 'llama-3-8b' });
  });
});
