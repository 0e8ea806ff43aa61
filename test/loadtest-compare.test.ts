import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareReports, renderComparison } from '../src/loadtest/compare-reports.js';
import { writeReports } from '../src/loadtest/report-writers.js';
import type { LoadTestReport } from '../src/loadtest/report-types.js';
import { runLoadTest } from '../src/loadtest/run-load-test.js';
import { startFakeAgent } from './loadtest-fake-agent.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

describe('report compare', () => {
  let fast: LoadTestReport;
  let slow: LoadTestReport;
  let dir: string;
  let paths: { a: string; b: string };

  beforeAll(async () => {
    const run = async (delay: number, failEvery?: number) => {
      const fake = await startFakeAgent({ runDelayMs: delay, ...(failEvery ? { failRun: (n: number) => (n % failEvery === 0 ? { status: 429, code: 'PROVIDER_RATE_LIMITED' } : undefined) } : {}) });
      try {
        return await runLoadTest({ targets: [fake.url], stages: [3], baseline: false, thinkTimeMs: 0, cooldownSec: 0 });
      } finally {
        await fake.close();
      }
    };
    fast = await run(5);
    // A second of agent time per message: far beyond any scheduling stall of a loaded machine,
    // so B is slower than A whatever else the machine is doing.
    slow = await run(1000, 3);
    dir = await mkdtemp(join(tmpdir(), 'lt-compare-'));
    paths = { a: (await writeReports(fast, join(dir, 'a'))).json, b: (await writeReports(slow, join(dir, 'b'))).json };
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('gives each figure of A and B and the change, recomputing latency from the histograms', () => {
    const rows = compareReports(fast, slow);
    const p95 = rows.find((r) => r.stage === '3 users' && r.metric === 'latency p95')!;
    expect(p95.a).toBeCloseTo(fast.stages[0]!.latencyMs.p95, 6);
    expect(p95.b).toBeCloseTo(slow.stages[0]!.latencyMs.p95, 6);
    expect(p95.change).toBeCloseTo(p95.b! - p95.a!, 9);
    expect(p95.verdict).toBe('worse');
    const success = rows.find((r) => r.metric === 'success rate')!;
    expect(success.a).toBe(1);
    expect(success.b).toBeLessThan(1);
    expect(success.verdict).toBe('worse');
    expect(rows.find((r) => r.metric === 'failures: provider_rate_limited')?.b).toBeGreaterThan(0);
    const same = compareReports(fast, fast).filter((r) => r.verdict !== null);
    expect(same.every((r) => r.verdict === 'same')).toBe(true);
  });

  it('prints a Markdown table per stage from the CLI', async () => {
    const output = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'report', 'compare', paths.a, paths.b], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.on('exit', (code) => resolve({ code, stdout }));
    });
    expect(output.code).toBe(0);
    expect(output.stdout).toContain('# Load test comparison');
    expect(output.stdout).toContain('## 3 users');
    expect(output.stdout).toMatch(/\| latency p95 \| [\d,.]+ ms \| [\d,.]+ ms \| \+/);
    expect(output.stdout).toBe(`${renderComparison(fast, slow, paths)}\n`);
  });
});
