import { describe, expect, it } from 'vitest';
import { ManualClock } from '../shared/clock.js';
import { createOpenAiPythonRetryFetch } from './openai-python-retry.js';

const rateLimited = (headers: Record<string, string> = {}) =>
  new Response(JSON.stringify({ error: { message: 'Rate limit reached for gpt-4o-mini on tokens per min (TPM).', type: 'tokens', code: 'rate_limit_exceeded' } }), { status: 429, headers });

/** A provider that answers from a script and notes when (on the clock) each attempt came. */
function scripted(clock: ManualClock, answer: (call: number) => Response) {
  const at: number[] = [];
  const fetch: typeof globalThis.fetch = async () => {
    at.push(clock.now());
    return answer(at.length);
  };
  return { fetch, at, gaps: () => at.slice(1).map((t, i) => t - at[i]!) };
}

describe('OpenAI Python client retries, on a scaled clock', () => {
  it('waits the hint when it is within a (scaled) minute, retry-after-ms first', async () => {
    const clock = new ManualClock();
    const provider = scripted(clock, (call) => (call === 1 ? rateLimited({ 'retry-after-ms': '450', 'retry-after': '1' }) : call === 2 ? rateLimited({ 'retry-after': '2' }) : new Response('{}')));
    const fetch = createOpenAiPythonRetryFetch(provider.fetch, { timeScale: 0.1, attemptTimeoutMs: 60_000, clock, random: () => 0 });
    expect((await clock.settle(fetch('http://x'))).status).toBe(200);
    expect(provider.gaps()).toEqual([450, 2000]);
  });

  it('backs off 0.5 s x 2^n with up to 25% jitter, scaled, without a usable hint', async () => {
    const clock = new ManualClock();
    // No hint, then a hint longer than the scaled minute (ignored).
    const provider = scripted(clock, (call) => (call === 1 ? rateLimited() : call === 2 ? rateLimited({ 'retry-after': '30' }) : new Response('{}')));
    const fetch = createOpenAiPythonRetryFetch(provider.fetch, { timeScale: 0.1, attemptTimeoutMs: 60_000, clock, random: () => 1 });
    expect((await clock.settle(fetch('http://x'))).status).toBe(200);
    // 0.5 s and 1 s, times (1 - 0.25), times 0.1.
    expect(provider.gaps()).toEqual([37.5, 75]);
  });

  it('gives up after 2 retries, and never retries a 400 or an x-should-retry: false', async () => {
    const clock = new ManualClock();
    const attempts = async (answer: () => Response) => {
      const provider = scripted(clock, answer);
      const response = await clock.settle(createOpenAiPythonRetryFetch(provider.fetch, { timeScale: 1, attemptTimeoutMs: 60_000, clock, random: () => 0 })('http://x'));
      return { status: response.status, calls: provider.at.length, gaps: provider.gaps() };
    };
    expect(await attempts(() => rateLimited({ 'retry-after-ms': '100' }))).toEqual({ status: 429, calls: 3, gaps: [100, 100] });
    expect(await attempts(() => new Response('{}', { status: 500 }))).toEqual({ status: 500, calls: 3, gaps: [500, 1000] });
    expect(await attempts(() => new Response('{}', { status: 400 }))).toEqual({ status: 400, calls: 1, gaps: [] });
    expect(await attempts(() => new Response('{}', { status: 503, headers: { 'x-should-retry': 'false' } }))).toEqual({ status: 503, calls: 1, gaps: [] });
  });
});
