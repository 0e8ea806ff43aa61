import { describe, expect, it } from 'vitest';
import { completionAllowance, createTokenEstimator } from './token-estimate.js';

const tools = [
  {
    type: 'function',
    function: {
      name: 'check_availability',
      description: 'Free slots for a service on a day',
      parameters: { type: 'object', properties: { service: { type: 'string', description: 'service id' }, day: { type: 'string' } }, required: ['service'] },
    },
  },
];

describe('token estimate', () => {
  it('counts messages with the chat overheads', () => {
    const estimator = createTokenEstimator();
    // "hello" is one o200k token, "user" one: 3 + 1 + 1 per message, plus 3 to prime the reply.
    expect(estimator.promptTokens({ messages: [{ role: 'user', content: 'hello' }] })).toBe(8);
    expect(estimator.promptTokens({ messages: [] })).toBe(3);
    expect(estimator.promptTokens({})).toBe(3);
  });

  it('counts tool definitions and tool calls, and text parts', () => {
    const estimator = createTokenEstimator();
    const bare = estimator.promptTokens({ messages: [{ role: 'user', content: 'hello' }] });
    const withTools = estimator.promptTokens({ messages: [{ role: 'user', content: 'hello' }], tools });
    expect(withTools - bare).toBeGreaterThan(20);
    const call = estimator.promptTokens({
      messages: [{ role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'check_availability', arguments: '{"service":"cut"}' } }] }],
    });
    expect(call).toBeGreaterThan(3 + 1 + 7);
    const parts = estimator.promptTokens({ messages: [{ role: 'user', content: [{ type: 'text', text: 'hello' }] }] });
    expect(parts).toBe(8);
  });

  it('encodes a repeated message once', () => {
    const estimator = createTokenEstimator();
    const system = { role: 'system', content: 'You are the booking assistant of a hair salon. '.repeat(50) };
    const first = estimator.promptTokens({ messages: [system, { role: 'user', content: 'a' }], tools });
    const misses = estimator.cacheStats.misses;
    const second = estimator.promptTokens({ messages: [system, { role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }], tools });
    expect(estimator.cacheStats.misses - misses).toBe(1);
    expect(estimator.cacheStats.hits).toBeGreaterThanOrEqual(3);
    expect(second).toBeGreaterThan(first);
  });

  it('stays within its bound', () => {
    const estimator = createTokenEstimator({ maxEntries: 2 });
    for (const text of ['a', 'b', 'c']) estimator.promptTokens({ messages: [{ role: 'user', content: text }] });
    const misses = estimator.cacheStats.misses;
    estimator.promptTokens({ messages: [{ role: 'user', content: 'a' }] });
    expect(estimator.cacheStats.misses).toBe(misses + 1);
  });
});

describe('completionAllowance', () => {
  it('reserves the given maximum times n, or injects the default', () => {
    expect(completionAllowance({ max_completion_tokens: 200 }, 256)).toEqual({ tokens: 200, inject: false });
    expect(completionAllowance({ max_tokens: 100, n: 2 }, 256)).toEqual({ tokens: 200, inject: false });
    expect(completionAllowance({}, 256)).toEqual({ tokens: 256, inject: true });
  });
});
