import { describe, expect, it } from 'vitest';
import { PromiseBook } from './promise-book.js';

describe('PromiseBook', () => {
  it('counts the callers whose return time has not come yet', () => {
    const book = new PromiseBook();
    for (const at of [3000, 1000, 2000, 2000]) book.add(at);
    expect(book.outstanding(0)).toBe(4);
    expect(book.outstanding(1000)).toBe(3);
    expect(book.outstanding(1999)).toBe(3);
    expect(book.outstanding(2000)).toBe(1);
    expect(book.outstanding(5000)).toBe(0);
  });

  it('keeps a later return after an earlier one added last', () => {
    const book = new PromiseBook();
    book.add(5000);
    book.add(1000);
    expect(book.outstanding(1500)).toBe(1);
    expect(book.outstanding(5000)).toBe(0);
  });

  it('holds at most its bound, dropping the soonest returns', () => {
    const book = new PromiseBook(3);
    for (const at of [10, 20, 30, 40, 50]) book.add(at);
    expect(book.outstanding(0)).toBe(3);
    expect(book.outstanding(35)).toBe(2);
  });
});
