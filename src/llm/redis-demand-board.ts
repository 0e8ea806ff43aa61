import type { Redis } from 'ioredis';
import { sumDemand, emptyDemand, type Demand, type DemandBoard } from './demand-board.js';

export interface RedisDemandBoardOptions {
  redis: Redis;
  /** The hash of the budget's replicas (one field per replica). */
  key: () => string;
  replicaId: string;
  /** This replica's demand now (its admission gate). */
  source: () => Demand;
  /** How often the board is refreshed while any replica has calls waiting, and at most how often a nudge refreshes it. Default 200 ms. */
  intervalMs?: number;
  /** How often while every queue is empty (a call arriving here refreshes at once). Default 1000 ms. */
  idleIntervalMs?: number;
  /** A replica not heard from for this long is gone. Default 3 s. */
  staleMs?: number;
  log?: (line: string) => void;
}

interface Entry extends Demand {
  at: number;
}

/**
 * The demand board through Redis: each replica writes its queue's demand into one hash (one
 * field per replica, stamped) and reads everyone's back, in one round trip, every
 * `intervalMs` while anyone has calls waiting and every `idleIntervalMs` while nobody has;
 * a call arriving here refreshes it at once (`nudge`). Predictions use what was read last. A field not refreshed for `staleMs` belongs to a
 * replica that stopped: it is ignored, then removed. With Redis unreachable the board keeps
 * its last view until it goes stale, then counts this replica alone, as the budget's own
 * fallback does.
 */
export class RedisDemandBoard implements DemandBoard {
  readonly #options: RedisDemandBoardOptions;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #refreshedAt = 0;
  #others: Demand = emptyDemand();
  #replicas = 1;
  #seenAt = 0;
  #busy = false;
  #failing = false;
  #written = '';
  #writtenAt = 0;

  constructor(options: RedisDemandBoardOptions) {
    this.#options = options;
    this.#schedule(0);
  }

  /** A call arrived here: let the next prediction see the others as they are now. */
  nudge(): void {
    if (!this.#busy && Date.now() - this.#refreshedAt >= (this.#options.intervalMs ?? 200)) void this.refresh();
  }

  #schedule(ms: number): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      void this.refresh().finally(() => this.#schedule(this.#quiet() ? (this.#options.idleIntervalMs ?? 1000) : (this.#options.intervalMs ?? 200)));
    }, ms);
    this.#timer.unref();
  }

  /** Nobody has a call waiting: the board can rest. */
  #quiet(): boolean {
    const empty = (d: Demand) => [...d.rounds.continuing, ...d.rounds.new].every((n) => n.requests === 0) && d.pendingSteps.requests === 0;
    return this.#written === JSON.stringify(emptyDemand()) && empty(this.#others);
  }

  others(): Demand {
    return Date.now() - this.#seenAt > this.#staleMs ? emptyDemand() : this.#others;
  }

  replicas(): number {
    return Date.now() - this.#seenAt > this.#staleMs ? 1 : this.#replicas;
  }

  get #staleMs(): number {
    return this.#options.staleMs ?? 3000;
  }

  /** Write this replica's demand and read the others' (the timer calls it; tests may too). */
  async refresh(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    this.#refreshedAt = Date.now();
    const { redis, replicaId } = this.#options;
    const key = this.#options.key();
    try {
      const now = Date.now();
      const demand = JSON.stringify(this.#options.source());
      // An idle replica's demand does not change: written again only to show it is alive.
      const write = demand !== this.#written || now - this.#writtenAt >= this.#staleMs / 3;
      const all = write
        ? (((await redis.multi().hset(key, replicaId, `{"at":${now},${demand.slice(1)}`).pexpire(key, this.#staleMs * 4).hgetall(key).exec())?.[2]?.[1] ?? {}) as Record<string, string>)
        : await redis.hgetall(key);
      if (write) {
        this.#written = demand;
        this.#writtenAt = now;
      }
      const fresh: Demand[] = [];
      const gone: string[] = [];
      for (const [id, text] of Object.entries(all)) {
        if (id === replicaId) continue;
        const entry = JSON.parse(text) as Entry;
        if (now - entry.at > this.#staleMs) gone.push(id);
        else fresh.push(entry);
      }
      this.#others = sumDemand(fresh);
      this.#replicas = 1 + fresh.length;
      this.#seenAt = now;
      this.#failing = false;
      if (gone.length > 0) await redis.hdel(key, ...gone);
    } catch (error) {
      // Said once per outage, not ten times a second.
      if (!this.#failing) this.#options.log?.(`admission demand: cannot reach Redis (${String(error)}); counting this replica alone until it answers`);
      this.#failing = true;
    } finally {
      this.#busy = false;
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.#options.redis.hdel(this.#options.key(), this.#options.replicaId).catch(() => undefined);
  }
}
