/**
 * Where the core records a sampled request's timestamps: at admission (REQUEST_START, QUEUE_START,
 * the inputs at the TENSORS level), when its execution answered (the compute times the instance
 * measured, REQUEST_END, the outputs) and when it ended otherwise (ensembles, cache hits,
 * failures). Callers check `request.trace !== null` first, so an unsampled request pays that
 * check only. No timing work is added: compute times come from the worker's own report. A traced
 * request is findable by id (Tracer.child) from admission to its end, so its model's calls to
 * other models become its child traces.
 */
import type { ExecutionRequestInfo, ExecutionTiming } from '../backends/index.js';
import type { Clock } from '../common/index.js';
import type { Tensor } from '../protocol/index.js';
import type { InferenceRequest } from './inference-request.js';
import type { RequestTrace } from './trace/index.js';
import { TraceActivity } from './trace/index.js';

/** The request was admitted by `versionString` of its model and is about to be queued. */
export function traceAdmitted(
  trace: RequestTrace,
  request: InferenceRequest,
  versionString: string,
  clock: Clock,
): void {
  trace.modelVersion = versionString;
  trace.requestId = request.id;
  trace.stamp(TraceActivity.REQUEST_START, request.arrivalNs);
  trace.stamp(TraceActivity.QUEUE_START, clock.nowNs());
  trace.captureTensors('TENSOR_QUEUE_INPUT', request.inputs);
  trace.admitted();
}

/**
 * The request's execution answered at `endNs` with `outputs`: its compute stamps come from the
 * instance's timing (started at `computeStartNs`, the end of its queue time).
 */
export function traceExecuted(
  trace: RequestTrace,
  timing: ExecutionTiming,
  computeStartNs: number,
  endNs: number,
  outputs: readonly Tensor[] | null,
): void {
  const inputEnd = computeStartNs + timing.computeInputNs;
  const outputStart = inputEnd + timing.computeInferNs;
  trace.stamp(TraceActivity.COMPUTE_START, computeStartNs);
  trace.stamp(TraceActivity.COMPUTE_INPUT_END, inputEnd);
  trace.stamp(TraceActivity.COMPUTE_OUTPUT_START, outputStart);
  trace.stamp(TraceActivity.COMPUTE_END, Math.min(endNs, outputStart + timing.computeOutputNs));
  trace.stamp(TraceActivity.REQUEST_END, endNs);
  if (outputs !== null) trace.captureTensors('TENSOR_BACKEND_OUTPUT', outputs);
  trace.ended();
}

/** The request ended at `endNs` without an execution of its own (ensemble, cache hit, failure). */
export function traceEnded(trace: RequestTrace, endNs: number): void {
  trace.stamp(TraceActivity.REQUEST_END, endNs);
  trace.ended();
}

/**
 * What a backend learns of `request` (`rows` of the batch): its trace id only when it is traced, so
 * an untraced request's object keeps the shape and size it had before tracing existed.
 */
export function executionRequestInfo(request: InferenceRequest, rows: number): ExecutionRequestInfo {
  return request.trace === null
    ? { id: request.id, rows, parameters: request.parameters }
    : { id: request.id, rows, parameters: request.parameters, traceId: request.trace.id };
}
