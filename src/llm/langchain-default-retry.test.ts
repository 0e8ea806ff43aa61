import { describe, expect, it } from 'vitest';
import { ManualClock } from '../shared/clock.js';
import { createLangChainDefaultRetryFetch } from './langchain-default-retry.js';

const rateLimited = (hint?: string, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify({ error: { message: `Rate limit reached.${hint ? ` Please try again in ${hint}.` : ''}`, type: 'requests', code: 'rate_limit_exceeded' } }), { status: 429, headers });

/** A provider that answers from a script and notes when (on the clock) each attempt came. */
function scripted(clock: ManualClock, answer: (call: number, init: RequestInit | undefined) => Response | Promise<Response>) {
  const at: number[] = [];
  const fetch: typeof globalThis.fetch = async (_input, init) => {
    at.push(clock.now());
    return answer(at.length, init);
  };
  return { fetch, at, gaps: () => at.slice(1).map((t, i) => t - at[i]!) };
}

describe('LangChain default retry, on a scaled clock', () => {
  it('backs off exponentially from 1 s, scaled, and at least the hint', async () => {
    const clock = new ManualClock();
    const provider = scripted(clock, (call) => (call <= 3 ? rateLimited(call === 3 ? '5s' : '10ms') : new Response('{}', { status: 200 })));
    const fetch = createLangChainDefaultRetryFetch(provider.fetch, { timeScale: 0.1, attemptTimeoutMs: 5000, clock, random: () => 0 });
    const response = await clock.settle(fetch('http://x/v1/chat/completions'));
    expect(response.status).toBe(200);
    // 1 s, 2 s scaled by 0.1 (they beat the 10 ms hints), then the 5 s hint (already real
    // time, and within the scaled minute LangChain would wait) beats 4 s x 0.1.
    expect(provider.gaps()).toEqual([100, 200, 5_000]);
  });

  it('reads Retry-After as LangChain does: seconds or an HTTP date, never retry-after-ms', async () => {
    const clock = new ManualClock();
    const inThree = new Date(clock.now() + 3000).toUTCString();
    const provider = scripted(clock, (call) =>
      call === 1 ? rateLimited(undefined, { 'retry-after': '2', 'retry-after-ms': '10' }) : call === 2 ? rateLimited(undefined, { 'retry-after': inThree }) : new Response('{}'),
    );
    const fetch = createLangChainDefaultRetryFetch(provider.fetch, { timeScale: 0.1, attemptTimeoutMs: 5000, clock, random: () => 0 });
    expect((await clock.settle(fetch('http://x'))).status).toBe(200);
    expect(provider.gaps()).toEqual([2000, 1000]);
  });

  it('times out each attempt on its own and retries it', async () => {
    const clock = new ManualClock();
    const provider = scripted(clock, (call, init) =>
      call === 1
        ? // The first attempt hangs until its own timeout aborts it.
          new Promise<Response>((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal!.reason)))
        : new Response('{}', { status: 200 }),
    );
    const fetch = createLangChainDefaultRetryFetch(provider.fetch, { timeScale: 1, attemptTimeoutMs: 50, clock, random: () => 0 });
    expect((await clock.settle(fetch('http://x'))).status).toBe(200);
    // 50 ms until the timeout, then LangChain's first backoff of 1 s.
    expect(provider.gaps()).toEqual([1050]);
  });

  it('gives up after 6 retries and never retries a quota error, a hintless 429 or a 400', async () => {
    const clock = new ManualClock();
    const calls = async (answer: () => Response) => {
      const provider = scripted(clock, answer);
      const response = await clock.settle(createLangChainDefaultRetryFetch(provider.fetch, { timeScale: 1, attemptTimeoutMs: 5000, clock, random: () => 0.5 })('http://x'));
      return { status: response.status, calls: provider.at.length };
    };
    expect(await calls(() => rateLimited('1s'))).toEqual({ status: 429, calls: 7 });
    expect(await calls(() => rateLimited())).toEqual({ status: 429, calls: 1 });
    expect(await calls(() => rateLimited('90s'))).toEqual({ status: 429, calls: 1 });
    expect(await calls(() => new Response(JSON.stringify({ error: { code: 'insufficient_quota', message: 'You exceeded your current quota' } }), { status: 429 }))).toEqual({ status: 429, calls: 1 });
    expect(await calls(() => new Response('{}', { status: 400 }))).toEqual({ status: 400, calls: 1 });
  });
});
