import { describe, expect, it } from 'vitest';
import { costUsd, knownModelPrice, priceOf } from './pricing.js';

describe('pricing', () => {
  it('bills cached prompt tokens at the cached price', () => {
    // 1M prompt tokens of which 400k cached, 100k completion tokens on gpt-4o-mini.
    const cost = costUsd('gpt-4o-mini', { promptTokens: 1_000_000, cachedTokens: 400_000, completionTokens: 100_000 });
    expect(cost).toBeCloseTo(0.6 * 0.15 + 0.4 * 0.075 + 0.1 * 0.6, 10);
  });

  it('matches dated snapshots to their family and falls back for unknown models', () => {
    expect(priceOf('gpt-4o-mini-2024-07-18')).toEqual(priceOf('gpt-4o-mini'));
    expect(priceOf('gpt-4o-2024-08-06').inputPerMillion).toBe(2.5);
    expect(knownModelPrice('llama-3-8b')).toBeUndefined();
    expect(priceOf('llama-3-8b')).toEqual(priceOf('gpt-4o-mini'));
  });
});
