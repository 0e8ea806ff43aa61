import { describe, expect, it } from 'vitest';
import { parseErrorBody, parseGoDuration, parseRateLimitHeaders, parseRetryAfter, parseTryAgainIn, resetHintMs, retryHintMs } from './provider-headers.js';

describe('parseGoDuration', () => {
  it('reads the durations OpenAI sends', () => {
    expect(parseGoDuration('6m0s')).toBe(360_000);
    expect(parseGoDuration('1.5s')).toBe(1500);
    expect(parseGoDuration('12ms')).toBe(12);
    expect(parseGoDuration('1h2m3.5s')).toBe(3_723_500);
    expect(parseGoDuration('0s')).toBe(0);
    expect(parseGoDuration('250us')).toBeCloseTo(0.25, 10);
    expect(parseGoDuration('2')).toBe(2000);
  });

  it('rejects what is not a duration', () => {
    expect(parseGoDuration('')).toBeUndefined();
    expect(parseGoDuration(null)).toBeUndefined();
    expect(parseGoDuration('soon')).toBeUndefined();
    expect(parseGoDuration('5x')).toBeUndefined();
    expect(parseGoDuration('5s junk')).toBeUndefined();
  });
});

describe('parseRateLimitHeaders', () => {
  it('reads limits, remaining and resets', () => {
    const headers = new Headers({
      'x-ratelimit-limit-requests': '500',
      'x-ratelimit-limit-tokens': '200000',
      'x-ratelimit-remaining-requests': '499',
      'x-ratelimit-remaining-tokens': '198500',
      'x-ratelimit-reset-requests': '120ms',
      'x-ratelimit-reset-tokens': '450ms',
    });
    expect(parseRateLimitHeaders(headers)).toEqual({
      limitRequests: 500,
      limitTokens: 200_000,
      remainingRequests: 499,
      remainingTokens: 198_500,
      resetRequestsMs: 120,
      resetTokensMs: 450,
    });
    expect(parseRateLimitHeaders(new Headers({ 'content-type': 'application/json' }))).toBeUndefined();
  });
});

describe('retry hints', () => {
  const body = parseErrorBody(
    JSON.stringify({
      error: {
        message:
          'Rate limit reached for gpt-4o-mini in organization org-x on tokens per min (TPM): Limit 200000, Used 199000, Requested 1500. Please try again in 450ms. Visit https://platform.openai.com/account/rate-limits to learn more.',
        type: 'tokens',
        param: null,
        code: 'rate_limit_exceeded',
      },
    }),
  );

  it('parses the error body', () => {
    expect(body?.type).toBe('tokens');
    expect(body?.code).toBe('rate_limit_exceeded');
    expect(parseErrorBody('not json')).toBeUndefined();
  });

  it('reads "Please try again in" in every Go form', () => {
    expect(parseTryAgainIn(body?.message)).toBe(450);
    expect(parseTryAgainIn('Please try again in 1.5s.')).toBe(1500);
    expect(parseTryAgainIn('Please try again in 6m0s. Visit')).toBe(360_000);
    expect(parseTryAgainIn('Please try again in 1m30s.')).toBe(90_000);
    expect(parseTryAgainIn('no hint')).toBeUndefined();
  });

  it('reads the wording of other providers too, as LangChain does', () => {
    expect(parseTryAgainIn('Rate limited. Try again in 20 seconds.')).toBe(20_000);
    expect(parseTryAgainIn('please retry after 2 min')).toBe(120_000);
    expect(parseTryAgainIn('retry after 250 milliseconds')).toBe(250);
    expect(parseTryAgainIn('try again in 2min')).toBe(120_000);
    expect(parseTryAgainIn('try again in a while')).toBeUndefined();
  });

  it('prefers retry-after-ms, then retry-after, then the message, then the reset headers', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    const all = new Headers({ 'retry-after-ms': '120', 'retry-after': '2', 'x-ratelimit-reset-tokens': '9s' });
    expect(retryHintMs(all, body, now)).toBe(120);
    expect(retryHintMs(new Headers({ 'retry-after': '2', 'x-ratelimit-reset-tokens': '9s' }), body, now)).toBe(2000);
    expect(retryHintMs(new Headers({ 'retry-after': 'Wed, 01 Jan 2025 00:00:03 GMT' }), undefined, now)).toBe(3000);
    expect(retryHintMs(new Headers({ 'x-ratelimit-reset-tokens': '9s' }), body, now)).toBe(450);
    expect(retryHintMs(new Headers({ 'x-ratelimit-reset-tokens': '9s', 'x-ratelimit-reset-requests': '1s' }), { type: 'tokens' }, now)).toBe(9000);
    expect(retryHintMs(new Headers(), undefined, now)).toBeUndefined();
    expect(parseRetryAfter('1.5', now)).toBe(1500);
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:59:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });

  it('picks the reset of the bucket that ran out', () => {
    expect(resetHintMs({ resetRequestsMs: 100, resetTokensMs: 5000, remainingTokens: 0, remainingRequests: 3 }, undefined)).toBe(5000);
    expect(resetHintMs({ resetRequestsMs: 100, resetTokensMs: 5000 }, 'requests')).toBe(100);
    expect(resetHintMs({ resetRequestsMs: 100, resetTokensMs: 5000, remainingTokens: 10, remainingRequests: 3 }, undefined)).toBe(100);
    expect(resetHintMs(undefined, 'tokens')).toBeUndefined();
  });
});
