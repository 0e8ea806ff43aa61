import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadTestReport } from '../src/loadtest/report-types.js';
import { startFakeAgent, type FakeAgent } from './loadtest-fake-agent.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function cli(args: string[], onStderr?: (text: string, child: ReturnType<typeof spawn>) => void): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      onStderr?.(stderr, child);
    });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('concierge loadtest (CLI)', () => {
  let fake: FakeAgent;
  let dir: string;

  beforeAll(async () => {
    fake = await startFakeAgent({ runDelayMs: 5 });
    dir = await mkdtemp(join(tmpdir(), 'lt-cli-'));
  });

  afterAll(async () => {
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('exits 0 when every threshold passes, and writes the three files', async () => {
    const out = join(dir, 'pass');
    const result = await cli(['loadtest', '--target', fake.url, '--stages', '2', '--no-baseline', '--think-time', '0', '--out', out, '--threshold', 'success>0.95', '--threshold', 'p(95)<60s']);
    expect(result.stderr).toContain('[2 users] done');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('verdict: PASS');
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as LoadTestReport;
    expect(report.baseline).toBeNull();
    expect(report.config.thresholds).toEqual(['success>0.95', 'p(95)<60s']);
    expect(report.stages[0]!.verdict.pass).toBe(true);
    await expect(readFile(join(out, 'report.md'), 'utf8')).resolves.toContain('# Load test report');
    await expect(readFile(join(out, 'report.html'), 'utf8')).resolves.toContain('<!doctype html>');
  });

  it('exits 99 when a threshold fails', async () => {
    const out = join(dir, 'fail');
    const result = await cli(['loadtest', '--target', fake.url, '--stages', '2', '--no-baseline', '--think-time', '0', '--out', out, '--threshold', 'p(95)<0.001']);
    expect(result.code).toBe(99);
    expect(result.stdout).toContain('verdict: FAIL');
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as LoadTestReport;
    expect(report.stages[0]!.verdict.checks[0]).toMatchObject({ expression: 'p(95)<0.001', pass: false });
  });

  it('exits 2 on a threshold it cannot read', async () => {
    const result = await cli(['loadtest', '--target', fake.url, '--threshold', 'p95<1']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--threshold');
  });
});

describe('Ctrl-C', () => {
  it('stops the run and still writes a partial report', async () => {
    const slow = await startFakeAgent({ runDelayMs: 30_000 });
    const dir = await mkdtemp(join(tmpdir(), 'lt-int-'));
    try {
      let sent = false;
      const result = await cli(['loadtest', '--target', slow.url, '--stages', '3,5', '--no-baseline', '--out', dir, '--progress', 'plain'], (stderr, child) => {
        if (!sent && stderr.includes('[3 users] started')) {
          sent = true;
          // Let the first messages go out, then interrupt.
          setTimeout(() => child.kill('SIGINT'), 300);
        }
      });
      expect(result.code).toBe(130);
      const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as LoadTestReport;
      expect(report.partial).toBe(true);
      expect(report.stoppedBy).toBe('signal');
      expect(report.stages).toHaveLength(1);
      expect(report.stages[0]!.boundedBy).toBe('run-stopped');
      expect(report.stages[0]!.failures.aborted).toBe(3);
      expect(report.stages[0]!.messages.succeeded + report.stages[0]!.messages.failed).toBe(report.stages[0]!.messages.total);
    } finally {
      await slow.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
