import { spawn, type ChildProcess } from 'node:child_process';
import OpenAI from 'openai';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { resolveSettings } from '../src/config/settings.js';
import { admissionSettingSources, admissionSettingsSchema } from '../src/llm/admission-settings.js';
import { createAdmission } from '../src/llm/admission.js';
import { budgetKeys } from '../src/llm/redis-budget.js';
import { startSimServer } from '../src/sim/sim-server.js';
import { freePort } from './helpers/free-port.js';

/** A private Redis for this test, so that stopping it never touches the shared one. */
async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'pipe' });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Ready to accept connections')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${out}`)));
  });
  return child;
}

async function stopRedis(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

async function until(condition: () => boolean, what: string, limitMs = 15_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`gave up waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('Redis budget fallback', () => {
  it('keeps serving on a local share while Redis is down, and goes back to Redis when it returns', async () => {
    const port = await freePort();
    let redisServer = await startRedis(port);
    const sim = await startSimServer({ port: 0, latency: 'off', preset: 'tier1', timeScale: 0.05 });
    const lines: string[] = [];
    const settings = resolveSettings(admissionSettingsSchema, admissionSettingSources, {
      flags: { budgetBackend: 'redis', redisUrl: `redis://127.0.0.1:${port}`, budgetKey: 'fallback-test', llmTier: 'tier1', timeScale: 0.05 },
      env: {},
    });
    const admission = createAdmission(settings, { log: (line) => lines.push(line) });
    const openai = new OpenAI({ apiKey: 'sk-sim', baseURL: `${sim.url}/v1`, fetch: admission.fetch, maxRetries: 0 });
    const ask = () => openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }] });
    try {
      await ask();
      expect(admission.stats().degraded).toBe(false);

      await stopRedis(redisServer);
      for (let i = 0; i < 3; i += 1) await ask();
      expect(admission.stats()).toMatchObject({ degraded: true, provider: { ok: 4 } });
      expect(lines.filter((l) => l.includes('unreachable'))).toHaveLength(1);

      redisServer = await startRedis(port);
      await until(() => !admission.stats().degraded, 'the budget to reconnect');
      await ask();
      expect(lines.filter((l) => l.includes('reachable again'))).toHaveLength(1);
      // The call after the return was reserved in the fresh Redis.
      const probe = new Redis(`redis://127.0.0.1:${port}`);
      try {
        expect(Number(await probe.hget(budgetKeys('fallback-test')[0], 'charged'))).toBe(1);
      } finally {
        probe.disconnect();
      }
    } finally {
      await admission.close();
      await sim.close();
      await stopRedis(redisServer);
    }
  });
});
