/**
 * Triton's default scheduler: each request runs as it came (a client-side batch stays one
 * execution), FIFO, on the next free instance, so N instances run N requests in parallel.
 */
import { FixedQueue, unavailable } from '../common/index.js';
import type { ModelConfig } from '../protocol/index.js';
import { BatchExecution, type BatchListener } from './batch-execution.js';
import { type InferenceRequest, RequestState } from './inference-request.js';
import type { InstanceSlot, PoolListener } from './instance-pool.js';
import type { Scheduler, SchedulerContext, SchedulerFactory } from './scheduler.js';

/** FIFO, one request per execution. */
export class DefaultScheduler implements Scheduler, PoolListener, BatchListener {
  private readonly context: SchedulerContext;
  private readonly queue = new FixedQueue<InferenceRequest>();
  private executing = 0;
  private closed = false;
  private idleWaiters: (() => void)[] = [];

  constructor(context: SchedulerContext) {
    this.context = context;
    context.pool.setListener(this);
  }

  get pendingCount(): number {
    return this.queue.length;
  }

  get executingCount(): number {
    return this.executing;
  }

  enqueue(request: InferenceRequest): void {
    if (this.closed) {
      throw unavailable('ERR_MODEL_UNLOADING', `Model '${this.context.modelName}' is unloading`);
    }
    request.state = RequestState.QUEUED;
    this.queue.push(request);
    this.dispatch();
  }

  cancel(request: InferenceRequest): boolean {
    if (request.state !== RequestState.QUEUED) return false;
    const removed = this.queue.remove(request);
    if (removed) {
      request.state = RequestState.DONE;
      this.context.reporter.cancelled(this.context.clock.nowNs() - request.arrivalNs);
      this.notifyIdle();
    }
    return removed;
  }

  onSlotAvailable(): void {
    this.dispatch();
  }

  onBatchDone(slot: InstanceSlot): void {
    this.executing--;
    this.context.pool.release(slot);
    this.notifyIdle();
  }

  idle(): Promise<void> {
    if (this.queue.length === 0 && this.executing === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  close(): void {
    this.closed = true;
    for (const request of this.queue.drain()) {
      request.state = RequestState.DONE;
      request.sink.onError(
        request,
        unavailable(
          'ERR_MODEL_UNLOADING',
          `Model '${this.context.modelName}' was unloaded before the request ran`,
        ),
      );
    }
    this.notifyIdle();
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      // Pipelined: an instance that accepts a second execution gets it while the first runs.
      const slot = this.context.pool.acquirePipelined();
      if (slot === null) return;
      const request = this.queue.shift()!;
      this.executing++;
      new BatchExecution(this.context, slot, [request], this).start();
    }
  }

  private notifyIdle(): void {
    if (this.queue.length !== 0 || this.executing !== 0 || this.idleWaiters.length === 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}

/** Selects the default scheduler for configs with no scheduling choice. */
export const defaultSchedulerFactory: SchedulerFactory = {
  name: 'default',
  matches: (config: ModelConfig) =>
    config.dynamic_batching === undefined &&
    config.sequence_batching === undefined &&
    config.ensemble_scheduling === undefined,
  create: (context) => new DefaultScheduler(context),
};
