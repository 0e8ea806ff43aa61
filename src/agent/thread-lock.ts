import { ConciergeError } from '../shared/errors.js';

export type MultitaskStrategy = 'reject' | 'enqueue';

export function threadBusy(threadId: string): ConciergeError {
  return new ConciergeError('THREAD_BUSY', `thread ${threadId} already has a run in progress; retry later or send multitask_strategy "enqueue"`);
}

/**
 * One run at a time per thread. LangGraph.js itself has no such lock: two runs on one thread
 * would both read the same checkpoint and the later write would silently drop the earlier
 * run's messages. `reject` fails fast (like the LangGraph Platform's 409); `enqueue` waits in
 * arrival order.
 *
 * This lock is per process. Several processes that share one checkpointer must also route a
 * thread to one process (sticky routing) or use a distributed lock.
 */
export class ThreadLocks {
  readonly #tails = new Map<string, Promise<void>>();
  #held = 0;

  /** Acquire the thread's lock; the returned function releases it. */
  async acquire(threadId: string, strategy: MultitaskStrategy, signal?: AbortSignal): Promise<() => void> {
    if (strategy === 'reject' && this.#tails.has(threadId)) throw threadBusy(threadId);
    const previous = this.#tails.get(threadId) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    // The chain of holders and waiters: each link settles when its owner releases (or gives
    // up its place). The entry goes away only when the last link has settled, so a thread is
    // never shown free while anyone still holds or waits for it.
    const tail = previous.then(() => mine);
    this.#tails.set(threadId, tail);
    void tail.then(() => {
      if (this.#tails.get(threadId) === tail) this.#tails.delete(threadId);
    });
    if (signal) {
      const aborted = new Promise<never>((_, reject) => {
        const onAbort = () => reject(signal.reason ?? new Error('aborted'));
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      });
      try {
        await Promise.race([previous, aborted]);
      } catch (error) {
        // Give up our place: our link settles as soon as the one before it does, so the runs
        // queued behind us are not held up, and the current holder keeps the lock.
        release();
        throw error;
      }
    } else {
      await previous;
    }
    this.#held += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#held -= 1;
      release();
      // We held the lock, so everything before us has settled; if nobody queued behind us
      // the thread is free now, not a tick later.
      if (this.#tails.get(threadId) === tail) this.#tails.delete(threadId);
    };
  }

  isBusy(threadId: string): boolean {
    return this.#tails.has(threadId);
  }

  get heldCount(): number {
    return this.#held;
  }
}
