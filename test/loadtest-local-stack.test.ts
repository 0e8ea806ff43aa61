import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startLocalStack } from '../src/loadtest/local-stack.js';
import { runLoadTest } from '../src/loadtest/run-load-test.js';

const FAKE_CLI = [process.execPath, '--import', 'tsx', fileURLToPath(new URL('./loadtest-fake-cli.ts', import.meta.url))];

async function reachable(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(2000) });
    return true;
  } catch {
    return false;
  }
}

describe('startLocalStack', () => {
  it('starts the simulator, then the server wired to it, passes extra flags, and stops both', async () => {
    const logDir = await mkdtemp(join(tmpdir(), 'lt-stack-'));
    let urls: { server: string; sim: string } | undefined;
    try {
      const report = await runLoadTest({
        stages: [2],
        baseline: false,
        thinkTimeMs: 0,
        cooldownSec: 0,
        timeScale: 0.5,
        simPreset: 'tier1',
        serverArgs: ['--admission', 'on'],
        logDir,
        startLocalStack: async (options) => {
          const stack = await startLocalStack({ ...options, command: FAKE_CLI });
          urls = { server: stack.serverUrl, sim: stack.simUrl };
          return stack;
        },
      });
      expect(report.config.localStack).toBe(true);
      const stage = report.stages[0]!;
      expect(stage.messages.succeeded).toBe(4);
      const stats = stage.server.last as { args: string[]; env: Record<string, string> };
      expect(stats.env).toEqual({ OPENAI_BASE_URL: `${urls!.sim}/v1`, OPENAI_API_KEY: 'sim-key', CONCIERGE_TIME_SCALE: '0.5' });
      expect(stats.args).toEqual(expect.arrayContaining(['--port', '0', '--admission', 'on']));
      expect(stats.args[stats.args.indexOf('--db') + 1]).toMatch(/concierge\.db$/);
      // The simulator got its flags, was reset before the stage, and its stats are in the report.
      expect(stage.provider.source).toBe('simulator');
      expect(stage.provider.rateLimited).toBe(2);
      const sim = stage.provider.stats as { args: string[]; resets: number };
      expect(sim.args).toEqual(['--port', '0', '--time-scale', '0.5', '--preset', 'tier1']);
      expect(sim.resets).toBe(1);
      expect(await readFile(join(logDir, 'server.log'), 'utf8')).toContain('fake server starting');
      // Both processes are gone.
      expect(await reachable(`${urls!.server}/stats`)).toBe(false);
      expect(await reachable(`${urls!.sim}/sim/stats`)).toBe(false);
    } finally {
      await rm(logDir, { recursive: true, force: true });
    }
  });

  it('fails with the child output when a process dies before listening', async () => {
    const error = await startLocalStack({ command: [...FAKE_CLI, 'crash'], startTimeoutMs: 20_000 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'LOCAL_STACK_FAILED', message: expect.stringContaining('cannot open the database') });
  });
});
