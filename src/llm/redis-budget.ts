import type { Redis } from 'ioredis';
import type { BudgetSnapshot, RateBudget, Reservation, ReserveOutcome, SettleRequest } from './budget.js';
import type { Clock } from '../shared/clock.js';
import type { MemoryBudget } from './memory-budget.js';
import { REDIS_BUDGET_SCRIPT } from './redis-budget-script.js';
import { shapeOf, type BucketName, type BucketView, type BudgetConfig, type Need } from './token-bucket.js';

export interface RedisBudgetOptions {
  redis: Redis;
  /** Budget key: every process with the same key shares one budget. Read at each call, so it can be learned late. */
  key: () => string;
  config: BudgetConfig;
  /** Serves a conservative share of the budget while Redis cannot be reached. */
  fallback: MemoryBudget;
  clock: Clock;
  /** Use Redis `TIME` (default) or, for tests, the injected clock. */
  redisTime?: boolean;
  log: (line: string) => void;
  /** How long the first call waits for the initial connection before using the fallback. Default 2000 ms. */
  connectWaitMs?: number;
  /** Where Redis is, as the operator should read it (password masked): named when it cannot be reached. */
  where?: string;
}

type ScriptReply = string[];
type BudgetCommand = (k1: string, k2: string, k3: string, ...argv: string[]) => Promise<ScriptReply>;

const COMMAND = 'conciergeBudget';

/** The Redis keys of one budget, hash-tagged so that Redis Cluster keeps them on one slot. */
export function budgetKeys(key: string): [string, string, string] {
  const tag = `{concierge:${key}}`;
  return [`${tag}:rpm`, `${tag}:tpm`, `${tag}:pause`];
}

/**
 * A budget shared through Redis by every process using the same provider key: one script
 * call per reservation and one per settlement. When Redis cannot be reached the budget keeps
 * serving from a local share (the fallback), says so once in the log and in `degraded`, and
 * returns to Redis as soon as the connection is ready again.
 */
export class RedisBudget implements RateBudget {
  readonly backend = 'redis' as const;
  readonly #options: RedisBudgetOptions;
  readonly #command: BudgetCommand;
  #degraded = false;
  #everReady: boolean;
  #firstConnect: Promise<void> | undefined;
  #last: { view: Pick<BudgetSnapshot, 'pausedForMs'> & { requests: RawBucket; tokens: RawBucket }; at: number } | undefined;

  constructor(options: RedisBudgetOptions) {
    this.#options = options;
    const { redis } = options;
    redis.defineCommand(COMMAND, { numberOfKeys: 3, lua: REDIS_BUDGET_SCRIPT });
    this.#command = (redis as unknown as Record<string, BudgetCommand>)[COMMAND]!.bind(redis);
    this.#everReady = redis.status === 'ready';
    redis.on('ready', () => {
      this.#everReady = true;
      this.#markRecovered();
    });
    redis.on('error', (error: Error) => this.#markDegraded(error));
  }

  get degraded(): boolean {
    return this.#degraded;
  }

  async reserve(need: Need): Promise<ReserveOutcome> {
    if (!(await this.#online())) return this.#options.fallback.reserveNow(need);
    let reply: ScriptReply;
    try {
      reply = await this.#run('reserve', [String(need.requests), String(need.tokens)]);
    } catch (error) {
      this.#markDegraded(error);
      return this.#options.fallback.reserveNow(need);
    }
    const [status, a, b, c] = reply;
    if (status === 'ok') {
      this.#remember(reply.slice(4));
      return { ok: true, reservation: { need, mark: { at: Number(a), requests: Number(b), tokens: Number(c) }, store: 'redis' } };
    }
    this.#remember(reply.slice(3));
    if (status === 'too-large') return { ok: false, reason: 'too-large', bucket: a as BucketName, limit: Number(b) };
    return { ok: false, reason: a as 'paused' | BucketName, waitMs: Number(b) };
  }

  async settle(reservation: Reservation | undefined, input: SettleRequest): Promise<void> {
    const { fallback } = this.#options;
    if (input.limits) fallback.learnLimits(input.limits);
    if (reservation?.store === 'fallback' || !(await this.#online())) {
      fallback.settleNow(reservation?.store === 'fallback' ? reservation : undefined, input);
      return;
    }
    const l = input.limits ?? {};
    const mark = reservation && input.limits ? reservation.mark : undefined;
    const argv = [
      input.delta ? String(input.delta.requests) : '',
      input.delta ? String(input.delta.tokens) : '',
      opt(l.limitRequests),
      opt(l.limitTokens),
      opt(l.remainingRequests),
      opt(l.remainingTokens),
      opt(mark ? (input.limitsAgeMs ?? 0) : undefined),
      opt(mark?.requests),
      opt(mark?.tokens),
      opt(input.pauseForMs),
      input.drain ? '1' : '',
    ];
    try {
      const reply = await this.#run('settle', argv);
      this.#remember(reply.slice(1));
    } catch (error) {
      this.#markDegraded(error);
      // The pause still protects this process.
      fallback.settleNow(undefined, { pauseForMs: input.pauseForMs, drain: input.drain });
    }
  }

  /** Ask Redis for the current state (stats endpoints; not on the hot path). */
  async refresh(): Promise<void> {
    if (!(await this.#online())) return;
    try {
      this.#remember((await this.#run('peek', [])).slice(1));
    } catch (error) {
      this.#markDegraded(error);
    }
  }

  snapshot(): BudgetSnapshot {
    if (this.#degraded || !this.#last) return { ...this.#options.fallback.snapshot(), degraded: this.#degraded };
    const { config, clock } = this.#options;
    const elapsed = Math.max(0, clock.now() - this.#last.at);
    const bucket = (name: BucketName): BucketView => {
      const raw = this.#last!.view[name];
      const shape = shapeOf({ level: 0, at: 0, charged: 0, learned: raw.limit }, { configured: undefined }, config);
      return {
        limit: shape.limit,
        allowedPerMinute: shape.limit === undefined ? undefined : shape.limit * config.safety * config.share,
        remaining: shape.limit === undefined ? Number.POSITIVE_INFINITY : Math.min(shape.capacity, raw.level + elapsed * shape.ratePerMs),
        capacity: shape.capacity,
        ratePerMs: shape.ratePerMs,
      };
    };
    return { requests: bucket('requests'), tokens: bucket('tokens'), pausedForMs: Math.max(0, this.#last.view.pausedForMs - elapsed), degraded: false };
  }

  async close(): Promise<void> {}

  async #online(): Promise<boolean> {
    const { redis } = this.#options;
    if (redis.status === 'ready') return true;
    if (!this.#everReady && !this.#degraded && (this.#options.connectWaitMs ?? 2000) > 0) {
      // At start the connection is usually a few ms away: wait for it once rather than
      // reporting a degraded budget that was never degraded.
      this.#firstConnect ??= new Promise<void>((resolve) => {
        const done = () => {
          cancel();
          redis.off('ready', done);
          redis.off('error', done);
          resolve();
        };
        const cancel = this.#options.clock.setTimer(this.#options.connectWaitMs ?? 2000, done);
        // Ready, or refused: either way there is no point waiting longer.
        redis.once('ready', done);
        redis.once('error', done);
      });
      await this.#firstConnect;
      if ((redis.status as string) === 'ready') return true;
    }
    this.#markDegraded(new Error(`connection ${redis.status}`));
    return false;
  }

  /**
   * Redis answered (or reconnected): the shared budget is in use again. A command that timed
   * out on a busy machine degrades the budget without dropping the connection, so recovery
   * is noticed on the next answer, not only on a reconnection.
   */
  #markRecovered(): void {
    if (!this.#degraded) return;
    this.#degraded = false;
    this.#options.log('admission: the shared Redis budget is reachable again; back to the shared budget');
  }

  #markDegraded(error: unknown): void {
    if (this.#degraded) return;
    this.#degraded = true;
    const reason = error instanceof Error ? error.message : String(error);
    this.#options.log(
      `admission: the shared Redis budget${this.#options.where ? ` at ${this.#options.where}` : ''} is unreachable (${reason}); serving from a local share ` +
        `(${formatShare(this.#options.fallback.share)} of the budget) until it is back`,
    );
  }

  #run(op: string, extra: string[]): Promise<ScriptReply> {
    const { config, clock, key, redisTime = true } = this.#options;
    const [k1, k2, k3] = budgetKeys(key());
    const ttlMs = Math.ceil(Math.max(config.periodMs * 10, config.depthMs * 2));
    const answered = this.#command(
      k1,
      k2,
      k3,
      op,
      redisTime ? '' : String(clock.now()),
      String(config.periodMs),
      String(config.depthMs),
      String(config.safety),
      String(config.share),
      opt(config.requests.configured),
      opt(config.tokens.configured),
      String(ttlMs),
      ...extra,
    );
    return answered.then((reply) => {
      this.#markRecovered();
      return reply;
    });
  }

  #remember(viewReply: string[]): void {
    const [rl, rv, tl, tv, paused] = viewReply;
    this.#last = {
      at: this.#options.clock.now(),
      view: { requests: raw(rl, rv), tokens: raw(tl, tv), pausedForMs: Number(paused ?? 0) },
    };
  }
}

interface RawBucket {
  limit: number | undefined;
  level: number;
}

function raw(limit: string | undefined, level: string | undefined): RawBucket {
  return { limit: limit ? Number(limit) : undefined, level: level ? Number(level) : Number.NaN };
}

function opt(value: number | undefined): string {
  return value === undefined ? '' : String(value);
}

function formatShare(share: number): string {
  return share >= 1 ? 'all' : `1/${Math.round(1 / share)}`;
}
