import type { Redis } from 'ioredis';

/** A message between replicas: claim queued work now, or stop a run. */
export type BusMessage = { kind: 'wake' } | { kind: 'cancel'; runId: string };

/**
 * Wake-ups and cancels for every replica. A message reaches this replica's own handlers at
 * once and, with Redis, every other replica within a round trip; without Redis, other
 * replicas notice by polling the database (claims every few hundred ms, cancels at the next
 * lease renewal): slower, never wrong, because the database decides either way.
 */
export interface CoordinationBus {
  readonly kind: 'redis' | 'local';
  send(message: BusMessage): void;
  subscribe(handler: (message: BusMessage) => void): void;
  close(): Promise<void>;
}

export function createLocalBus(): CoordinationBus {
  const handlers: Array<(message: BusMessage) => void> = [];
  return {
    kind: 'local',
    send(message) {
      for (const handler of handlers) handler(message);
    },
    subscribe(handler) {
      handlers.push(handler);
    },
    async close() {},
  };
}

export interface RedisBusOptions {
  redis: Redis;
  prefix: string;
  /** This replica, so that it does not handle its own messages twice. */
  replicaId: string;
  log?: (line: string) => void;
}

/** Redis pub/sub on one channel per deployment; the subscriber holds a connection of its own. */
export async function createRedisBus(options: RedisBusOptions): Promise<CoordinationBus> {
  const channel = `${options.prefix}:bus`;
  const log = options.log ?? (() => {});
  const handlers: Array<(message: BusMessage) => void> = [];
  const deliver = (message: BusMessage) => {
    for (const handler of handlers) {
      try {
        handler(message);
      } catch (error) {
        log(`bus: a handler failed: ${String(error)}`);
      }
    }
  };
  const subscriber = options.redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null, commandTimeout: undefined, enableAutoPipelining: false });
  subscriber.on('error', () => undefined);
  subscriber.on('message', (_channel: string, text: string) => {
    try {
      const { from, message } = JSON.parse(text) as { from: string; message: BusMessage };
      if (from !== options.replicaId) deliver(message);
    } catch {
      log(`bus: ignored a malformed message on ${channel}`);
    }
  });
  await subscriber.subscribe(channel);
  return {
    kind: 'redis',
    send(message) {
      deliver(message);
      options.redis.publish(channel, JSON.stringify({ from: options.replicaId, message })).catch((error: unknown) => log(`bus: could not publish ${message.kind}: ${String(error)}`));
    },
    subscribe(handler) {
      handlers.push(handler);
    },
    async close() {
      subscriber.disconnect();
    },
  };
}
