import { describe, expect, it } from 'vitest';
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
});
