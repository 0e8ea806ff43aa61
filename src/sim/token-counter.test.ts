import { describe, expect, it } from 'vitest';
import { AGENT_TOOLS } from './bench/agent-tools.js';
import { parseChatRequest } from './request-validation.js';
import { renderTools } from '../shared/o200k-prompt.js';
import { REPLY_PRIMING_TOKENS, TokenCounter } from './token-counter.js';

describe('TokenCounter', () => {
  const counter = new TokenCounter({ maxEntries: 100 });

  it('counts o200k_base tokens', () => {
    expect(counter.text('')).toBe(0);
    expect(counter.text('Hello, world!')).toBe(4);
  });

  it('adds the per-message overhead and the role, like OpenAI counts', () => {
    const [m] = parseChatRequest({ model: 'm', messages: [{ role: 'user', content: 'Hello, world!' }] }).messages;
    // 3 (framing) + 1 ("user") + 4 (content); with the reply priming this is the prompt_tokens OpenAI reports (11).
    expect(counter.message(m!)).toBe(8);
    expect(counter.message(m!) + REPLY_PRIMING_TOKENS).toBe(11);
  });

  it('counts tool calls and tool definitions, and caches by key', () => {
    const request = parseChatRequest({
      model: 'm',
      tools: AGENT_TOOLS,
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'list_services', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'c', content: '{"services":[]}' },
      ],
    });
    const tools = counter.tools(request.tools, request.toolsKey);
    expect(tools).toBeGreaterThan(200);
    expect(tools).toBeLessThan(600);
    expect(counter.tools(request.tools, request.toolsKey)).toBe(tools);
    expect(renderTools(request.tools)).toContain('type check_availability = (_: {');
    expect(renderTools(request.tools)).toContain('time?: string,');
    expect(counter.message(request.messages[1]!)).toBeGreaterThan(10);
  });
});
