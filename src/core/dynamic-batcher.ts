/**
 * Triton's dynamic batcher for one model version. Requests wait in a PriorityQueue; whenever an
 * instance is free it walks the queue (priority level, then FIFO) and sends the largest preferred
 * batch it finds, or whatever is pending once max_queue_delay_microseconds has passed, never
 * merging requests whose non-batch shapes differ. One Timer serves both the batch delay and the
 * request timeouts. It decides *which* requests run together and *when*; BatchExecution runs them.
 */
import {
  realTimerFactory,
  type Timer,
  type TimerFactory,
  type TimerTarget,
  unavailable,
} from '../common/index.js';
import type { DynamicBatching, ModelConfig } from '../protocol/index.js';
import { BatchExecution, type BatchListener } from './batch-execution.js';
import { type BatchShapeRule, batchShapeRule, sameBatchShape } from './batch-shape.js';
import { type InferenceRequest, RequestState } from './inference-request.js';
import type { InstanceSlot, PoolListener } from './instance-pool.js';
import { PriorityQueue } from './priority-queue.js';
import { rejectExpired, rejectUnloaded } from './queue-answers.js';
import { ResponseOrderGate } from './response-order-gate.js';
import type { Scheduler, SchedulerContext, SchedulerFactory } from './scheduler.js';
import { SchedulingLoop } from './scheduling-loop.js';

/** Options of a DynamicBatcher beyond its context. */
export interface DynamicBatcherOptions {
  /** Makes the batcher's one timer; default setTimeout-based timers (tests pass ManualTimers). */
  timerFactory?: TimerFactory;
}

/** Weight of the newest batch in the running mean batch time used for Retry-After. */
const BATCH_TIME_EWMA_WEIGHT = 0.2;

/** Triton's dynamic batcher. */
export class DynamicBatcher implements Scheduler, PoolListener, BatchListener, TimerTarget {
  private readonly context: SchedulerContext;
  private readonly queue: PriorityQueue;
  private readonly timer: Timer;
  private readonly gate: ResponseOrderGate | null;
  /** Whether the model takes a batch dim; if not, every request runs alone. */
  private readonly batched: boolean;
  /** max_batch_size (at least 1). */
  private readonly maxBatchRows: number;
  /** preferred_batch_size, ascending. */
  private readonly preferredRows: readonly number[];
  /** Largest preferred size, or max_batch_size when none is given. */
  private readonly maxPreferredRows: number;
  /** max_queue_delay_microseconds in ns. */
  private readonly delayNs: number;
  /** Which requests may share a batch (matching shapes, and input sets with optional inputs). */
  private readonly shapeRule: BatchShapeRule;
  /** Dispatch time of the batch running on each slot, by slot index. */
  private readonly batchStartNs: number[];
  /** Requests answered by a timeout, reused between passes. */
  private readonly rejected: InferenceRequest[] = [];
  private meanBatchNs = 0;
  private executing = 0;
  private closed = false;
  /** Runs schedulePass without nesting, then re-arms the timer. */
  private readonly loop = new SchedulingLoop(
    () => this.schedulePass(),
    () => this.armTimer(),
  );
  /** When the pending batch's delay runs out (0 = not waiting for one). */
  private batchDeadlineNs = 0;
  /**
   * Whether the last batch pickBatch chose is full (a preferred size, max_batch_size, or a model
   * without batching): only a full batch is pipelined behind a running one, since waiting for a
   * free instance could not make it bigger.
   */
  private pickedFull = false;
  private idleWaiters: (() => void)[] = [];

  constructor(context: SchedulerContext, options: DynamicBatcherOptions = {}) {
    const db = dynamicBatchingOf(context.config);
    this.context = context;
    this.queue = new PriorityQueue(db);
    this.timer = (options.timerFactory ?? realTimerFactory)(context.clock, this);
    this.gate = db.preserve_ordering ? new ResponseOrderGate() : null;
    this.batched = context.plan.batched;
    this.maxBatchRows = Math.max(1, context.plan.maxBatchSize);
    this.preferredRows = [...new Set(db.preferred_batch_size)].sort((a, b) => a - b);
    this.maxPreferredRows = this.preferredRows.at(-1) ?? this.maxBatchRows;
    this.delayNs = db.max_queue_delay_microseconds * 1000;
    this.shapeRule = batchShapeRule(context.plan);
    this.batchStartNs = new Array(context.pool.slots.length).fill(0);
    context.pool.setListener(this);
  }

  get pendingCount(): number {
    return this.queue.size;
  }

  get executingCount(): number {
    return this.executing;
  }

  enqueue(request: InferenceRequest): void {
    const { modelName, clock } = this.context;
    if (this.closed) throw unavailable('ERR_MODEL_UNLOADING', `Model '${modelName}' is unloading`);
    const now = clock.nowNs();
    if (request.arrivalNs < 0) request.arrivalNs = now;
    const level = this.queue.levelOf(request);
    if (this.queue.isFull(level)) {
      const max = this.queue.policyOf(level).maxQueueSize;
      throw unavailable(
        'ERR_QUEUE_FULL',
        `Exceeds maximum queue size: model '${modelName}' already queues ${max} requests at priority level ${level} (max_queue_size ${max})`,
        this.retryAfterS(),
      );
    }
    this.queue.push(request, level, now);
    this.schedule();
  }

  cancel(request: InferenceRequest): boolean {
    if (request.state !== RequestState.QUEUED || !this.queue.remove(request)) return false;
    const { reporter, clock } = this.context;
    request.state = RequestState.DONE;
    reporter.cancelled(clock.nowNs() - request.arrivalNs);
    // The pending batch may have lost its oldest request: re-evaluate it and the timer.
    this.schedule();
    this.notifyIdle();
    return true;
  }

  onSlotAvailable(): void {
    this.schedule();
  }

  onTimer(): void {
    this.schedule();
  }

  onBatchDone(slot: InstanceSlot, requests: readonly InferenceRequest[]): void {
    this.executing -= requests.length;
    if (slot.inFlight === 1) {
      // Timed only when nothing was pipelined behind it (the start time is per slot).
      const tookNs = this.context.clock.nowNs() - this.batchStartNs[slot.index]!;
      this.meanBatchNs =
        this.meanBatchNs === 0
          ? tookNs
          : this.meanBatchNs + BATCH_TIME_EWMA_WEIGHT * (tookNs - this.meanBatchNs);
    }
    this.context.pool.release(slot);
    this.notifyIdle();
  }

  idle(): Promise<void> {
    if (this.queue.size === 0 && this.executing === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  close(): void {
    this.closed = true;
    this.timer.cancel();
    rejectUnloaded(this.queue, this.context.modelName);
    this.notifyIdle();
  }

  /** Forms and sends batches while instances are free, then re-arms the timer. Re-entrant safe. */
  private schedule(): void {
    this.loop.run();
  }

  private schedulePass(): void {
    const { clock, pool } = this.context;
    const now = clock.nowNs();
    this.batchDeadlineNs = 0;
    if (this.queue.nextDeadlineNs !== 0 && now >= this.queue.nextDeadlineNs) this.rejectExpired(now);
    while (!this.closed && this.queue.size > 0) {
      const free = pool.freeCount > 0;
      const take = this.pickBatch(now);
      if (take === 0 || (!free && !this.pickedFull)) return;
      const slot = free ? pool.acquire() : pool.acquirePipelined();
      if (slot === null) return;
      this.dispatch(slot, take, now);
    }
  }

  /**
   * Triton's GetDynamicBatch: how many requests from the front of the walk to send now, or 0 to
   * wait (then `batchDeadlineNs` says until when).
   */
  private pickBatch(now: number): number {
    this.pickedFull = true;
    if (!this.batched) return 1;
    const queue = this.queue;
    queue.resetCursor();
    const first = queue.nextAtCursor()!;
    let pendingRows = first.batchSize;
    let count = 1;
    let oldestNs = first.arrivalNs;
    let bestCount = this.preferredRows.includes(pendingRows) ? 1 : 0;
    let sendNow = false;
    for (let r = queue.nextAtCursor(); r !== undefined; r = queue.nextAtCursor()) {
      const rows = r.batchSize;
      if (pendingRows + rows > this.maxPreferredRows && bestCount === 0) bestCount = count;
      if (pendingRows + rows > this.maxBatchRows) {
        sendNow = true;
        break;
      }
      if (!sameBatchShape(first, r, this.shapeRule)) {
        sendNow = true;
        break;
      }
      pendingRows += rows;
      count++;
      if (r.arrivalNs < oldestNs) oldestNs = r.arrivalNs;
      if (this.preferredRows.includes(pendingRows)) bestCount = count;
    }
    const delayExceeded = this.delayNs !== 0 && now - oldestNs >= this.delayNs;
    if (bestCount !== 0 && !delayExceeded) return bestCount;
    if (sendNow || pendingRows >= this.maxPreferredRows) return count;
    this.pickedFull = false;
    if (delayExceeded || this.delayNs === 0) return count;
    this.batchDeadlineNs = oldestNs + this.delayNs;
    return 0;
  }

  private dispatch(slot: InstanceSlot, take: number, now: number): void {
    const requests: InferenceRequest[] = new Array(take);
    for (let i = 0; i < take; i++) {
      const r = this.queue.shift()!;
      if (this.gate !== null) this.gate.assign(r);
      requests[i] = r;
    }
    this.executing += take;
    this.batchStartNs[slot.index] = now;
    new BatchExecution(this.context, slot, requests, this, this.gate).start();
  }

  /** Answers the REJECT timeouts due at `now` (DELAY ones only move to the back). */
  private rejectExpired(now: number): void {
    if (rejectExpired(this.queue, now, this.context, this.rejected) > 0) this.notifyIdle();
  }

  /** One timer for the earliest of the pending batch's delay and the closest request timeout. */
  private armTimer(): void {
    if (this.closed) return;
    let deadline = this.queue.nextDeadlineNs;
    if (this.batchDeadlineNs !== 0 && (deadline === 0 || this.batchDeadlineNs < deadline)) {
      deadline = this.batchDeadlineNs;
    }
    if (deadline === 0) this.timer.cancel();
    else if (deadline !== this.timer.deadlineNs) this.timer.armAt(deadline);
  }

  /**
   * Seconds until a retry may be admitted: the batches needed to drain the queue times the
   * recent mean batch time, spread over the instances; at least 1 s.
   */
  private retryAfterS(): number {
    const batches = Math.ceil(this.queue.rows / this.maxPreferredRows);
    const seconds = (batches * this.meanBatchNs) / Math.max(1, this.context.pool.slots.length) / 1e9;
    return Math.max(1, Math.ceil(seconds));
  }

  private notifyIdle(): void {
    if (this.queue.size !== 0 || this.executing !== 0 || this.idleWaiters.length === 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}

function dynamicBatchingOf(config: ModelConfig): DynamicBatching {
  if (config.dynamic_batching === undefined) {
    throw new Error(`Model '${config.name}' has no dynamic_batching block for the dynamic batcher`);
  }
  return config.dynamic_batching;
}

/** Builds a factory for the dynamic batcher with the given options (e.g. an injected timer). */
export function createDynamicBatcherFactory(options: DynamicBatcherOptions = {}): SchedulerFactory {
  return {
    name: 'dynamic',
    matches: (config: ModelConfig) =>
      config.dynamic_batching !== undefined &&
      config.sequence_batching === undefined &&
      config.ensemble_scheduling === undefined,
    create: (context) => new DynamicBatcher(context, options),
  };
}

/** Selects the dynamic batcher for configs with a `dynamic_batching` block. */
export const dynamicBatcherFactory: SchedulerFactory = createDynamicBatcherFactory();
