import OpenAI, { APIConnectionTimeoutError, InternalServerError } from 'openai';
import { describe, expect, it, vi } from 'vitest';
import { startSimServer, type SimServer } from '../src/sim/sim-server.js';
import type { SimOptions } from '../src/sim/sim-settings.js';

const ask = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Tell me about gardens, in detail please.' }] };

async function withSim(options: Partial<SimOptions>, body: (sim: SimServer) => Promise<void>): Promise<void> {
  const sim = await startSimServer({ port: 0, latency: 'off', ...options });
  try {
    await body(sim);
  } finally {
    await sim.close();
  }
}

function client(sim: SimServer, options: Partial<ConstructorParameters<typeof OpenAI>[0]> = {}): OpenAI {
  return new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'sk-sim', maxRetries: 0, ...options });
}

describe('fault injection', () => {
  it('answers 500/503 at the fail rate; the SDK retries them', async () => {
    await withSim({ failRate: 1 }, async (sim) => {
      const e = await client(sim, { maxRetries: 1 }).chat.completions.create(ask).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(InternalServerError);
      expect([500, 503]).toContain((e as InternalServerError).status);
      const stats = sim.stats();
      expect(stats.injected.serverErrors).toBe(2);
      expect(stats.retriedRequests).toBe(1);
      expect(stats.completionsOk).toBe(0);
    });
  });

  it('never answers at the hang rate, and still closes promptly', async () => {
    await withSim({ hangRate: 1 }, async (sim) => {
      const e = await client(sim, { timeout: 300 }).chat.completions.create(ask).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(APIConnectionTimeoutError);
      expect(sim.stats().injected.hangs).toBe(1);
      // Another hanging request is still open when the server closes.
      void fetch(`${sim.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify(ask) }).catch(() => undefined);
      await vi.waitFor(() => expect(sim.stats().concurrency.current).toBe(1), { timeout: 10_000, interval: 10 });
    });
  });

  it('cuts streams midway: no finish chunk, no [DONE], the SDK stream fails', async () => {
    await withSim({ cutStreamRate: 1 }, async (sim) => {
      const stream = client(sim).chat.completions.stream(ask);
      let content = '';
      stream.on('content', (d) => (content += d));
      const e = await stream.finalChatCompletion().catch((x: unknown) => x);
      expect(e).toBeInstanceOf(Error);
      expect(content.length).toBeGreaterThan(0);
      expect(sim.stats().injected.cutStreams).toBe(1);
      expect(sim.stats().completionsOk).toBe(0);
      // Non-streamed requests are not cut.
      const plain = await client(sim).chat.completions.create(ask);
      expect(plain.choices[0]?.finish_reason).toBe('stop');
    });
  });

  it('paces streamed tokens after the time to first token, and slows slow streams', async () => {
    await withSim({ latency: 'gpt-4o-mini', ttftMs: 400, timeScale: 0.5, slowStreamRate: 1, slowStreamFactor: 2 }, async (sim) => {
      const started = performance.now();
      const arrivals: number[] = [];
      const stream = client(sim).chat.completions.stream(ask);
      stream.on('content', () => arrivals.push(performance.now() - started));
      await stream.finalChatCompletion();
      // 400 ms median x 0.5 scale x 2 slow: far above 100 ms even at the low tail of the jitter.
      expect(arrivals[0]).toBeGreaterThan(100);
      expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThan(0);
      expect(sim.stats().injected.slowResponses).toBe(1);
    });
  });
});

describe('self-hosted mode', () => {
  it('runs at most max-seqs at once, queues the next, refuses beyond the queue with 503', async () => {
    await withSim({ latency: 'fast', ttftMs: 500, maxSeqs: 2, maxQueue: 2 }, async (sim) => {
      const c = client(sim);
      let maxRunning = 0;
      const poll = setInterval(() => {
        maxRunning = Math.max(maxRunning, sim.stats().selfHosted?.running ?? 0);
      }, 20);
      const results = await Promise.all(
        Array.from({ length: 6 }, () =>
          c.chat.completions.create(ask).then(
            () => 200,
            (e: unknown) => (e as InternalServerError).status,
          ),
        ),
      );
      clearInterval(poll);
      expect(results.filter((s) => s === 200).length).toBe(4);
      expect(results.filter((s) => s === 503).length).toBe(2);
      expect(maxRunning).toBe(2);
      const stats = sim.stats();
      expect(stats.queueFull).toBe(2);
      // Refused requests end at once, so the sixth may arrive after the first refusal ended.
      expect(stats.concurrency.peak).toBeGreaterThanOrEqual(5);
      expect(stats.selfHosted).toEqual({ maxSeqs: 2, running: 0, waiting: 0 });
    });
  });
});

describe('stats endpoint', () => {
  it('serves the counters and resets them', async () => {
    await withSim({}, async (sim) => {
      await client(sim).chat.completions.create(ask);
      const stats = (await (await fetch(`${sim.url}/sim/stats`)).json()) as ReturnType<SimServer['stats']>;
      expect(stats.requests).toBe(1);
      expect(stats.completionsOk).toBe(1);
      expect(stats.tokens.prompt).toBeGreaterThan(0);
      expect(stats.tokens.completion).toBeGreaterThan(0);
      expect(stats.limits.preset).toBe('unlimited');
      expect(stats.timeScale).toBe(1);
      expect((await fetch(`${sim.url}/sim/reset`, { method: 'POST' })).status).toBe(200);
      expect(sim.stats().requests).toBe(0);
      expect(sim.stats().tokens.prompt).toBe(0);
    });
  });
});
