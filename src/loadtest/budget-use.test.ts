import { describe, expect, it } from 'vitest';
import { budgetUse, sampleAt } from './budget-use.js';

// 60,000 tokens per minute at time scale 0.5: a nominal minute lasts 30 measured seconds, so
// the bucket refills 2,000 tokens per measured second.
const TPM = 60_000;
const SCALE = 0.5;

describe('budgetUse', () => {
  it('charges the span against what the bucket held at its start plus the refill over it', () => {
    // The bucket starts full (60,000) and is drained in 10 s by a caller taking 8,000 a second,
    // then every refill is taken as it comes (2,000 a second).
    const trace = [
      { atSec: 0, chargedTokens: 0, tokensLeft: 60_000 },
      { atSec: 10, chargedTokens: 80_000, tokensLeft: 0 },
      { atSec: 20, chargedTokens: 100_000, tokensLeft: 0 },
    ];
    const whole = budgetUse(trace, { fromSec: 0, toSec: 20 }, TPM, SCALE)!;
    expect(whole.grantableTokens).toBe(60_000 + 40_000);
    expect(whole.share).toBe(1);
    // Tokens per minute beat the limit over a span that began full, and are no bound...
    expect(whole.tokensPerMinute).toBe(150_000);
    // ...while over the drained part they are exactly the limit.
    const drained = budgetUse(trace, { fromSec: 10, toSec: 20 }, TPM, SCALE)!;
    expect(drained).toMatchObject({ chargedTokens: 20_000, grantableTokens: 20_000, share: 1, tokensPerMinute: 60_000 });
  });

  it('shows a budget left unused while the bucket fills', () => {
    // Half the refill taken: the bucket fills at 1,000 a second.
    const trace = [
      { atSec: 0, chargedTokens: 0, tokensLeft: 0 },
      { atSec: 10, chargedTokens: 10_000, tokensLeft: 10_000 },
    ];
    const use = budgetUse(trace, { fromSec: 0, toSec: 10 }, TPM, SCALE)!;
    expect(use.share).toBe(0.5);
    expect(use.tokensPerMinute).toBe(30_000);
  });

  it('reads between samples linearly and needs a span and two samples', () => {
    const trace = [
      { atSec: 0, chargedTokens: 0, tokensLeft: 1000 },
      { atSec: 4, chargedTokens: 400, tokensLeft: 600 },
    ];
    expect(sampleAt(trace, 1)).toEqual({ atSec: 1, chargedTokens: 100, tokensLeft: 900 });
    expect(sampleAt(trace, 9)).toEqual({ atSec: 9, chargedTokens: 400, tokensLeft: 600 });
    expect(budgetUse(trace, { fromSec: 2, toSec: 2 }, TPM, SCALE)).toBeNull();
    expect(budgetUse(trace.slice(0, 1), { fromSec: 0, toSec: 2 }, TPM, SCALE)).toBeNull();
  });
});
