import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { AdmissionStats } from '../src/llm/admission.js';
import { budgetKeys } from '../src/llm/redis-budget.js';
import { startSimServer } from '../src/sim/sim-server.js';

const WORKER = fileURLToPath(new URL('./admission-worker.ts', import.meta.url));

interface WorkerResult {
  name: string;
  ok: number;
  errors: Record<string, number>;
  stats: AdmissionStats;
}

function runWorker(env: NodeJS.ProcessEnv): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER], { env: { ...process.env, ...env }, stdio: 'pipe' });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`worker exited with ${code}: ${err}`));
      else resolve(JSON.parse(out.trim().split('\n').pop()!) as WorkerResult);
    });
  });
}

describe('two processes sharing one Redis budget', () => {
  it('never push the provider past its RPM or TPM', async () => {
    // Tier-1-like but small, so that a few nominal minutes (3 real seconds each) are spent at the limit.
    const rpm = 100;
    const tpm = 12_000;
    const timeScale = 0.05;
    const sim = await startSimServer({ port: 0, rpm, tpm, timeScale, latency: 'gpt-4o-mini' });
    const key = `test-two-processes-${randomUUID()}`;
    const redis = new Redis('redis://127.0.0.1:6379');
    try {
      const env = {
        SIM_URL: sim.url,
        WORKER_CALLS: '100',
        WORKER_CONCURRENCY: '25',
        CONCIERGE_BUDGET_BACKEND: 'redis',
        CONCIERGE_REDIS_URL: 'redis://127.0.0.1:6379',
        CONCIERGE_BUDGET_KEY: key,
        CONCIERGE_LLM_RPM: String(rpm),
        CONCIERGE_LLM_TPM: String(tpm),
        CONCIERGE_TIME_SCALE: String(timeScale),
        // Long enough that every call is served: this test is about the provider's limits, not shedding.
        CONCIERGE_DEADLINE_MS: '3600000',
      };
      const started = performance.now();
      const results = await Promise.all([runWorker({ ...env, WORKER_NAME: 'a' }), runWorker({ ...env, WORKER_NAME: 'b' })]);
      const minutes = (performance.now() - started) / (60_000 * timeScale);
      const seen = sim.stats();
      const rejected = seen.rateLimited.requests + seen.rateLimited.tokens + seen.rateLimited.tooLarge;

      for (const r of results) {
        expect(r.errors).toEqual({});
        expect(r.ok).toBe(100);
        expect(r.stats).toMatchObject({ backend: 'redis', degraded: false });
      }
      // Every call answered, the provider's limiter almost never had to say no.
      expect(seen.completionsOk).toBe(200);
      expect(rejected).toBeLessThanOrEqual(Math.floor(seen.requests * 0.01));
      // What the provider charged stayed within its limits: one full bucket plus the refill.
      expect(seen.tokens.charged).toBeLessThanOrEqual(tpm + tpm * minutes);
      expect(seen.requests).toBeLessThanOrEqual(rpm + rpm * minutes);
      // And the two processes really did share it: together they used well over one process's share.
      expect(seen.tokens.charged).toBeGreaterThan(tpm);
    } finally {
      await redis.del(...budgetKeys(key));
      redis.disconnect();
      await sim.close();
    }
  });
});
