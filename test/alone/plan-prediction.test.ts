import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadTestReport } from '../../src/loadtest/report-types.js';
import { BIN } from '../helpers/spawn-cli.js';

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * `concierge plan --from` on the report of a real 100-user Tier-1 stage (local simulator
 * and server, answer cache off, half time scale so it stays short) predicts that stage's
 * makespan and p95 within 25%: the plan's model is checked against what it models.
 */
describe('concierge plan --from a load-test report', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'plan-from-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('predicts the 100-user Tier-1 stage it was measured on within 25%', async () => {
    const out = join(dir, 'run');
    const run = await cli(['loadtest', '--stages', '100', '--sim-preset', 'tier1', '--time-scale', '0.5', '--no-baseline', '--server-arg=--answer-cache off', '--out', out, '--progress', 'off']);
    expect(run.stderr).not.toMatch(/unexpected error/);
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as LoadTestReport;
    expect(report.stages[0]?.messages.succeeded).toBeGreaterThan(190);

    const plan = await cli(['plan', '--users', '100', '--from', join(out, 'report.json')]);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(/smallest tier for 100 users: tier\d/);
    const makespan = /makespan ([\d.]+) s predicted vs ([\d.]+) s measured/.exec(plan.stdout);
    const p95 = /p95 ([\d.]+) s predicted vs ([\d.]+) s measured/.exec(plan.stdout);
    expect(makespan, plan.stdout).not.toBeNull();
    expect(p95, plan.stdout).not.toBeNull();
    const ratio = (m: RegExpExecArray) => Number(m[1]) / Number(m[2]);
    expect(Number(makespan![2])).toBeCloseTo(report.stages[0]!.realTime.durationSec, 0);
    // The plan models a provider and a server that has its CPU; a stage the lab marks
    // cpuBound (another process took the cores) is not what it models, and by the lab's rule
    // its figures count towards nothing. This file runs alone after the suite (npm test) so
    // that the stage has the machine.
    const stage = report.stages[0]!;
    if (stage.cpuBound) {
      console.warn(`plan prediction not checked: the stage was cpuBound\n${plan.stdout}`);
      return;
    }
    expect(Math.abs(ratio(makespan!) - 1), plan.stdout).toBeLessThanOrEqual(0.25);
    expect(Math.abs(ratio(p95!) - 1), plan.stdout).toBeLessThanOrEqual(0.25);
  }, 300_000);
});
