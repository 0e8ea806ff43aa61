import type { RunEvent } from './run-event-log.js';

export interface FollowOptions {
  signal?: AbortSignal;
  /**
   * Asked whenever nothing has arrived for a while: the run's end as the database records
   * it, when it has ended (its replica died, or the end event was lost), else undefined.
   */
  checkEnded: () => Promise<RunEvent | undefined>;
}

/**
 * How a run's events reach clients on other replicas. The replica executing a run publishes
 * every event; a follower anywhere reads them from the run's first event, then live, so
 * nothing is lost between what was stored and what is streaming.
 */
export interface EventRelay {
  readonly kind: 'redis' | 'none';
  /** Publish the next event of a run executing here; ordered per run, never throws. */
  publish(runId: string, event: RunEvent): void;
  /** The run's events from its first; ends after its end event, or when `signal` aborts. */
  follow(runId: string, options: FollowOptions): AsyncIterable<RunEvent>;
  close(): Promise<void>;
}

/**
 * Without Redis a follower on another replica cannot see a run's events as they happen: it
 * asks the database every `pollMs` and gets the run's end when it comes. Slower to notice,
 * and a stream followed from elsewhere carries the final state only; answers stay correct.
 */
export function createPollingRelay(options: { pollMs?: number } = {}): EventRelay {
  const pollMs = options.pollMs ?? 500;
  return {
    kind: 'none',
    publish() {},
    async *follow(_runId, { signal, checkEnded }) {
      while (!signal?.aborted) {
        const ended = await checkEnded();
        if (ended) {
          yield ended;
          return;
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, pollMs);
          signal?.addEventListener('abort', () => {
            clearTimeout(timer);
            resolve();
          }, { once: true });
        });
      }
    },
    async close() {},
  };
}
