import { APIConnectionTimeoutError, InternalServerError, RateLimitError } from 'openai';
import { describe, expect, it } from 'vitest';
import { AdmissionShedError } from './admission-errors.js';
import { classifyProviderError } from './provider-errors.js';

describe('classifyProviderError', () => {
  it('finds a typed error in the cause chain', () => {
    const shed = new AdmissionShedError('deadline', 1500, 'cannot make it');
    const wrapped = Object.assign(new Error('Connection error.'), { cause: shed });
    expect(classifyProviderError(wrapped)).toBe(shed);
  });

  it('maps what the SDK gives up with when admission is off', () => {
    const headers = new Headers({ 'retry-after-ms': '450' });
    const limited = classifyProviderError(new RateLimitError(429, { message: 'Rate limit reached', code: 'rate_limit_exceeded' }, undefined, headers));
    expect(limited).toMatchObject({ code: 'PROVIDER_RATE_LIMITED', status: 429, retryAfterMs: 450 });
    // No header: the hint in the message, as the admission layer reads it.
    const hinted = classifyProviderError(new RateLimitError(429, { message: 'Rate limit reached. Please try again in 1.5s.', code: 'rate_limit_exceeded' }, undefined, new Headers()));
    expect(hinted).toMatchObject({ code: 'PROVIDER_RATE_LIMITED', retryAfterMs: 1500 });
    const quota = classifyProviderError(new RateLimitError(429, { message: 'You exceeded your current quota', code: 'insufficient_quota' }, undefined, new Headers()));
    expect(quota).toMatchObject({ code: 'PROVIDER_QUOTA_EXCEEDED', status: 503 });
    const tooLarge = classifyProviderError(new RateLimitError(429, { message: 'Request too large for gpt-4o-mini', code: 'rate_limit_exceeded' }, undefined, new Headers()));
    expect(tooLarge).toMatchObject({ code: 'LLM_REQUEST_TOO_LARGE', status: 413 });
    const outage = classifyProviderError(new InternalServerError(502, { message: 'Bad gateway' }, undefined, new Headers({ 'retry-after': '3' })));
    expect(outage).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', status: 503, retryAfterMs: 3000 });
    expect(classifyProviderError(new APIConnectionTimeoutError({ message: 'Request timed out.' }))).toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
  });

  it('reads LangChain\'s renamed timeout as an outage, and leaves anything else alone', () => {
    const timeout = Object.assign(new Error('Request timed out.'), { name: 'TimeoutError' });
    expect(classifyProviderError(timeout)).toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
    expect(classifyProviderError(new TypeError('x is undefined'))).toBeUndefined();
    expect(classifyProviderError(Object.assign(new Error('bad request'), { status: 400 }))).toBeUndefined();
  });
});
