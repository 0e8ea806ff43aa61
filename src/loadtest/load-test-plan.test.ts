import { describe, expect, it } from 'vitest';
import { planLoadTest, resolveLoadTestOptions, type LoadTestInput } from './load-test-plan.js';

const defaults = {
  now: () => 0,
  today: () => new Date('2026-12-01T09:00:00Z'),
  startLocalStack: () => Promise.reject(new Error('no stack in this test')),
};

function baselineKeys(input: LoadTestInput): readonly string[] | undefined {
  const plan = planLoadTest(resolveLoadTestOptions(input, defaults)).baseline?.plan;
  return plan?.kind === 'baseline' ? plan.conversationKeys : undefined;
}

describe('the baseline user', () => {
  it('holds its conversations as the customers of the first closed stage, in order', () => {
    expect(baselineKeys({ stages: [3, 50], baselineConversations: 3 })).toEqual(['s1u0', 's1u1', 's1u2']);
  });

  it('holds the ones beyond the first stage’s users as itself', () => {
    expect(baselineKeys({ stages: [2], baselineConversations: 4 })).toEqual(['s1u0', 's1u1', 's0u0', 's0u0']);
  });

  it('holds the first arrivals’ conversations in the open model', () => {
    expect(baselineKeys({ model: 'open', arrivalRates: [1], baselineConversations: 2 })).toEqual(['s1c0', 's1c1']);
  });
});
