import { describe, expect, it } from 'vitest';
import { startSimServer } from '../src/sim/sim-server.js';

async function post(url: string, body: unknown): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

describe('organisation limiter over HTTP with a time scale', () => {
  it('holds accepted TPM within 2% plus one bucket, and RPM within limit, over several scaled minutes', async () => {
    // One scaled minute lasts 1.2 s; six clients offer far more than 30k TPM for about four of them.
    const tpm = 30_000;
    const rpm = 300;
    const minuteMs = 1_200;
    const sim = await startSimServer({ port: 0, latency: 'off', tpm, rpm, timeScale: minuteMs / 60_000 });
    try {
      const body = { model: 'gpt-4o-mini', max_completion_tokens: 1_500, messages: [{ role: 'user', content: 'hi' }] };
      const start = performance.now();
      const deadline = start + 4 * minuteMs;
      let honoured = 0;
      const worker = async () => {
        while (performance.now() < deadline) {
          const res = await post(sim.url, body);
          await res.arrayBuffer();
          if (res.status === 429) {
            honoured++;
            const wait = Number(res.headers.get('retry-after-ms'));
            expect(wait).toBeGreaterThan(0);
            await new Promise((r) => setTimeout(r, Math.min(wait, deadline - performance.now())));
          } else expect(res.status).toBe(200);
        }
      };
      await Promise.all(Array.from({ length: 6 }, worker));
      const minutes = (performance.now() - start) / minuteMs;
      const stats = sim.stats();
      expect(honoured).toBeGreaterThan(0);
      expect(stats.rateLimited.tokens).toBeGreaterThan(0);
      // Admitted tokens: at most the first full bucket plus the refill (2% slack).
      expect(stats.tokens.charged).toBeLessThanOrEqual(tpm * minutes * 1.02 + tpm);
      // Offered load far above the limit keeps the bucket busy: most of the refill is used.
      expect(stats.tokens.charged).toBeGreaterThan(tpm * minutes * 0.8);
      expect(stats.completionsOk).toBeLessThanOrEqual(rpm * minutes + rpm);
      expect(stats.completionsOk * 1_509).toBeLessThanOrEqual(stats.tokens.charged + 1_509);
    } finally {
      await sim.close();
    }
  });

  it('reports reset durations in real (scaled) time', async () => {
    const body = { model: 'gpt-4o-mini', max_completion_tokens: 100, messages: [{ role: 'user', content: 'hi' }] };
    const real = await startSimServer({ port: 0, latency: 'off', rpm: 60, tpm: 60_000 });
    const fast = await startSimServer({ port: 0, latency: 'off', rpm: 60, tpm: 60_000, timeScale: 0.1 });
    try {
      const a = await post(real.url, body);
      const b = await post(fast.url, body);
      // One request of 60/min refills in 1 s; at time scale 0.1 in 100 ms.
      expect(a.headers.get('x-ratelimit-reset-requests')).toBe('1s');
      expect(b.headers.get('x-ratelimit-reset-requests')).toBe('100ms');
      // 108 tokens (8 prompt + 100 completion) of 60,000/min: 108 ms, or 11 ms scaled (rounded up).
      expect(a.headers.get('x-ratelimit-reset-tokens')).toBe('108ms');
      expect(b.headers.get('x-ratelimit-reset-tokens')).toBe('11ms');
      expect(a.headers.get('x-ratelimit-remaining-tokens')).toBe('59892');
    } finally {
      await real.close();
      await fast.close();
    }
  });
});
