import { describe, expect, it } from 'vitest';
import { OpenAiApiError } from './openai-error.js';
import { parseChatRequest } from './request-validation.js';

function problem(body: unknown): { message: string; param: string | null; code: string | null } {
  try {
    parseChatRequest(body);
  } catch (e) {
    expect(e).toBeInstanceOf(OpenAiApiError);
    const err = e as OpenAiApiError;
    expect(err.status).toBe(400);
    expect(err.wire.type).toBe('invalid_request_error');
    return err.wire;
  }
  throw new Error('expected a 400');
}

const user = { role: 'user', content: 'hi' };

describe('parseChatRequest', () => {
  it('refuses what OpenAI refuses, with its wording, param and code', () => {
    expect(problem({ model: 'm' })).toMatchObject({ param: 'messages', code: 'missing_required_parameter' });
    expect(problem({ model: 'm', messages: [] })).toMatchObject({ param: 'messages', code: 'empty_array' });
    expect(problem({ messages: [user] }).message).toBe('you must provide a model parameter');
    expect(problem({ model: 'm', messages: [{ role: 'bogus', content: 'x' }] })).toMatchObject({ param: 'messages[0].role', code: 'invalid_value' });
    expect(problem({ model: 'm', messages: [{ role: 'user' }] })).toMatchObject({ param: 'messages[0].content', code: 'missing_required_parameter' });
    expect(problem({ model: 'm', messages: [{ role: 'user', content: 5 }] })).toMatchObject({ code: 'invalid_type' });
    expect(problem({ model: 'm', messages: [user, { role: 'tool', content: 'x', tool_call_id: 'a' }] }).message).toContain("must be a response to a preceeding message with 'tool_calls'");
    const call = { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }] };
    expect(problem({ model: 'm', messages: [user, call, user] }).message).toContain('did not have response messages: c1');
    expect(problem({ model: 'm', messages: [user, call, { role: 'tool', content: 'x', tool_call_id: 'c2' }] }).param).toBe('messages.[2].tool_call_id');
    expect(problem({ model: 'm', messages: [user], foo: 1 }).message).toBe('Unrecognized request argument supplied: foo');
    expect(problem({ model: 'm', messages: [user], temperature: 3 })).toMatchObject({ code: 'decimal_above_max_value' });
    expect(problem({ model: 'm', messages: [user], max_completion_tokens: 20_000 }).message).toContain('max_completion_tokens is too large: 20000');
    expect(problem({ model: 'm', messages: [user], tool_choice: 'auto' }).param).toBe('tool_choice');
    expect(problem({ model: 'm', messages: [user], stream_options: { include_usage: true } }).param).toBe('stream_options');
    expect(problem({ model: 'm', messages: [user], tools: [{ type: 'function', function: { name: 'bad name' } }] }).param).toBe('tools[0].function.name');
  });

  it('normalises a valid request', () => {
    const r = parseChatRequest({
      model: 'gpt-4o-mini',
      messages: [{ role: 'system', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] }, user],
      max_tokens: 50,
      stream: true,
      stream_options: { include_usage: true },
      tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: {} } } }],
      tool_choice: { type: 'function', function: { name: 'f' } },
    });
    expect(r.messages[0]?.text).toBe('a\nb');
    expect(r.maxCompletionTokens).toBe(50);
    expect(r.includeUsage).toBe(true);
    expect(r.toolChoice).toEqual({ kind: 'function', name: 'f' });
    expect(r.messages[0]?.key).not.toBe(r.messages[1]?.key);
  });
});
