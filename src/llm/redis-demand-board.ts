import type { Redis } from 'ioredis';
import { sumDemand, emptyDemand, type Demand, type DemandBoard } from './demand-board.js';

export interface RedisDemandBoardOptions {
  redis: Redis;
  /** The hash of the budget's replicas (one field per replica). */
  key: () => string;
  replicaId: string;
  /** This replica's demand now (its admission gate). */
  source: () => Demand;
  /** How often this replica's demand is written and the others' read. Default 100 ms. */
  intervalMs?: number;
  /** A replica not heard from for this long is gone. Default 3 s. */
  staleMs?: number;
  log?: (line: string) => void;
}

interface Entry extends Demand {
  at: number;
}

/**
 * The demand board through Redis: every `intervalMs` each replica writes its queue's demand
 * into one hash (one field per replica, stamped) and reads everyone's back, in one round
 * trip; predictions use what was read last. A field not refreshed for `staleMs` belongs to a
 * replica that stopped: it is ignored, then removed. With Redis unreachable the board keeps
 * its last view until it goes stale, then counts this replica alone, as the budget's own
 * fallback does.
 */
export class RedisDemandBoard implements DemandBoard {
  readonly #options: RedisDemandBoardOptions;
  readonly #timer: NodeJS.Timeout;
  #others: Demand = emptyDemand();
  #replicas = 1;
  #seenAt = 0;
  #busy = false;
  #failing = false;

  constructor(options: RedisDemandBoardOptions) {
    this.#options = options;
    this.#timer = setInterval(() => void this.refresh(), options.intervalMs ?? 100);
    this.#timer.unref();
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
    const { redis, replicaId } = this.#options;
    const key = this.#options.key();
    try {
      const now = Date.now();
      const mine: Entry = { at: now, ...this.#options.source() };
      const replies = await redis.multi().hset(key, replicaId, JSON.stringify(mine)).pexpire(key, this.#staleMs * 4).hgetall(key).exec();
      const all = (replies?.[2]?.[1] ?? {}) as Record<string, string>;
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
    clearInterval(this.#timer);
    await this.#options.redis.hdel(this.#options.key(), this.#options.replicaId).catch(() => undefined);
  }
}
