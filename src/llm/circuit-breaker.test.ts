import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from './circuit-breaker.js';
import { ManualClock } from '../shared/clock.js';

describe('CircuitBreaker', () => {
  it('opens after consecutive failures and refuses calls during the cooldown', () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker({ failureThreshold: 3, cooldownMs: 1000, clock });
    breaker.failure();
    breaker.failure();
    breaker.success();
    breaker.failure();
    breaker.failure();
    expect(breaker.state).toBe('closed');
    breaker.failure();
    expect(breaker.state).toBe('open');
    expect(breaker.tryPass()).toBe(false);
    clock.advance(400);
    expect(breaker.retryInMs()).toBe(600);
    expect(breaker.opens).toBe(1);
  });

  it('lets exactly one probe through when half-open; its outcome decides', () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 1000, clock });
    breaker.failure();
    clock.advance(1000);
    expect(breaker.state).toBe('half-open');
    expect(breaker.tryPass()).toBe(true);
    expect(breaker.tryPass()).toBe(false);
    breaker.failure();
    expect(breaker.state).toBe('open');
    expect(breaker.opens).toBe(2);
    clock.advance(1000);
    expect(breaker.tryPass()).toBe(true);
    breaker.success();
    expect(breaker.state).toBe('closed');
    expect(breaker.tryPass()).toBe(true);
  });

  it('frees the probe slot when the probe tells nothing', () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 10, clock });
    breaker.failure();
    clock.advance(10);
    expect(breaker.tryPass()).toBe(true);
    breaker.release();
    expect(breaker.tryPass()).toBe(true);
  });
});
