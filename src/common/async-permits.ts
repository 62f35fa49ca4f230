/**
 * A counting semaphore for slow asynchronous work (model loads): at most `limit` holders at once,
 * the rest wait in arrival order. Not for hot paths: each wait allocates a promise.
 */
import { FixedQueue } from './fixed-queue.js';

/** At most `limit` concurrent holders; later callers wait in order. */
export class AsyncPermits {
  /** How many may hold a permit at once. */
  readonly limit: number;
  private held = 0;
  private readonly waiting = new FixedQueue<() => void>();

  /** @param limit concurrent holders, >= 1 */
  constructor(limit: number) {
    if (!Number.isSafeInteger(limit) || limit < 1)
      throw new RangeError(`Permit limit must be an integer >= 1: received ${limit}`);
    this.limit = limit;
  }

  /** Holders now. */
  get active(): number {
    return this.held;
  }

  /** Runs `work` once a permit is free and returns the permit when it settles. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.held >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.held++;
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next !== undefined) next();
      else this.held--;
    }
  }
}
