/**
 * The dynamic batcher's queue, shaped like Triton's PriorityQueue: one FIFO per priority level
 * (1 = highest; level 0 alone when the config has no levels), each with its own queue policy and
 * a "delayed" FIFO for requests whose timeout expired under timeout_action DELAY. Requests are
 * walked level by level, each level's live FIFO before its delayed one. It enforces
 * max_queue_size and timeouts but never answers a request: the batcher does that.
 */

import { FixedQueue } from '../common/index.js';
import type { DynamicBatching } from '../protocol/index.js';
import { type InferenceRequest, RequestState } from './inference-request.js';
import {
  policyForLevel,
  priorityLevelOf,
  type ResolvedQueuePolicy,
  requestTimeoutUs,
} from './queue-policy.js';

/** One priority level's requests. */
class LevelQueue {
  /** Priority level (0 = the only level). */
  readonly level: number;
  /** Its policy. */
  readonly policy: ResolvedQueuePolicy;
  /** Requests in arrival order, not yet expired. */
  readonly live = new FixedQueue<InferenceRequest>();
  /** Requests whose timeout expired under DELAY, in expiry order; they no longer time out. */
  readonly delayed = new FixedQueue<InferenceRequest>();

  constructor(level: number, policy: ResolvedQueuePolicy) {
    this.level = level;
    this.policy = policy;
  }

  get length(): number {
    return this.live.length + this.delayed.length;
  }
}

/** Requests waiting for a batch, by priority level. */
export class PriorityQueue {
  /** Requests queued. */
  size = 0;
  /** Rows (summed batch sizes) queued. */
  rows = 0;
  /**
   * A lower bound on the earliest timeout deadline (ns) of a queued request, 0 when none: it may
   * belong to a request that has left the queue since; `expire` recomputes it exactly.
   */
  nextDeadlineNs = 0;
  private readonly config: DynamicBatching;
  private readonly byLevel = new Map<number, LevelQueue>();
  /** Levels created so far, highest priority (lowest number) first. */
  private readonly levels: LevelQueue[] = [];
  private cursorLevel = 0;
  private cursorInDelayed = false;
  private cursorIndex = 0;

  constructor(config: DynamicBatching) {
    this.config = config;
  }

  /** The level a request with these parameters joins. */
  levelOf(request: InferenceRequest): number {
    return priorityLevelOf(request.parameters, this.config);
  }

  /** The policy of `level`. */
  policyOf(level: number): ResolvedQueuePolicy {
    return this.levelQueue(level).policy;
  }

  /** Whether `level` holds max_queue_size requests already. */
  isFull(level: number): boolean {
    const q = this.levelQueue(level);
    return q.policy.maxQueueSize !== 0 && q.length >= q.policy.maxQueueSize;
  }

  /** Appends a request to `level`, setting its level, deadline and state. */
  push(request: InferenceRequest, level: number, nowNs: number): void {
    const q = this.levelQueue(level);
    const timeoutUs = requestTimeoutUs(q.policy, request.parameters);
    request.priorityLevel = level;
    request.deadlineNs = timeoutUs === 0 ? 0 : nowNs + timeoutUs * 1000;
    request.state = RequestState.QUEUED;
    q.live.push(request);
    this.size++;
    this.rows += request.batchSize;
    if (request.deadlineNs !== 0 && (this.nextDeadlineNs === 0 || request.deadlineNs < this.nextDeadlineNs)) {
      this.nextDeadlineNs = request.deadlineNs;
    }
  }

  /** Starts a walk in scheduling order. */
  resetCursor(): void {
    this.cursorLevel = 0;
    this.cursorInDelayed = false;
    this.cursorIndex = 0;
  }

  /** The next request of the walk, or undefined at the end. */
  nextAtCursor(): InferenceRequest | undefined {
    const levels = this.levels;
    while (this.cursorLevel < levels.length) {
      const level = levels[this.cursorLevel]!;
      const q = this.cursorInDelayed ? level.delayed : level.live;
      if (this.cursorIndex < q.length) return q.at(this.cursorIndex++);
      if (this.cursorInDelayed) {
        this.cursorLevel++;
        this.cursorInDelayed = false;
      } else {
        this.cursorInDelayed = true;
      }
      this.cursorIndex = 0;
    }
    return undefined;
  }

  /** Removes and returns the first request in scheduling order. */
  shift(): InferenceRequest | undefined {
    for (const level of this.levels) {
      const r = level.live.length > 0 ? level.live.shift() : level.delayed.shift();
      if (r === undefined) continue;
      this.size--;
      this.rows -= r.batchSize;
      if (this.size === 0) this.nextDeadlineNs = 0;
      return r;
    }
    return undefined;
  }

  /** Removes a queued request (cancellation); true when it was queued here. */
  remove(request: InferenceRequest): boolean {
    const q = this.byLevel.get(request.priorityLevel);
    if (q === undefined || !(q.live.remove(request) || q.delayed.remove(request))) return false;
    this.size--;
    this.rows -= request.batchSize;
    if (this.size === 0) this.nextDeadlineNs = 0;
    return true;
  }

  /**
   * Applies the timeout policies at `nowNs`: each request whose deadline is reached is moved to its
   * level's delayed FIFO (DELAY) or removed and appended to `rejected` (REJECT). Recomputes
   * `nextDeadlineNs` exactly.
   */
  expire(nowNs: number, rejected: InferenceRequest[]): void {
    let next = 0;
    for (const level of this.levels) {
      if (level.policy.defaultTimeoutUs === 0) continue;
      const live = level.live;
      if (!level.policy.allowTimeoutOverride) {
        // Every request of the level has the same timeout, so deadlines grow along the FIFO.
        while (live.length > 0 && nowNs >= live.peek()!.deadlineNs) {
          this.expireOne(level, live.shift()!, rejected);
        }
        if (live.length > 0) next = earlier(next, live.peek()!.deadlineNs);
        continue;
      }
      // Overrides break the order: rotate the FIFO once, keeping the requests not yet due.
      for (let i = live.length; i > 0; i--) {
        const r = live.shift()!;
        if (r.deadlineNs !== 0 && nowNs >= r.deadlineNs) {
          this.expireOne(level, r, rejected);
        } else {
          live.push(r);
          if (r.deadlineNs !== 0) next = earlier(next, r.deadlineNs);
        }
      }
    }
    this.nextDeadlineNs = next;
  }

  /** Removes and returns every queued request in scheduling order. */
  drain(): InferenceRequest[] {
    const out: InferenceRequest[] = [];
    for (let r = this.shift(); r !== undefined; r = this.shift()) out.push(r);
    return out;
  }

  private expireOne(level: LevelQueue, r: InferenceRequest, rejected: InferenceRequest[]): void {
    r.deadlineNs = 0;
    if (level.policy.rejectOnTimeout) {
      this.size--;
      this.rows -= r.batchSize;
      rejected.push(r);
    } else {
      level.delayed.push(r);
    }
  }

  private levelQueue(level: number): LevelQueue {
    let q = this.byLevel.get(level);
    if (q !== undefined) return q;
    q = new LevelQueue(level, policyForLevel(this.config, level));
    this.byLevel.set(level, q);
    let at = this.levels.length;
    while (at > 0 && this.levels[at - 1]!.level > level) at--;
    this.levels.splice(at, 0, q);
    return q;
  }
}

function earlier(a: number, b: number): number {
  return a === 0 || b < a ? b : a;
}
