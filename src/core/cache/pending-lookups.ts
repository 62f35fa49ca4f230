/**
 * Remote lookups waiting for their reply, each with the same wait limit: a FIFO in deadline order
 * and one re-armable timer for the oldest deadline (never a timer per lookup). A lookup is settled
 * once: by its reply (decoded by the owner), by an error, or by the deadline (a miss). It does not
 * talk to Redis; RedisCache issues the command and routes the outcome here.
 */
import type { Clock, Timer, TimerFactory, TimerTarget } from '../../common/index.js';
import { FixedQueue } from '../../common/index.js';
import type { CacheEntry } from './response-cache.js';

/** What a PendingLookups reports outcomes to. */
export interface LookupOwner {
  /** A reply arrived in time: the entry it holds, or null. */
  onLookupReply(reply: Buffer | null): CacheEntry | null;
  /** The lookup failed (`reason` says why); it is served as a miss. */
  onLookupFailure(reason: string): void;
}

/** One lookup in flight. */
export class PendingLookup {
  /** Resolves with the entry or null (never rejects). */
  readonly promise: Promise<CacheEntry | null>;
  /** Deadline on the owner's clock, ns. */
  readonly deadlineNs: number;
  /** Whether the outcome is decided. */
  settled: boolean;
  private readonly owner: LookupOwner;
  private resolve: (entry: CacheEntry | null) => void;

  constructor(owner: LookupOwner, deadlineNs: number) {
    this.owner = owner;
    this.deadlineNs = deadlineNs;
    this.settled = false;
    this.resolve = noop;
    this.promise = new Promise((resolve) => {
      this.resolve = resolve;
    });
  }

  /** The reply arrived (ignored when the deadline already passed). */
  settle(reply: Buffer | null): void {
    if (this.settled) return;
    this.settled = true;
    this.resolve(this.owner.onLookupReply(reply));
  }

  /** The command failed (ignored when already settled). */
  settleError(err: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.owner.onLookupFailure(err.message);
    this.resolve(null);
  }

  /** The deadline passed or the cache closed: a miss. */
  expire(reason: string): void {
    if (this.settled) return;
    this.settled = true;
    this.owner.onLookupFailure(reason);
    this.resolve(null);
  }
}

function noop(): void {}

/** Lookups in flight and their shared deadline timer. */
export class PendingLookups implements TimerTarget {
  private readonly owner: LookupOwner;
  private readonly clock: Clock;
  private readonly timer: Timer;
  private readonly waitNs: number;
  private readonly waitMs: number;
  private readonly queue = new FixedQueue<PendingLookup>(64);

  constructor(owner: LookupOwner, clock: Clock, timers: TimerFactory, waitTimeoutMs: number) {
    this.owner = owner;
    this.clock = clock;
    this.timer = timers(clock, this);
    this.waitMs = waitTimeoutMs;
    this.waitNs = waitTimeoutMs * 1e6;
  }

  /** Lookups not yet cleaned up (settled ones leave when the timer next fires). */
  get size(): number {
    return this.queue.length;
  }

  /** Registers a new lookup whose deadline is now + the wait limit. */
  add(): PendingLookup {
    const op = new PendingLookup(this.owner, this.clock.nowNs() + this.waitNs);
    this.queue.push(op);
    if (this.timer.deadlineNs === 0) this.timer.armAt(op.deadlineNs);
    return op;
  }

  onTimer(): void {
    const now = this.clock.nowNs();
    for (let op = this.queue.peek(); op !== undefined; op = this.queue.peek()) {
      if (!op.settled && op.deadlineNs > now) break;
      this.queue.shift();
      op.expire(`no reply within ${this.waitMs} ms`);
    }
    const head = this.queue.peek();
    if (head !== undefined) this.timer.armAt(head.deadlineNs);
  }

  /** Settles every lookup as a miss and stops the timer. */
  close(): void {
    this.timer.cancel();
    for (const op of this.queue.drain()) op.expire('cache closed');
  }
}
