import type { RunError, RunStatus } from '../store/run-store.js';

/** One event of a run, as a stream client receives it (`event:` and `data:` of SSE). */
export interface RunEvent {
  event: string;
  data: unknown;
  /** Its place in the run's events (1, 2, ...), the same on every replica: SSE's `id`, for resuming. */
  id?: number | undefined;
}

/** The last event of every run's log: how it ended. Never sent to clients as such. */
export const END_EVENT = 'end';

export interface RunEnd {
  status: RunStatus;
  error?: RunError | undefined;
  /** The run emitted its final `values` event (with usage) before this one. */
  finalValues?: boolean;
}

export function isEnd(event: RunEvent): event is { event: typeof END_EVENT; data: RunEnd } {
  return event.event === END_EVENT;
}

/**
 * The events of one run executing in this process, kept from the first, so that a client
 * that starts following late (a `join`, a second stream) sees every event in order and
 * then the live ones, with nothing lost in between.
 */
export class RunEventLog {
  readonly #events: RunEvent[] = [];
  #wake: Array<() => void> = [];
  #ended = false;

  get ended(): boolean {
    return this.#ended;
  }

  append(event: RunEvent): void {
    if (this.#ended) return;
    this.#events.push(event);
    if (isEnd(event)) this.#ended = true;
    const waiting = this.#wake;
    this.#wake = [];
    for (const wake of waiting) wake();
  }

  /** Every event from the first; the iteration ends after the end event (or when `signal` aborts). */
  async *follow(signal?: AbortSignal): AsyncGenerator<RunEvent> {
    let next = 0;
    for (;;) {
      while (next < this.#events.length) yield this.#events[next++]!;
      if (this.#ended || signal?.aborted) return;
      await new Promise<void>((resolve) => {
        const onAbort = () => resolve();
        this.#wake.push(() => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        });
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    }
  }
}

/**
 * The logs of the runs executing here. A finished run's log stays a little while, so that a
 * `join` arriving just after the end is still answered from memory.
 */
export class RunEventHub {
  readonly #logs = new Map<string, RunEventLog>();
  readonly #opening = new Map<string, Array<() => void>>();
  readonly #retainMs: number;

  constructor(options: { retainMs?: number } = {}) {
    this.#retainMs = options.retainMs ?? 30_000;
  }

  open(runId: string): RunEventLog {
    const log = new RunEventLog();
    this.#logs.set(runId, log);
    for (const wake of [...(this.#opening.get(runId) ?? [])]) wake();
    this.#opening.delete(runId);
    return log;
  }

  /** Resolves when the run's log opens here, or after `timeoutMs`, or when `signal` aborts. */
  opened(runId: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.#logs.has(runId) || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const waiters = this.#opening.get(runId) ?? [];
      this.#opening.set(runId, waiters);
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        const index = waiters.indexOf(done);
        if (index >= 0) waiters.splice(index, 1);
        if (waiters.length === 0 && this.#opening.get(runId) === waiters) this.#opening.delete(runId);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal?.addEventListener('abort', done, { once: true });
      waiters.push(done);
    });
  }

  get(runId: string): RunEventLog | undefined {
    return this.#logs.get(runId);
  }

  /** The run has ended: forget its log after the retention time. */
  retire(runId: string): void {
    const log = this.#logs.get(runId);
    setTimeout(() => {
      if (this.#logs.get(runId) === log) this.#logs.delete(runId);
    }, this.#retainMs).unref();
  }
}
