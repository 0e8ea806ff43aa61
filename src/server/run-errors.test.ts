import { APIConnectionTimeoutError, InternalServerError, RateLimitError } from 'openai';
import { describe, expect, it } from 'vitest';
import { AdmissionShedError, ProviderUnavailableError } from '../llm/admission-errors.js';
import { classifyRunError } from './run-errors.js';

const base = { timedOut: false, timeoutMs: 1000 };

describe('classifyRunError', () => {
  it('prefers the failure the LLM layer recorded over whatever the SDK made of it', () => {
    const recorded = new ProviderUnavailableError('HTTP 504: Gateway Timeout', 2000);
    const wrapped = new APIConnectionTimeoutError({ message: 'Request timed out.' });
    expect(classifyRunError(wrapped, { ...base, llmFailure: recorded })).toBe(recorded);
  });

  it('finds a typed error in the cause chain', () => {
    const shed = new AdmissionShedError('deadline', 1500, 'cannot make it');
    const wrapped = Object.assign(new Error('Connection error.'), { cause: shed });
    expect(classifyRunError(wrapped, base)).toBe(shed);
  });

  it('maps what LangChain gives up with when admission is off', () => {
    const headers = new Headers({ 'retry-after-ms': '450' });
    const limited = classifyRunError(new RateLimitError(429, { message: 'Rate limit reached', code: 'rate_limit_exceeded' }, undefined, headers), base);
    expect(limited).toMatchObject({ code: 'PROVIDER_RATE_LIMITED', status: 429, retryAfterMs: 450 });
    const quota = classifyRunError(new RateLimitError(429, { message: 'You exceeded your current quota', code: 'insufficient_quota' }, undefined, new Headers()), base);
    expect(quota).toMatchObject({ code: 'PROVIDER_QUOTA_EXCEEDED', status: 503 });
    const outage = classifyRunError(new InternalServerError(502, { message: 'Bad gateway' }, undefined, new Headers()), base);
    expect(outage).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', status: 503 });
    expect(classifyRunError(new APIConnectionTimeoutError({ message: 'Request timed out.' }), base)).toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
  });

  it('reports the run timeout first, and anything else as an agent error', () => {
    expect(classifyRunError(new Error('aborted'), { ...base, timedOut: true })).toMatchObject({ code: 'RUN_TIMEOUT', status: 504 });
    expect(classifyRunError(new TypeError('x is undefined'), base)).toMatchObject({ code: 'AGENT_ERROR', status: 500 });
  });
});
