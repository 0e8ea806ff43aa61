import { LruCache } from '../shared/lru-cache.js';
import type { ThreadRecord } from '../store/run-store.js';

/** A thread as a run needs it: which one, and whose. */
export type ThreadRef = Pick<ThreadRecord, 'thread_id' | 'customer_id'>;

/**
 * Who owns each thread this replica has seen. A thread's customer is set when it is created
 * and never changes, and threads are never deleted, so a remembered owner stays true and a
 * message on a known thread needs no database read to check who may send it (one round trip
 * fewer per message on Postgres). Bounded: a forgotten thread is read again.
 */
export class ThreadOwners {
  readonly #owners: LruCache<string, string>;

  constructor(maxEntries = 100_000) {
    this.#owners = new LruCache(maxEntries);
  }

  remember(thread: ThreadRef): void {
    this.#owners.set(thread.thread_id, thread.customer_id);
  }

  /** The thread's owner, if this replica has seen the thread. */
  ownerOf(threadId: string): string | undefined {
    return this.#owners.get(threadId);
  }
}
