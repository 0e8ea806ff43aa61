import { GraphRecursionError } from '@langchain/langgraph';
import { describe, expect, it } from 'vitest';
import { providerUnavailable } from '../llm/provider-errors.js';
import { classifyRunError } from './run-errors.js';

const base = { timedOut: false, timeoutMs: 1000 };

describe('classifyRunError', () => {
  it('prefers the failure the LLM layer recorded over whatever the SDK made of it', () => {
    const recorded = providerUnavailable('HTTP 504: Gateway Timeout', 2000);
    const wrapped = Object.assign(new Error('Request timed out.'), { name: 'TimeoutError' });
    expect(classifyRunError(wrapped, { ...base, llmFailure: recorded })).toBe(recorded);
  });

  it('asks the LLM layer what a provider failure amounts to', () => {
    const timeout = Object.assign(new Error('Request timed out.'), { name: 'TimeoutError' });
    expect(classifyRunError(timeout, base)).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', status: 503 });
  });

  it('reports the run timeout first, and anything else as an agent error', () => {
    expect(classifyRunError(new Error('aborted'), { ...base, timedOut: true })).toMatchObject({ code: 'RUN_TIMEOUT', status: 504 });
    expect(classifyRunError(new TypeError('x is undefined'), base)).toMatchObject({ code: 'AGENT_ERROR', status: 500 });
    expect(classifyRunError(new GraphRecursionError('too many'), base)).toMatchObject({ code: 'AGENT_ERROR', message: expect.stringContaining('too many steps') });
  });
});
