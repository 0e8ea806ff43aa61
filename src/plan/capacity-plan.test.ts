import { describe, expect, it } from 'vitest';
import { simulateStage, type ModelInputs } from './capacity-model.js';
import { planCapacity } from './capacity-plan.js';
import { DEFAULT_FIGURES } from './plan-figures.js';

const stage: ModelInputs = {
  users: 100,
  messages: 2,
  conversationsPerUser: 1,
  thinkTimeMs: 1000,
  chargedPerMessage: 700,
  llmCallsPerMessage: 1,
  callP50Ms: 1000,
  callP95Ms: 1000,
  cpuPerMessageMs: 0,
  replicas: 1,
  rpm: 500,
  tpm: 200_000,
  minuteMs: 60_000,
  startingBudget: 1,
  seed: 1,
};

describe('capacity model', () => {
  it('serves a burst that fits a full budget without waiting', () => {
    const result = simulateStage(stage);
    expect(result.latenciesMs).toHaveLength(200);
    expect(result.p95Ms).toBe(1000);
  });

  it('makes a burst beyond the budget wait for the refill, in arrival order', () => {
    // 200 messages of 2,000 tokens: 400k against a 200k bucket refilled at 200k a minute.
    const result = simulateStage({ ...stage, chargedPerMessage: 2000 });
    expect(result.makespanMs).toBeGreaterThan(60_000);
    expect(result.makespanMs).toBeLessThan(70_000);
  });

  it('queues messages behind one event loop by their CPU', () => {
    const result = simulateStage({ ...stage, users: 10, messages: 1, cpuPerMessageMs: 100 });
    // Half a message's CPU before its call, half after. The tenth waits for nine first halves
    // (450 ms), has its own (50), its call (1,000), then its second half (50): 1,550 ms.
    expect(result.latenciesMs.at(-1)).toBeCloseTo(1550, 0);
    expect(result.latenciesMs[0]).toBeCloseTo(1100, 0);
  });
});

describe('capacity plan', () => {
  it('gives each tier the users whose demand meets its limits, and the smallest tier that serves N', () => {
    const plan = planCapacity({ users: 100, messages: 2, p95Ms: 10_000, thinkTimeMs: 1000, activeHours: 8, figures: DEFAULT_FIGURES, model: 'gpt-4o-mini' });
    const perUserPerMinute = 60_000 / plan.cycleMs;
    const tier1 = plan.rows.find((r) => r.tier === 'tier1')!;
    expect(tier1.maxUsers).toBe(Math.floor(Math.min(200_000 / (DEFAULT_FIGURES.chargedPerMessage * perUserPerMinute), 500 / perUserPerMinute)));
    expect(tier1.meets).toBe(false);
    expect(plan.smallestTier).toBe('tier2');
    expect(plan.costPer30DaysUsd).toBeCloseTo(plan.costPerDayUsd * 30, 6);
    expect(plan.replicas).toBeGreaterThanOrEqual(1);
  });

  it('serves nobody at a p95 a lone user cannot meet', () => {
    const plan = planCapacity({ users: 10, messages: 2, p95Ms: 500, thinkTimeMs: 1000, activeHours: 8, figures: DEFAULT_FIGURES, model: 'gpt-4o-mini', custom: { rpm: 1e6, tpm: 1e9 } });
    expect(plan.rows.every((r) => r.maxUsers === 0)).toBe(true);
    expect(plan.smallestTier).toBeNull();
  });
});
