import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCluster } from '../src/cluster/local-cluster.js';
import type { LoadTestReport } from '../src/loadtest/report-types.js';
import { BIN } from './helpers/spawn-cli.js';
import { startTestCluster } from './helpers/cluster.js';
import { dropKeys, freshPrefix } from './helpers/redis.js';

/**
 * `concierge loadtest --target <balancer>` at 100 users against three replicas sharing one
 * provider budget (Redis) at gpt-4o-mini Tier 1, then the same against one replica alone:
 * the shared budget keeps the provider free of 429s, and three replicas serve what one does.
 * Time scale 0.1 (the simulator and the replicas alike); the deadline is the seed's 5 minutes,
 * so that success means "served".
 */

const TIME_SCALE = '0.1';
const budgetKey = `${freshPrefix()}-budget`;
let cluster: LocalCluster;
let stop: () => Promise<void>;
let out: string;

async function loadtest(target: string, name: string): Promise<LoadTestReport> {
  const dir = join(out, name);
  const args = [BIN, 'loadtest', '--target', target, '--sim-url', cluster.simulatorUrl!, '--stages', '100', '--no-baseline', '--time-scale', TIME_SCALE, '--timeout', '300', '--progress', 'plain', '--out', dir, '--run-id', name];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  expect(code, output.slice(-3000)).not.toBe(2);
  return JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as LoadTestReport;
}

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'cluster-lt-'));
  ({ cluster, stop } = await startTestCluster({
    name: 'cluster_lt',
    env: { CONCIERGE_TIME_SCALE: TIME_SCALE },
    serveArgs: ['--llm-tier', 'tier1', '--budget-key', budgetKey, '--deadline-ms', '300000', '--database-pool-size', '6'],
    simArgs: ['--preset', 'tier1', '--time-scale', TIME_SCALE],
  }));
}, 120_000);

afterAll(async () => {
  await stop?.();
  await dropKeys(`{concierge:${budgetKey}}`);
  await rm(out, { recursive: true, force: true });
});

describe('load test through the balancer', () => {
  it('100 users on three replicas sharing the budget: no provider 429, the same success as one replica', async () => {
    const three = (await loadtest(cluster.url, 'three')).stages[0]!;
    const one = (await loadtest(cluster.replicas[0]!.url, 'one')).stages[0]!;
    for (const stage of [three, one]) {
      expect(stage.users).toBe(100);
      expect(stage.provider.source).toBe('simulator');
      expect(stage.provider.rateLimited, stage.provider.rateLimitedDetail ?? '').toBe(0);
      expect(stage.messages.succeeded, JSON.stringify(stage.failures)).toBe(stage.messages.total);
    }
    expect(three.successRate).toBe(one.successRate);
    // Each replica's admission counted the others' queues.
    const stats = (await (await fetch(`${cluster.replicas[1]!.url}/stats`)).json()) as { admission: { replicas: number; backend: string } };
    expect(stats.admission).toMatchObject({ replicas: 3, backend: 'redis' });
  }, 300_000);
});
