/**
 * How a request that ran on an instance ends: its response is cut from its execution's result,
 * its outcome reported once (ModelReporter) and its sink answered, the same way for every executor
 * (BatchExecution and the sequence batcher's SequenceBatch). It decides nothing about scheduling.
 */
import type { ExecutionResult, ExecutionTiming } from '../backends/index.js';
import { ServerError, Status } from '../common/index.js';
import type { Tensor } from '../protocol/index.js';
import { buildExecutionResponse, type OutputSlice } from './execution-response.js';
import type { InferenceRequest, InferenceResponse, ResponseSink } from './inference-request.js';
import type { SchedulerContext } from './scheduler.js';
import { traceEnded, traceExecuted } from './trace-hooks.js';

/** What answering a request needs from the scheduler context. */
export type OutcomeContext = Pick<SchedulerContext, 'reporter' | 'plan' | 'modelName' | 'versionString'>;

/**
 * Answers `request`, entry `index` of an execution that ended at `endNs` with `result`: its own
 * answer (a backend that answers per request) or its `slice` of the batched outputs becomes its
 * response and a success; a backend error or a missing output, a backend failure. The caller sets
 * `slice.rows` to 0 when the result is per request.
 */
export function answerExecution(
  context: OutcomeContext,
  request: InferenceRequest,
  result: ExecutionResult,
  index: number,
  slice: Readonly<OutputSlice>,
  endNs: number,
  sink: ResponseSink,
): void {
  try {
    let outputs: readonly Tensor[];
    if (result.perRequest !== null) {
      const answer = result.perRequest[index];
      if (answer instanceof ServerError) throw answer;
      if (answer === undefined)
        throw new ServerError(Status.INTERNAL, 'ERR_BACKEND', 'Backend gave no response');
      outputs = answer;
    } else if (result.outputs !== null) {
      outputs = result.outputs;
    } else {
      throw new ServerError(Status.INTERNAL, 'ERR_BACKEND', 'Backend returned no outputs');
    }
    const response = buildExecutionResponse(context, request, outputs, slice, result, endNs);
    answerSuccess(context, request, response, result, sink);
  } catch (err) {
    answerFailure(context, request, err, endNs, sink);
  }
}

/** Reports `request`'s success (its execution's `timing`) and hands `response` to `sink`. */
export function answerSuccess(
  context: OutcomeContext,
  request: InferenceRequest,
  response: InferenceResponse,
  timing: ExecutionTiming,
  sink: ResponseSink,
): void {
  context.reporter.succeeded(response.timing);
  if (request.trace !== null) {
    const t = response.timing;
    const endNs = request.arrivalNs + t.totalNs;
    traceExecuted(request.trace, timing, request.arrivalNs + t.queueNs, endNs, response.outputs);
  }
  sink.onResponse(request, response, true);
}

/**
 * Reports `request`'s failure at `endNs` as a backend failure and hands the error to `sink`; an
 * error that is not a ServerError becomes INTERNAL `ERR_BACKEND`.
 */
export function answerFailure(
  context: OutcomeContext,
  request: InferenceRequest,
  err: unknown,
  endNs: number,
  sink: ResponseSink,
): void {
  const error =
    err instanceof ServerError ? err : new ServerError(Status.INTERNAL, 'ERR_BACKEND', String(err));
  context.reporter.failed('BACKEND', endNs - request.arrivalNs);
  if (request.trace !== null) traceEnded(request.trace, endNs);
  sink.onError(request, error);
}
