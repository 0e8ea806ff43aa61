import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { budgetKeys } from '../src/llm/redis-budget.js';
import { startSimServer } from '../src/sim/sim-server.js';
import { spawnCliServer, type CliProcess } from './helpers/spawn-cli.js';

/**
 * Two `concierge serve` processes behind one provider key, as two pods would be: each runs
 * real conversations, and their shared Redis budget keeps the provider's limits for both.
 */
describe('two server processes sharing one Redis budget', () => {
  it('keep the provider within its limits while answering every message', async () => {
    const rpm = 120;
    const tpm = 40_000;
    const timeScale = 0.05;
    const sim = await startSimServer({ port: 0, rpm, tpm, timeScale, latency: 'gpt-4o-mini' });
    const dir = mkdtempSync(join(tmpdir(), 'concierge-pods-'));
    const key = `test-two-servers-${randomUUID()}`;
    const servers: CliProcess[] = [];
    try {
      const env = {
        OPENAI_BASE_URL: `${sim.url}/v1`,
        OPENAI_API_KEY: 'sim-key',
        CONCIERGE_TIME_SCALE: String(timeScale),
        CONCIERGE_BUDGET_BACKEND: 'redis',
        CONCIERGE_BUDGET_KEY: key,
        CONCIERGE_LLM_RPM: String(rpm),
        CONCIERGE_LLM_TPM: String(tpm),
        // Long enough that every message is served: this test is about the provider's limits.
        CONCIERGE_DEADLINE_MS: '3600000',
        // Every message spends budget: the same first question is not answered from the cache.
        CONCIERGE_ANSWER_CACHE: 'off',
      };
      for (const pod of ['a', 'b']) servers.push(await spawnCliServer(['serve', '--port', '0', '--db', join(dir, `${pod}.db`)], env));

      const ask = async (url: string, customer: string, content: string) => {
        const headers = { 'content-type': 'application/json', 'x-customer-id': customer };
        const thread = (await (await fetch(`${url}/threads`, { method: 'POST', headers, body: '{}' })).json()) as { thread_id: string };
        const response = await fetch(`${url}/threads/${thread.thread_id}/runs/wait`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ assistant_id: 'concierge', input: { messages: [{ role: 'user', content }] } }),
        });
        return response.status;
      };
      // 60 conversations' first messages, split over the two pods, all at once: several times
      // what the provider's minute-deep bucket holds, so the shared budget must pace them.
      const questions = ['What services do you offer?', 'Is a Beard trim free on Friday at 11:00?', 'Do you have a Kids cut tomorrow at 15:00?'];
      const statuses = await Promise.all(Array.from({ length: 60 }, (_, i) => ask(servers[i % 2]!.url, `c-${i}`, questions[i % questions.length]!)));

      expect(statuses.every((s) => s === 200)).toBe(true);
      const seen = sim.stats();
      const rateLimited = seen.rateLimited.requests + seen.rateLimited.tokens;
      expect(seen.requests).toBeGreaterThan(60);
      expect(rateLimited).toBeLessThanOrEqual(Math.floor(seen.requests * 0.01));
      // The two pods really shared the work and the budget.
      for (const server of servers) {
        const stats = (await (await fetch(`${server.url}/stats`)).json()) as { admission: { backend: string; admitted: number; degraded: boolean } };
        expect(stats.admission).toMatchObject({ backend: 'redis', degraded: false });
        expect(stats.admission.admitted).toBeGreaterThan(10);
      }
    } finally {
      for (const server of servers) server.child.kill('SIGTERM');
      await Promise.all(servers.map((s) => s.exited));
      await sim.close();
      const redis = new Redis('redis://127.0.0.1:6379');
      await redis.del(...Object.values(budgetKeys(key))).catch(() => 0);
      await redis.quit();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
