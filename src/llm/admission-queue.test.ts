import { describe, expect, it } from 'vitest';
import { AdmissionQueue, type Priority } from './admission-queue.js';

interface Item {
  customerId: string;
  priority: Priority;
  name: string;
}

const item = (customerId: string, name: string, priority: Priority = 'new'): Item => ({ customerId, priority, name });

function drain(q: AdmissionQueue<Item>): string[] {
  const out: string[] = [];
  for (let x = q.shift(); x; x = q.shift()) out.push(x.name);
  return out;
}

describe('AdmissionQueue', () => {
  it('serves continuing calls before new messages', () => {
    const q = new AdmissionQueue<Item>();
    q.push(item('a', 'a-new'));
    q.push(item('b', 'b-cont', 'continuing'));
    q.push(item('c', 'c-new'));
    q.push(item('a', 'a-cont', 'continuing'));
    expect(drain(q)).toEqual(['b-cont', 'a-cont', 'a-new', 'c-new']);
  });

  it('round-robins across customers so one customer cannot flood the rest', () => {
    const q = new AdmissionQueue<Item>();
    for (let i = 1; i <= 4; i += 1) q.push(item('flood', `f${i}`));
    q.push(item('b', 'b1'));
    q.push(item('c', 'c1'));
    q.push(item('c', 'c2'));
    expect(drain(q)).toEqual(['f1', 'b1', 'c1', 'f2', 'c2', 'f3', 'f4']);
  });

  it('puts a customer arriving mid-round at the end of the round', () => {
    const q = new AdmissionQueue<Item>();
    q.push(item('a', 'a1'));
    q.push(item('a', 'a2'));
    q.push(item('b', 'b1'));
    q.push(item('b', 'b2'));
    expect(q.shift()?.name).toBe('a1');
    q.push(item('c', 'c1'));
    expect(drain(q)).toEqual(['b1', 'a2', 'c1', 'b2']);
  });

  it('predicts the service order exactly', () => {
    const q = new AdmissionQueue<Item>();
    const items = [item('a', 'a1'), item('a', 'a2'), item('b', 'b1'), item('c', 'c1', 'continuing'), item('b', 'b2'), item('d', 'd1')];
    for (const x of items) q.push(x);
    q.shift();
    const predicted = [...q.inOrder()].map((x) => x.name);
    expect(drain(q)).toEqual(predicted);
  });

  it('removes an item anywhere and keeps the rotation', () => {
    const q = new AdmissionQueue<Item>();
    const b1 = item('b', 'b1');
    q.push(item('a', 'a1'));
    q.push(b1);
    q.push(item('c', 'c1'));
    q.push(item('a', 'a2'));
    expect(q.remove(b1)).toBe(true);
    expect(q.remove(b1)).toBe(false);
    expect(q.size).toBe(3);
    expect(q.customers).toBe(2);
    expect(drain(q)).toEqual(['a1', 'c1', 'a2']);
    expect(q.size).toBe(0);
    expect(q.peek()).toBeUndefined();
  });

  it('sums the work ahead of an item, the item included', () => {
    const q = new AdmissionQueue<Item & { tokens: number }>();
    const mine = { ...item('b', 'b1'), tokens: 5 };
    q.push({ ...item('a', 'a1'), tokens: 100 });
    q.push({ ...item('a', 'a2'), tokens: 1000 });
    q.push(mine);
    q.push({ ...item('c', 'c1', 'continuing'), tokens: 10 });
    expect(q.sumThrough(mine, (t) => ({ requests: 1, tokens: t.tokens }), { requests: 0, tokens: 0 })).toEqual({ requests: 3, tokens: 115 });
  });
});
