import { describe, expect, it } from 'vitest';
import { ThreadLocks } from './thread-lock.js';

describe('ThreadLocks', () => {
  it('rejects a second run on a busy thread with THREAD_BUSY', async () => {
    const locks = new ThreadLocks();
    const release = await locks.acquire('t1', 'reject');
    await expect(locks.acquire('t1', 'reject')).rejects.toMatchObject({ code: 'THREAD_BUSY', status: 409 });
    await expect(locks.acquire('t2', 'reject')).resolves.toBeTypeOf('function');
    release();
    const again = await locks.acquire('t1', 'reject');
    again();
  });

  it('runs enqueued runs one at a time in arrival order', async () => {
    const locks = new ThreadLocks();
    const order: string[] = [];
    let active = 0;
    let maxActive = 0;
    const run = async (name: string) => {
      const release = await locks.acquire('t', 'enqueue');
      active += 1;
      maxActive = Math.max(maxActive, active);
      order.push(`start ${name}`);
      await new Promise((r) => setTimeout(r, 5));
      order.push(`end ${name}`);
      active -= 1;
      release();
    };
    await Promise.all([run('a'), run('b'), run('c')]);
    expect(maxActive).toBe(1);
    expect(order).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    expect(locks.isBusy('t')).toBe(false);
  });

  it('lets an aborted waiter leave the queue without blocking the next one', async () => {
    const locks = new ThreadLocks();
    const first = await locks.acquire('t', 'enqueue');
    const controller = new AbortController();
    const waiting = locks.acquire('t', 'enqueue', controller.signal);
    const third = locks.acquire('t', 'enqueue');
    controller.abort(new Error('gone'));
    await expect(waiting).rejects.toThrow('gone');
    first();
    const release = await third;
    release();
    expect(locks.isBusy('t')).toBe(false);
  });

  it('keeps the lock held when the last waiter gives up', async () => {
    const locks = new ThreadLocks();
    const holder = await locks.acquire('t', 'reject');
    const controller = new AbortController();
    const waiting = locks.acquire('t', 'enqueue', controller.signal);
    controller.abort(new Error('client went away'));
    await expect(waiting).rejects.toThrow('client went away');
    await new Promise((r) => setImmediate(r));
    // The first run still holds the thread: nobody else may start on it.
    expect(locks.isBusy('t')).toBe(true);
    expect(locks.heldCount).toBe(1);
    await expect(locks.acquire('t', 'reject')).rejects.toMatchObject({ code: 'THREAD_BUSY', status: 409 });
    holder();
    await new Promise((r) => setImmediate(r));
    expect(locks.isBusy('t')).toBe(false);
    const next = await locks.acquire('t', 'reject');
    next();
  });
});
