import { describe, expect, it } from 'vitest';
import { pricingFor, tokenCostUsd } from './pricing.js';

describe('tokenCostUsd', () => {
  const mini = pricingFor('gpt-4o-mini')!;

  it('uses the gpt-4o-mini list prices', () => {
    expect(mini).toEqual({ model: 'gpt-4o-mini', inputPerMTok: 0.15, cachedInputPerMTok: 0.075, outputPerMTok: 0.6 });
  });

  it('bills cached prompt tokens at the cached price and the rest at the input price', () => {
    // 1M prompt of which 400k cached, 100k completion:
    // 600k x 0.15 + 400k x 0.075 + 100k x 0.60 = 0.09 + 0.03 + 0.06 per 1M-scaled
    expect(tokenCostUsd({ prompt: 1_000_000, cached: 400_000, completion: 100_000 }, mini)).toBeCloseTo(0.09 + 0.03 + 0.06, 12);
  });

  it('never bills more cached tokens than prompt tokens', () => {
    expect(tokenCostUsd({ prompt: 100, cached: 1000, completion: 0 }, mini)).toBeCloseTo((100 * 0.075) / 1e6, 15);
  });

  it('maps dated model snapshots to their family, longest name first', () => {
    expect(pricingFor('gpt-4o-mini-2024-07-18')?.inputPerMTok).toBe(0.15);
    expect(pricingFor('gpt-4o-2024-08-06')?.inputPerMTok).toBe(2.5);
    expect(pricingFor('llama-3')).toBeUndefined();
  });
});
