import { describe, expect, it } from 'vitest';
import { createLangChainDefaultRetryFetch } from './langchain-default-retry.js';
import type { Clock } from '../shared/clock.js';

/** A clock whose timers fire at once but which records what was asked of it. */
function recordingClock(): Clock & { waits: number[] } {
  const waits: number[] = [];
  return {
    waits,
    now: () => 0,
    setTimer(ms, fn) {
      waits.push(ms);
      queueMicrotask(fn);
      return () => {};
    },
  };
}

const rateLimited = (hint?: string) =>
  new Response(JSON.stringify({ error: { message: `Rate limit reached.${hint ? ` Please try again in ${hint}.` : ''}`, type: 'requests', code: 'rate_limit_exceeded' } }), { status: 429 });

describe('LangChain default retry, on a scaled clock', () => {
  it('backs off exponentially from 1 s, scaled, and at least the hint', async () => {
    const clock = recordingClock();
    let calls = 0;
    const fetch = createLangChainDefaultRetryFetch(
      async () => {
        calls += 1;
        return calls <= 3 ? rateLimited(calls === 3 ? '5s' : '10ms') : new Response('{}', { status: 200 });
      },
      { timeScale: 0.1, attemptTimeoutMs: 5000, clock, random: () => 0 },
    );
    const response = await fetch('http://x/v1/chat/completions');
    expect(response.status).toBe(200);
    expect(calls).toBe(4);
    // 1 s, 2 s scaled by 0.1 (they beat the 10 ms hints), then the 5 s hint (already real
    // time, and within the scaled minute LangChain would wait) beats 4 s x 0.1.
    expect(clock.waits).toEqual([100, 200, 5_000]);
  });

  it('times out each attempt on its own and retries it', async () => {
    const clock = recordingClock();
    let calls = 0;
    const fetch = createLangChainDefaultRetryFetch(
      async (_input, init) => {
        calls += 1;
        if (calls === 1) {
          // The first attempt hangs until its own timeout aborts it.
          return new Promise<Response>((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal!.reason)));
        }
        return new Response('{}', { status: 200 });
      },
      { timeScale: 1, attemptTimeoutMs: 50, clock, random: () => 0 },
    );
    expect((await fetch('http://x')).status).toBe(200);
    expect(calls).toBe(2);
  });

  it('gives up after 6 retries and never retries a quota error, a hintless 429 or a 400', async () => {
    const clock = recordingClock();
    let calls = 0;
    const always429 = createLangChainDefaultRetryFetch(async () => {
      calls += 1;
      return rateLimited('1s');
    }, { timeScale: 1, attemptTimeoutMs: 5000, clock, random: () => 0.5 });
    expect((await always429('http://x')).status).toBe(429);
    expect(calls).toBe(7);

    calls = 0;
    const hintless = createLangChainDefaultRetryFetch(async () => {
      calls += 1;
      return rateLimited();
    }, { timeScale: 1, attemptTimeoutMs: 5000, clock });
    expect((await hintless('http://x')).status).toBe(429);
    expect(calls).toBe(1);

    calls = 0;
    const tooLong = createLangChainDefaultRetryFetch(async () => {
      calls += 1;
      return rateLimited('90s');
    }, { timeScale: 1, attemptTimeoutMs: 5000, clock });
    expect((await tooLong('http://x')).status).toBe(429);
    expect(calls).toBe(1);

    calls = 0;
    const quota = createLangChainDefaultRetryFetch(async () => {
      calls += 1;
      return new Response(JSON.stringify({ error: { code: 'insufficient_quota', message: 'You exceeded your current quota' } }), { status: 429 });
    }, { timeScale: 1, attemptTimeoutMs: 5000, clock });
    expect((await quota('http://x')).status).toBe(429);
    expect(calls).toBe(1);

    calls = 0;
    const bad = createLangChainDefaultRetryFetch(async () => {
      calls += 1;
      return new Response('{}', { status: 400 });
    }, { timeScale: 1, attemptTimeoutMs: 5000, clock });
    expect((await bad('http://x')).status).toBe(400);
    expect(calls).toBe(1);
  });
});
