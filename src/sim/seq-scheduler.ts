/**
 * Self-hosted mode: like a vLLM server, at most `maxSeqs` sequences run at once and the
 * rest wait in a FIFO queue; when the queue is bounded and full, the request is refused.
 */
export class SeqScheduler {
  readonly maxSeqs: number;
  readonly maxQueue: number;
  #running = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(maxSeqs: number, maxQueue: number) {
    this.maxSeqs = maxSeqs;
    this.maxQueue = maxQueue;
  }

  get running(): number {
    return this.#running;
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  /**
   * Resolve with a release function once a sequence slot is free; resolve `undefined` at
   * once if the queue is full. Unbounded when `maxSeqs` is 0 (hosted API mode).
   */
  acquire(): Promise<(() => void) | undefined> {
    if (this.maxSeqs === 0 || this.#running < this.maxSeqs) {
      this.#running++;
      return Promise.resolve(this.#releaser());
    }
    if (this.maxQueue > 0 && this.#waiting.length >= this.maxQueue) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.#waiting.push(() => {
        this.#running++;
        resolve(this.#releaser());
      });
    });
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#running--;
      const next = this.#waiting.shift();
      if (next) next();
    };
  }
}
