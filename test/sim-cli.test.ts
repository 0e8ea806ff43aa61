import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { runSimBench } from '../src/sim/bench/sim-bench.js';

describe('concierge sim (CLI)', () => {
  it('prints exactly one line when ready, serves, and exits cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'sim', '--port', '0', '--latency', 'off'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    try {
      while (!stdout.includes('\n')) {
        if (child.exitCode !== null) throw new Error(`sim exited: ${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const url = /^sim listening on (http:\/\/127\.0\.0\.1:\d+)\n$/.exec(stdout)?.[1];
      expect(url).toBeDefined();
      const res = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(res.status).toBe(200);
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).toBe(0);
      expect(stdout.split('\n').filter(Boolean)).toHaveLength(1);
      expect(stderr).toBe('');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('exits 2 naming a bad flag', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'sim', '--preset', 'tier9'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(2);
    expect(stderr).toContain('--preset (CONCIERGE_SIM_PRESET): must be one of free, tier1');
  });
});

describe('sim benchmark traffic', () => {
  it('sends agent-like conversations: 1-2.5k-token prompts, mostly cached, with tool calls', async () => {
    const result = await runSimBench({ requests: 300, concurrency: 8, stream: false, generator: 'in-process', latency: 'off' });
    expect(result.load.ok).toBe(300);
    expect(result.load.failed).toBe(0);
    expect(result.load.promptTokens.min).toBeGreaterThan(1_000);
    expect(result.load.promptTokens.max).toBeLessThan(2_600);
    expect(result.load.cachedTokens / result.load.promptTokens.total).toBeGreaterThan(0.5);
    expect(result.load.toolCalls).toBeGreaterThan(50);
    expect(result.stats.completionsOk).toBe(300);
    expect(result.memory.length).toBeGreaterThanOrEqual(2);
  });
});
