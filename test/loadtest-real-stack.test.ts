import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { costUsd, priceOf } from '../src/llm/pricing.js';
import { runLoadTest } from '../src/loadtest/run-load-test.js';

/**
 * The load tester against the real thing: `concierge sim` and `concierge serve` started as
 * child processes from the built CLI, real conversations, real usage figures.
 */
describe('load test against the real server and simulator', () => {
  it('holds full-mode conversations and reports exact usage from the server', async () => {
    const logDir = await mkdtemp(join(tmpdir(), 'lt-real-'));
    try {
      const report = await runLoadTest({
        stages: [4],
        mode: 'full',
        baseline: true,
        thinkTimeMs: 200,
        cooldownSec: 0,
        timeScale: 0.05,
        simPreset: 'tier1',
        timeoutSec: 300,
        logDir,
        stream: true,
      });
      const stage = report.stages.at(-1)!;
      expect(stage.users).toBe(4);
      expect(stage.messages.failed, JSON.stringify(stage.failures)).toBe(0);
      expect(stage.messages.succeeded).toBeGreaterThanOrEqual(4 * 5);
      expect(stage.tokens.prompt).toBeGreaterThan(stage.tokens.completion);
      expect(stage.tokens.cached).toBeLessThanOrEqual(stage.tokens.prompt);
      const expected = costUsd({ promptTokens: stage.tokens.prompt, cachedTokens: stage.tokens.cached, completionTokens: stage.tokens.completion }, priceOf('gpt-4o-mini'));
      expect(stage.costUsd).toBeCloseTo(expected, 9);
      // What the provider saw agrees, call for call, with the usage the server returned.
      expect(stage.provider.source).toBe('simulator');
      expect(stage.usage.llmCalls).toBeGreaterThanOrEqual(stage.messages.succeeded);
      expect(stage.provider.requests).toBe(stage.usage.llmCalls + stage.usage.providerRateLimited);
      // The server's own Prometheus figures for the stage agree with what the load generator counted.
      const server = stage.server.prometheus!;
      expect(server).toBeTruthy();
      expect(server.runs.success).toBe(stage.messages.succeeded);
      expect(server.llmCalls).toBe(stage.usage.llmCalls + stage.usage.providerRateLimited);
      expect(server.tokens).toEqual({ input: stage.tokens.prompt, output: stage.tokens.completion, cached: stage.tokens.cached });
      expect(server.costUsd).toBeCloseTo(stage.usage.serverCostUsd, 9);
      expect(server.runP95Ms).toBeGreaterThan(0);
      expect(stage.latencyMs.p50).toBeLessThanOrEqual(stage.latencyMs.p95);
      expect(stage.latencyMs.p95).toBeLessThanOrEqual(stage.latencyMs.max);
    } finally {
      await rm(logDir, { recursive: true, force: true });
    }
  });
});
