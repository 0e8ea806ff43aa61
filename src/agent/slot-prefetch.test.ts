import { describe, expect, it } from 'vitest';
import { slotIsFree, slotQuestion } from './slot-prefetch.js';

const services = [
  { id: 'classic-haircut', name: 'Classic haircut', durationMin: 30, priceUsd: 35 },
  { id: 'kids-cut', name: 'Kids cut', durationMin: 20, priceUsd: 22 },
  { id: 'beard-trim', name: 'Beard trim', durationMin: 15, priceUsd: 20 },
];

describe('slot prefetch', () => {
  it('finds the one service, date and time a message names', () => {
    expect(slotQuestion('Please book a Classic haircut on 2026-12-03 at 10:00.', services)).toEqual({ service: 'Classic haircut', date: '2026-12-03', time: '10:00' });
    expect(slotQuestion('Is 14:30 free for a beard-trim on 2026-12-04?', services)).toEqual({ service: 'Beard trim', date: '2026-12-04', time: '14:30' });
  });

  it('stays out when the message is not about exactly one slot', () => {
    expect(slotQuestion('Please book a Classic haircut on 2026-12-03.', services)).toBeUndefined();
    expect(slotQuestion('Classic haircut or Beard trim on 2026-12-03 at 10:00?', services)).toBeUndefined();
    expect(slotQuestion('Classic haircut on 2026-12-03 at 10:00 or 11:00?', services)).toBeUndefined();
    expect(slotQuestion('Please move booking BK-7Q4M2X to 2026-12-03 at 10:00.', services)).toBeUndefined();
  });

  it('shows only a free slot', () => {
    expect(slotIsFree(JSON.stringify({ requested: { available: true } }))).toBe(true);
    expect(slotIsFree(JSON.stringify({ requested: { available: false } }))).toBe(false);
    expect(slotIsFree('not json')).toBe(false);
  });
});
