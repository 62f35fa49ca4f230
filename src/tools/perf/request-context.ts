/**
 * One request slot of a load worker: its start time, the sequence it belongs to and the
 * handlers its client promise resolves into, bound once at construction so that issuing a
 * request allocates no closure. A closed-loop slot reissues itself; an open-loop context goes
 * back to its engine's free list. What to send and what to record is the engine's business.
 */
import type { InferResult } from '../../client/index.js';

/** Where a context reports its outcome (the LoadEngine). */
export interface ContextOwner {
  /** A response arrived for `context` (decoupled models may send several). */
  onResponse(context: RequestContext, result: InferResult): void;
  /** The request of `context` failed. */
  onFailure(context: RequestContext, error: unknown): void;
}

/** The state of a sequence that a slot (or the rate scheduler) is walking through. */
export class SequenceState {
  /** Current correlation id (0 before the first request). */
  id = 0;
  /** Requests left in the current sequence. */
  remaining = 0;
  /** Index of the next request within the sequence. */
  step = 0;
  /** Index of the data stream this sequence reads. */
  stream = 0;
}

/** One in-flight request's bookkeeping (see the file header). */
export class RequestContext {
  /** Request id sent on streams ('' for unary calls that need none). */
  readonly id: string;
  /** Slot number in closed-loop mode, -1 for open-loop contexts. */
  readonly slot: number;
  /** performance.now() when the request was issued, in milliseconds. */
  startMs = 0;
  /** Synchronous send time of the current request, in microseconds. */
  sendUs = 0;
  /** Responses received for the current request. */
  responses = 0;
  /** Whether a request is in flight on this context. */
  busy = false;
  /** The sequence this slot walks (closed loop with sequences), else null. */
  readonly sequence: SequenceState | null;
  /** Resolves the client's promise (bound once). */
  readonly resolve: (result: InferResult) => void;
  /** Rejects the client's promise (bound once). */
  readonly reject: (error: unknown) => void;
  private readonly owner: ContextOwner;

  constructor(owner: ContextOwner, id: string, slot: number, withSequence: boolean) {
    this.owner = owner;
    this.id = id;
    this.slot = slot;
    this.sequence = withSequence ? new SequenceState() : null;
    this.resolve = this.handleResult.bind(this);
    this.reject = this.handleError.bind(this);
  }

  private handleResult(result: InferResult): void {
    this.owner.onResponse(this, result);
  }

  private handleError(error: unknown): void {
    this.owner.onFailure(this, error);
  }
}

/** A small seeded PRNG (mulberry32): uniform numbers in [0, 1). */
export class SeededUniform {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0 || 1;
  }

  /** The next number in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}
