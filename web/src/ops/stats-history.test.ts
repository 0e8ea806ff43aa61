import { describe, expect, it } from 'vitest';
import { addSample, HISTORY_MS, type Stats } from './stats-history.js';

const stats = (rateLimited: number, sheds: number, remaining: number | null): Stats => ({
  runsInProgress: 3,
  messages: { answered: 10, failed: 0, costUsd: 0.01, latencyMs: { windowSec: 60, count: 10, p50: 900, p95: 2100 } },
  admission: {
    admission: 'on',
    timeScale: 1,
    queue: { depth: 2, continuing: 1, new: 1 },
    queueWaitMs: { p50: 0, p95: 10 },
    budget: { requests: { limit: 500, remaining }, tokens: { limit: 200_000, remaining: 50_000 } },
    provider: { calls: 20, rateLimited },
    sheds: { total: sheds, deadline: sheds, 'queue-full': 0 },
    circuit: { state: 'closed' },
  },
});

describe('addSample', () => {
  it('turns counters into increments and budgets into shares of the limit', () => {
    let history = addSample([], stats(4, 1, 250), 1000);
    expect(history[0]).toMatchObject({ runs: 3, queue: 2, requestsLeftPct: 50, tokensLeftPct: 25, p50: 900, p95: 2100, rateLimited: 0, sheds: 0 });
    history = addSample(history, stats(7, 1, null), 2000);
    expect(history[1]).toMatchObject({ rateLimited: 3, sheds: 0, requestsLeftPct: null });
    // A reset counter starts again from zero instead of going negative.
    history = addSample(history, stats(2, 0, 500), 3000);
    expect(history[2]).toMatchObject({ rateLimited: 2, sheds: 0, requestsLeftPct: 100 });
  });

  it('keeps ten minutes', () => {
    let history = addSample([], {}, 0);
    history = addSample(history, {}, HISTORY_MS / 2);
    history = addSample(history, {}, HISTORY_MS + 1);
    expect(history.map((s) => s.at)).toEqual([HISTORY_MS / 2, HISTORY_MS + 1]);
  });
});
