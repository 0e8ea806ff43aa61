import { describe, expect, it } from 'vitest';
import type { RunStore } from '../store/run-store.js';
import { LeaseKeeper } from './lease-keeper.js';

/** A store whose renewals answer what the test says. */
function fakeStore(answer: (ids: readonly string[]) => Promise<Array<{ runId: string; cancelRequested: boolean }>>): RunStore {
  return { renewLeases: (_owner: string, ids: readonly string[]) => answer(ids) } as unknown as RunStore;
}

describe('LeaseKeeper', () => {
  it('extends what was renewed, stops what was taken away, passes cancels on', async () => {
    let now = 0;
    const lost: string[] = [];
    const cancelled: string[] = [];
    const keeper = new LeaseKeeper({
      store: fakeStore(async (ids) => ids.filter((id) => id !== 'taken').map((runId) => ({ runId, cancelRequested: runId === 'cancel-me' }))),
      owner: 'me',
      leaseMs: 3000,
      now: () => now,
      onLost: (id) => lost.push(id),
      onCancel: (id) => cancelled.push(id),
    });
    keeper.add('kept', 0);
    keeper.add('taken', 0);
    keeper.add('cancel-me', 0);
    now = 1000;
    await keeper.renew();
    expect(lost).toEqual(['taken']);
    expect(cancelled).toEqual(['cancel-me']);
    expect(keeper.holds('taken')).toBe(false);
    // Renewed when sent at 1000: held until 4000 on the local clock, not 3000.
    now = 3500;
    expect(keeper.holds('kept')).toBe(true);
    now = 4000;
    expect(keeper.holds('kept')).toBe(false);
  });

  it('on a failed renewal, stops only the runs whose lease would end before the next attempt', async () => {
    let now = 0;
    const lost: string[] = [];
    const keeper = new LeaseKeeper({
      store: fakeStore(async () => {
        throw new Error('database unreachable');
      }),
      owner: 'me',
      leaseMs: 3000,
      now: () => now,
      onLost: (id) => lost.push(id),
      onCancel: () => {},
    });
    keeper.add('old', 0);
    keeper.add('young', 1500);
    now = 1000;
    await keeper.renew();
    expect(lost).toEqual([]);
    now = 2000;
    await keeper.renew();
    // 'old' holds until 3000, and the next attempt comes at 3000: stopped now.
    expect(lost).toEqual(['old']);
    expect(keeper.holds('young')).toBe(true);
    expect(keeper.failures).toBe(2);
  });
});
