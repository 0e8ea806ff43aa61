import type { Redis } from 'ioredis';
import type { EventRelay, FollowOptions } from './event-relay.js';
import { END_EVENT, isEnd, type RunEvent } from './run-event-log.js';

export interface RedisEventRelayOptions {
  /** Commands (XADD, PEXPIRE); the relay never blocks it. */
  redis: Redis;
  /** Key prefix of the deployment. */
  prefix: string;
  /** How long a follower waits for the next event before asking the database. Default 1000 ms. */
  idleMs?: number;
  /** Longest stream kept per run; older entries are trimmed. Default 10,000 events. */
  maxEvents?: number;
  /** How long a run's stream lives after its end (late joins). Default 10 minutes. */
  retainMs?: number;
  /** How long a run's stream lives at most, should its replica die before the end. Default 1 hour. */
  maxAgeMs?: number;
  log?: (line: string) => void;
}

type StreamReply = Array<[string, Array<[string, string[]]>]> | null;

/**
 * Run events through Redis Streams, one stream per run. A stream, unlike pub/sub, keeps
 * what was published before a follower arrived: a follower reads from the first entry and
 * then blocks for more, so it receives every event once, in order, wherever the run executes.
 * Blocking reads hold a connection each, so followers borrow one from a small free list.
 */
export class RedisEventRelay implements EventRelay {
  readonly kind = 'redis' as const;
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #idleMs: number;
  readonly #maxEvents: number;
  readonly #retainMs: number;
  readonly #maxAgeMs: number;
  readonly #log: (line: string) => void;
  readonly #started = new Set<string>();
  readonly #idle: Redis[] = [];
  readonly #borrowed = new Set<Redis>();
  #closed = false;

  constructor(options: RedisEventRelayOptions) {
    this.#redis = options.redis;
    this.#prefix = options.prefix;
    this.#idleMs = options.idleMs ?? 1000;
    this.#maxEvents = options.maxEvents ?? 10_000;
    this.#retainMs = options.retainMs ?? 600_000;
    this.#maxAgeMs = options.maxAgeMs ?? 3_600_000;
    this.#log = options.log ?? (() => {});
  }

  key(runId: string): string {
    return `${this.#prefix}:run:${runId}:events`;
  }

  publish(runId: string, event: RunEvent): void {
    const key = this.key(runId);
    const pipeline = this.#redis.pipeline().xadd(key, 'MAXLEN', '~', String(this.#maxEvents), '*', 'e', event.event, 'd', JSON.stringify(event.data ?? null), 'i', String(event.id ?? ''));
    if (!this.#started.has(runId)) {
      this.#started.add(runId);
      pipeline.pexpire(key, this.#maxAgeMs);
    }
    if (event.event === END_EVENT) {
      this.#started.delete(runId);
      pipeline.pexpire(key, this.#retainMs);
    }
    // A lost event is not fatal: followers ask the database when the stream goes quiet.
    pipeline.exec().catch((error: unknown) => this.#log(`event relay: could not publish ${event.event} of run ${runId}: ${String(error)}`));
  }

  async *follow(runId: string, options: FollowOptions): AsyncGenerator<RunEvent> {
    const key = this.key(runId);
    const connection = this.#borrow();
    const onAbort = () => connection.disconnect();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    let healthy = true;
    try {
      let lastId = '0';
      // The first read does not wait: a run that ended long ago (its stream expired) is
      // answered from the database at once.
      let first = true;
      while (!options.signal?.aborted && !this.#closed) {
        let reply: StreamReply;
        try {
          reply = (first ? await connection.xread('STREAMS', key, lastId) : await connection.xread('BLOCK', this.#idleMs, 'STREAMS', key, lastId)) as StreamReply;
          first = false;
        } catch (error) {
          if (options.signal?.aborted || this.#closed) return;
          healthy = false;
          // Redis is unreachable: the database still knows how the run ends.
          this.#log(`event relay: reading run ${runId} failed: ${String(error)}`);
          const ended = await options.checkEnded();
          if (ended) {
            yield ended;
            return;
          }
          await new Promise((resolve) => setTimeout(resolve, this.#idleMs));
          continue;
        }
        if (!reply) {
          const ended = await options.checkEnded();
          if (ended) {
            yield ended;
            return;
          }
          continue;
        }
        for (const [, entries] of reply) {
          for (const [id, fields] of entries) {
            lastId = id;
            const event = decode(fields);
            yield event;
            if (isEnd(event)) return;
          }
        }
      }
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      this.#return(connection, healthy && !options.signal?.aborted);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const connection of [...this.#idle, ...this.#borrowed]) connection.disconnect();
    this.#idle.length = 0;
    this.#borrowed.clear();
  }

  #borrow(): Redis {
    let connection = this.#idle.pop();
    if (!connection) {
      // Blocking reads outlast any command timeout the shared client has.
      connection = this.#redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: 1, commandTimeout: undefined, enableAutoPipelining: false });
      connection.on('error', () => undefined);
    }
    this.#borrowed.add(connection);
    return connection;
  }

  #return(connection: Redis, reusable: boolean): void {
    this.#borrowed.delete(connection);
    if (reusable && !this.#closed && this.#idle.length < 16) this.#idle.push(connection);
    else connection.disconnect();
  }
}

function decode(fields: string[]): RunEvent {
  let event = '';
  let data: unknown = null;
  let id: number | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === 'e') event = fields[i + 1]!;
    else if (fields[i] === 'd') data = JSON.parse(fields[i + 1]!);
    else if (fields[i] === 'i' && fields[i + 1] !== '') id = Number(fields[i + 1]);
  }
  return id === undefined ? { event, data } : { event, data, id };
}
