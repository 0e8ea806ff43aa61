import { describe, expect, it } from 'vitest';
import type { LlmAttempt } from './llm-observer.js';
import { createMeteredFetch } from './metered-fetch.js';
import { createRunContext, withRunContext } from './run-context.js';

const completion = (usage: object) => new Response(JSON.stringify({ choices: [], usage }), { status: 200, headers: { 'content-type': 'application/json' } });

describe('metered fetch', () => {
  it('records calls, exact tokens, 429s and retries on the run', async () => {
    const answers = [
      new Response('{"error":{}}', { status: 429 }),
      completion({ prompt_tokens: 1500, completion_tokens: 40, prompt_tokens_details: { cached_tokens: 1024 } }),
      completion({ prompt_tokens: 1600, completion_tokens: 60, prompt_tokens_details: { cached_tokens: 1152 } }),
    ];
    const metered = createMeteredFetch(async () => answers.shift()!);
    const context = createRunContext({ runId: 'r', threadId: 't', customerId: 'c', deadlineAt: Date.now() + 1000, model: 'gpt-4o-mini' });
    await withRunContext(context, async () => {
      for (let i = 0; i < 3; i += 1) await (await metered('http://x/v1/chat/completions')).text();
    });
    expect(context.usage).toMatchObject({ llmCalls: 2, providerRateLimited: 1, retries: 1, promptTokens: 3100, cachedTokens: 2176, completionTokens: 100 });
  });

  it('reads the usage chunk of a stream and passes the stream through unchanged', async () => {
    const sse = 'data: {"choices":[{"delta":{"content":"Hi"}}]}\n\ndata: {"choices":[],"usage":{"prompt_tokens":10,"completion_tokens":2,"prompt_tokens_details":{"cached_tokens":0}}}\n\ndata: [DONE]\n\n';
    const metered = createMeteredFetch(async () => new Response(sse, { status: 200, headers: { 'content-type': 'text/event-stream' } }));
    const context = createRunContext({ runId: 'r', threadId: 't', customerId: 'c', deadlineAt: Date.now() + 1000, model: 'gpt-4o-mini' });
    const text = await withRunContext(context, async () => (await metered('http://x')).text());
    expect(text).toBe(sse);
    expect(context.usage).toMatchObject({ llmCalls: 1, promptTokens: 10, completionTokens: 2 });
  });

  it('tells the observer of every attempt: model, outcome, usage, the failure a retry repeats, the headers', async () => {
    const answers: Array<() => Promise<Response>> = [
      async () => new Response('{"error":{}}', { status: 429, headers: { 'x-ratelimit-remaining-tokens': '0' } }),
      async () => {
        throw new DOMException('no answer in time', 'TimeoutError');
      },
      async () => completion({ prompt_tokens: 1500, completion_tokens: 40, prompt_tokens_details: { cached_tokens: 1024 } }),
    ];
    const attempts: LlmAttempt[] = [];
    const metered = createMeteredFetch(async () => answers.shift()!(), { attemptFinished: (a) => attempts.push(a), admitted: () => {} });
    const body = JSON.stringify({ messages: [{ role: 'user', content: 'say "model":"evil"' }], model: 'gpt-4o-mini', tools: [{ type: 'function', function: { parameters: { properties: { model: { type: 'string' } } } } }] });
    const context = createRunContext({ runId: 'r', threadId: 't', customerId: 'c', deadlineAt: Date.now() + 1000, model: 'gpt-4o-mini' });
    await withRunContext(context, async () => {
      for (let i = 0; i < 3; i += 1) await (await metered('http://x/v1/chat/completions', { method: 'POST', body }).catch(() => new Response(''))).text();
    });
    expect(attempts.map((a) => [a.model, a.errorType, a.retryOf])).toEqual([
      ['gpt-4o-mini', '429', undefined],
      ['gpt-4o-mini', 'timeout', '429'],
      ['gpt-4o-mini', undefined, 'timeout'],
    ]);
    expect(attempts[0]!.headers?.get('x-ratelimit-remaining-tokens')).toBe('0');
    expect(attempts[1]!.headers).toBeUndefined();
    expect(attempts[2]!.usage).toEqual({ inputTokens: 1500, outputTokens: 40, cachedTokens: 1024 });
    expect(attempts.every((a) => a.durationMs >= 0)).toBe(true);
  });

  it('tells the observer of calls made outside any run too, without a retry it cannot know', async () => {
    const attempts: LlmAttempt[] = [];
    const metered = createMeteredFetch(async () => completion({ prompt_tokens: 5, completion_tokens: 1 }), { attemptFinished: (a) => attempts.push(a), admitted: () => {} });
    await (await metered('http://x/v1/chat/completions', { method: 'POST', body: '{"model":"gpt-4.1-mini","messages":[]}' })).text();
    expect(attempts).toMatchObject([{ model: 'gpt-4.1-mini', errorType: undefined, retryOf: undefined, usage: { inputTokens: 5, outputTokens: 1, cachedTokens: 0 } }]);
  });
});
