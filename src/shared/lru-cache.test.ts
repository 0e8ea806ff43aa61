import { describe, expect, it } from 'vitest';
import { LruCache } from './lru-cache.js';

describe('LruCache', () => {
  it('keeps recently used entries and drops the oldest generation at the bound', () => {
    const lru = new LruCache<string, number>(4);
    lru.set('a', 1);
    lru.set('b', 2);
    lru.set('c', 3); // a, b become old
    expect(lru.get('a')).toBe(1); // a back to young
    lru.set('d', 4); // young full (c, a): c, a become old, b dropped
    lru.set('e', 5);
    expect(lru.get('b')).toBeUndefined();
    expect(lru.get('a')).toBe(1);
    expect(lru.get('e')).toBe(5);
    expect(lru.size).toBeLessThanOrEqual(4);
  });

  it('stays bounded over many inserts and keeps the newest', () => {
    const lru = new LruCache<number, number>(100);
    for (let i = 0; i < 10_000; i++) lru.set(i, i);
    expect(lru.size).toBeLessThanOrEqual(100);
    expect(lru.get(9_999)).toBe(9_999);
    expect(lru.get(0)).toBeUndefined();
  });

  it('overwrites in place', () => {
    const lru = new LruCache<string, number>(10);
    lru.set('a', 1);
    lru.set('a', 2);
    expect(lru.get('a')).toBe(2);
    expect(lru.size).toBe(1);
  });
});
