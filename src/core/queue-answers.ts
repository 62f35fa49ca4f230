/**
 * Answers requests that leave a PriorityQueue without running: those whose timeout ran out
 * (Triton's timeout_action REJECT: recorded as rejected, answered UNAVAILABLE ERR_QUEUE_TIMEOUT;
 * DELAY ones only move to the back inside the queue) and those still queued when the model
 * unloads. Shared by the dynamic batcher and the generation scheduler.
 */
import { ServerError, Status, unavailable } from '../common/index.js';
import { type InferenceRequest, RequestState } from './inference-request.js';
import type { PriorityQueue } from './priority-queue.js';
import type { SchedulerContext } from './scheduler.js';

/**
 * Rejects the requests of `queue` due at `nowNs`, using `scratch` (left empty) to collect them;
 * returns how many were answered.
 */
export function rejectExpired(
  queue: PriorityQueue,
  nowNs: number,
  context: Pick<SchedulerContext, 'reporter' | 'modelName' | 'clock'>,
  scratch: InferenceRequest[],
): number {
  queue.expire(nowNs, scratch);
  const count = scratch.length;
  if (count === 0) return 0;
  const { reporter, modelName } = context;
  for (let i = 0; i < count; i++) {
    const r = scratch[i]!;
    const waitedNs = nowNs - r.arrivalNs;
    r.state = RequestState.DONE;
    reporter.failed('REJECTED', waitedNs);
    r.sink.onError(
      r,
      new ServerError(
        Status.UNAVAILABLE,
        'ERR_QUEUE_TIMEOUT',
        `Request timeout expired: the request waited ${Math.round(waitedNs / 1000)} us in the queue of model '${modelName}'`,
      ),
    );
  }
  scratch.length = 0;
  return count;
}

/** Answers every request still in `queue` UNAVAILABLE: model `modelName` is unloading. */
export function rejectUnloaded(queue: PriorityQueue, modelName: string): void {
  const error = unavailable(
    'ERR_MODEL_UNLOADING',
    `Model '${modelName}' was unloaded before the request ran`,
  );
  for (const request of queue.drain()) {
    request.state = RequestState.DONE;
    request.sink.onError(request, error);
  }
}
