/**
 * How a request that ran on an instance ends: its statistics and observer events are recorded and
 * its sink answered, the same way for every scheduler that runs executions (BatchExecution and the
 * sequence batcher's SequenceBatch).
 */
import type { ExecutionTiming } from '../backends/index.js';
import { ServerError, Status } from '../common/index.js';
import type { InferenceRequest, InferenceResponse, ResponseSink } from './inference-request.js';
import type { SchedulerContext } from './scheduler.js';
import { traceEnded, traceExecuted } from './trace-hooks.js';

/** What recording an outcome needs from the scheduler context. */
export type OutcomeContext = Pick<SchedulerContext, 'stats' | 'observer' | 'modelName' | 'versionString'>;

/** Records `request`'s success (its execution's `timing`) and hands `response` to `sink`. */
export function answerSuccess(
  context: OutcomeContext,
  request: InferenceRequest,
  response: InferenceResponse,
  timing: ExecutionTiming,
  wallMs: number,
  sink: ResponseSink,
): void {
  context.stats.recordSuccess(
    response.timing.totalNs,
    response.timing.queueNs,
    timing.computeInputNs,
    timing.computeInferNs,
    timing.computeOutputNs,
    wallMs,
  );
  context.observer?.onSuccess(context.modelName, context.versionString, response.timing, false);
  if (request.trace !== null) {
    const t = response.timing;
    const endNs = request.arrivalNs + t.totalNs;
    traceExecuted(request.trace, timing, request.arrivalNs + t.queueNs, endNs, response.outputs);
  }
  sink.onResponse(request, response, true);
}

/**
 * Records `request`'s failure at `endNs` as a backend failure and hands the error to `sink`; an
 * error that is not a ServerError becomes INTERNAL `ERR_BACKEND`.
 */
export function answerFailure(
  context: OutcomeContext,
  request: InferenceRequest,
  err: unknown,
  endNs: number,
  wallMs: number,
  sink: ResponseSink,
): void {
  const error =
    err instanceof ServerError ? err : new ServerError(Status.INTERNAL, 'ERR_BACKEND', String(err));
  context.stats.recordFailure(endNs - request.arrivalNs, wallMs);
  context.observer?.onFailure(context.modelName, context.versionString, 'BACKEND', endNs - request.arrivalNs);
  if (request.trace !== null) traceEnded(request.trace, endNs);
  sink.onError(request, error);
}
