import { describe, expect, it } from 'vitest';
import { classifyFailure, emptyFailureCounts } from './failure-cause.js';

describe('classifyFailure', () => {
  it('separates provider 429s from server sheds by their code, not their status', () => {
    expect(classifyFailure({ status: 429, code: 'PROVIDER_RATE_LIMITED' })).toBe('provider_rate_limited');
    expect(classifyFailure({ status: 503, code: 'OVERLOADED' })).toBe('shed');
    expect(classifyFailure({ status: 429, code: 'OVERLOADED' })).toBe('shed');
  });

  it('counts our own timeouts and stops apart from what the server said', () => {
    expect(classifyFailure({ aborted: 'timeout' })).toBe('client_timeout');
    expect(classifyFailure({ aborted: 'stopped' })).toBe('aborted');
  });

  it('groups agent failures and names any other status by number', () => {
    expect(classifyFailure({ status: 500, code: 'AGENT_ERROR' })).toBe('agent_error');
    expect(classifyFailure({ status: 504, code: 'RUN_TIMEOUT' })).toBe('agent_error');
    expect(classifyFailure({ status: 409, code: 'THREAD_BUSY' })).toBe('http_409');
    expect(classifyFailure({ status: 429 })).toBe('http_429');
    expect(classifyFailure({ networkError: true })).toBe('network_error');
  });

  it('lists every fixed cause at zero', () => {
    expect(emptyFailureCounts()).toMatchObject({ provider_rate_limited: 0, shed: 0, client_timeout: 0, agent_error: 0 });
  });
});
