import { describe, expect, it } from 'vitest';
import { providerMinimum } from './provider-minimum.js';

const tier1 = { rpm: 500, tpm: 200_000, windowMs: 60_000 };

describe('the provider-limited minimum of a stage', () => {
  it('counts only the tokens beyond the starting level, at the refill rate', () => {
    // Started with 150,000 tokens in the bucket and was charged 450,000: 300,000 more had to
    // refill at 200,000 a minute: the last call is admitted no sooner than 90 s in.
    const m = providerMinimum({ limits: tier1, start: { requests: 500, tokens: 150_000 }, charged: { requests: 400, tokens: 450_000 } }, 1, { ownConversationSec: 8 });
    expect(m.tokensSec).toBeCloseTo(90);
    expect(m.requestsSec).toBe(0);
    expect(m.minimumSec).toBeCloseTo(90);
  });

  it('is the longest conversation on its own when the bucket holds the whole stage', () => {
    const m = providerMinimum({ limits: tier1, start: { requests: 500, tokens: 200_000 }, charged: { requests: 40, tokens: 45_000 } }, 1, { ownConversationSec: 7 });
    expect(m.minimumSec).toBe(7);
  });

  it('takes the requests bucket when it binds, and scales minutes by the time scale', () => {
    // 1,000 requests from an empty request bucket at 500 a minute: 2 minutes, 6 s at F = 0.05.
    const m = providerMinimum({ limits: tier1, start: { requests: 0, tokens: 200_000 }, charged: { requests: 1000, tokens: 100_000 } }, 0.05, { ownConversationSec: 0.4 });
    expect(m.requestsSec).toBeCloseTo(6);
    expect(m.minimumSec).toBeCloseTo(6);
  });
});
