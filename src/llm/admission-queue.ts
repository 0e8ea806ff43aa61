/**
 * Calls that continue a message already in progress go first: their message has spent budget
 * already, and finishing it is what frees the user. New messages wait behind them.
 */
export type Priority = 'continuing' | 'new';

export const PRIORITIES: readonly Priority[] = ['continuing', 'new'];

export interface QueueItem {
  readonly customerId: string;
  readonly priority: Priority;
}

interface Lane<T> {
  /** Per-customer FIFO lanes. */
  lanes: Map<string, T[]>;
  /** Customers with waiting items, in round-robin order. */
  ring: string[];
  /** Index in `ring` of the customer served next. */
  cursor: number;
  size: number;
}

/**
 * The admission queue's order: strict priority between the two classes, and within a class a
 * round robin across customers (one call per customer per turn), FIFO within a customer. A
 * customer who floods the queue therefore waits behind everyone else's next call instead of
 * in front of it. A customer arriving in the middle of a round joins at its end.
 */
export class AdmissionQueue<T extends QueueItem> {
  readonly #classes = new Map<Priority, Lane<T>>(PRIORITIES.map((p) => [p, { lanes: new Map(), ring: [], cursor: 0, size: 0 }]));

  get size(): number {
    let n = 0;
    for (const lane of this.#classes.values()) n += lane.size;
    return n;
  }

  sizeOf(priority: Priority): number {
    return this.#classes.get(priority)!.size;
  }

  /** Customers with at least one waiting call. */
  get customers(): number {
    const all = new Set<string>();
    for (const lane of this.#classes.values()) for (const c of lane.ring) all.add(c);
    return all.size;
  }

  push(item: T): void {
    const c = this.#classes.get(item.priority)!;
    const lane = c.lanes.get(item.customerId);
    c.size += 1;
    if (lane) {
      lane.push(item);
      return;
    }
    c.lanes.set(item.customerId, [item]);
    if (c.ring.length === 0) {
      c.ring.push(item.customerId);
      c.cursor = 0;
    } else {
      // Just before the cursor is the end of the current round.
      c.ring.splice(c.cursor, 0, item.customerId);
      c.cursor += 1;
    }
  }

  peek(): T | undefined {
    for (const p of PRIORITIES) {
      const c = this.#classes.get(p)!;
      if (c.ring.length > 0) return c.lanes.get(c.ring[c.cursor]!)![0];
    }
    return undefined;
  }

  shift(): T | undefined {
    const item = this.peek();
    if (item) this.remove(item);
    return item;
  }

  has(item: T): boolean {
    return this.#classes.get(item.priority)!.lanes.get(item.customerId)?.includes(item) ?? false;
  }

  /** Remove an item wherever it is (served, aborted or shed). Returns false if it was not queued. */
  remove(item: T): boolean {
    const c = this.#classes.get(item.priority)!;
    const lane = c.lanes.get(item.customerId);
    const index = lane?.indexOf(item) ?? -1;
    if (!lane || index < 0) return false;
    const wasNext = index === 0 && c.ring[c.cursor] === item.customerId;
    lane.splice(index, 1);
    c.size -= 1;
    const at = c.ring.indexOf(item.customerId);
    if (lane.length === 0) {
      c.lanes.delete(item.customerId);
      c.ring.splice(at, 1);
      if (at < c.cursor) c.cursor -= 1;
    } else if (wasNext) {
      // Served: the customer's turn is over.
      c.cursor += 1;
    }
    if (c.cursor >= c.ring.length) c.cursor = 0;
    return true;
  }

  /** Every queued item in the order it would be served if nothing else arrived. */
  *inOrder(): Generator<T> {
    for (const p of PRIORITIES) {
      const c = this.#classes.get(p)!;
      const n = c.ring.length;
      if (n === 0) continue;
      let longest = 0;
      for (const lane of c.lanes.values()) longest = Math.max(longest, lane.length);
      for (let round = 0; round < longest; round += 1) {
        for (let i = 0; i < n; i += 1) {
          const lane = c.lanes.get(c.ring[(c.cursor + i) % n]!)!;
          if (lane.length > round) yield lane[round]!;
        }
      }
    }
  }

  /** Sum `weigh` over the items served before `item`, and `item` itself. */
  sumThrough<W extends Record<string, number>>(item: T, weigh: (t: T) => W, zero: W): W {
    const sum = { ...zero } as Record<string, number>;
    for (const t of this.inOrder()) {
      const w = weigh(t);
      for (const k of Object.keys(w)) sum[k] = (sum[k] ?? 0) + w[k]!;
      if (t === item) break;
    }
    return sum as W;
  }

  /** The item's place in its customer's lane: 0 for the next call of that customer, and so on. */
  laneIndex(item: T): number {
    return this.#classes.get(item.priority)!.lanes.get(item.customerId)?.indexOf(item) ?? -1;
  }

  /**
   * What each round of a class weighs: round r holds the r-th queued call of every customer,
   * which is what the round robin serves r-th. The last of `rounds` holds every later round too.
   */
  roundTotals<W extends Record<string, number>>(priority: Priority, weigh: (t: T) => W, zero: W, rounds: number): W[] {
    const totals = Array.from({ length: rounds }, () => ({ ...zero }) as Record<string, number>);
    for (const lane of this.#classes.get(priority)!.lanes.values()) {
      lane.forEach((item, index) => {
        const total = totals[Math.min(index, rounds - 1)]!;
        const w = weigh(item);
        for (const k of Object.keys(w)) total[k] = (total[k] ?? 0) + w[k]!;
      });
    }
    return totals as W[];
  }
}
