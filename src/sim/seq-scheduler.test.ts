import { describe, expect, it } from 'vitest';
import { SeqScheduler } from './seq-scheduler.js';

describe('SeqScheduler', () => {
  it('runs at most maxSeqs, queues the rest in order, refuses beyond the queue', async () => {
    const s = new SeqScheduler(2, 1);
    const r1 = await s.acquire();
    const r2 = await s.acquire();
    expect(s.running).toBe(2);
    let third: (() => void) | undefined;
    const p3 = s.acquire().then((r) => (third = r));
    expect(await s.acquire()).toBeUndefined();
    expect(s.waiting).toBe(1);
    r1?.();
    r1?.();
    await p3;
    expect(third).toBeTypeOf('function');
    expect(s.running).toBe(2);
    r2?.();
    third?.();
    expect(s.running).toBe(0);
  });

  it('never queues in hosted mode', async () => {
    const s = new SeqScheduler(0, 0);
    await Promise.all(Array.from({ length: 50 }, () => s.acquire()));
    expect(s.running).toBe(50);
  });
});
