/**
 * Builds the response of one request from the tensors its execution produced: the outputs it asked
 * for (or its default outputs), its rows sliced out of a batch when needed, the config's output
 * reshape and classification applied, and its timing. Shared by BatchExecution and the sequence
 * batcher; it records no statistics and answers nobody.
 */
import type { ExecutionTiming } from '../backends/index.js';
import { ServerError, Status } from '../common/index.js';
import type { Tensor } from '../protocol/index.js';
import { classify } from '../protocol/index.js';
import type { InferenceRequest, InferenceResponse } from './inference-request.js';
import type { ModelPlan } from './model-plan.js';
import type { SchedulerContext } from './scheduler.js';
import { findTensor, sliceRows } from './tensor-rows.js';

/** What a response needs from the scheduler context. */
export type ResponseContext = Pick<SchedulerContext, 'plan' | 'modelName' | 'versionString'>;

/**
 * Where one request's part of an execution's outputs is. An executor keeps one per batch and
 * moves it from request to request (no allocation per request).
 */
export interface OutputSlice {
  /** First row of the request in batched outputs (ignored when `rows` is 0). */
  row: number;
  /** Rows of the batched outputs; 0 = the outputs are the request's own (nothing is sliced). */
  rows: number;
  /**
   * The outputs a request that names none gets, in this order (each must have been produced);
   * null = every tensor the model produced.
   */
  defaultOutputs: readonly string[] | null;
}

/** The slice of outputs that are the request's own, every produced tensor by default. */
export const OWN_OUTPUTS: Readonly<OutputSlice> = Object.freeze({ row: 0, rows: 0, defaultOutputs: null });

/**
 * The response of `request` from the `outputs` of its execution (its `slice` of them), which
 * took `timing` and ended at `endNs`.
 * @throws ServerError INTERNAL (ERR_BACKEND) when the model did not produce a requested output
 */
export function buildExecutionResponse(
  context: ResponseContext,
  request: InferenceRequest,
  outputs: readonly Tensor[],
  slice: Readonly<OutputSlice>,
  timing: ExecutionTiming,
  endNs: number,
): InferenceResponse {
  const { plan, modelName, versionString } = context;
  const result: Tensor[] = [];
  const row = slice.rows === 0 ? -1 : slice.row;
  const rows = slice.rows;
  const defaultOutputs = slice.defaultOutputs;
  const wanted = request.outputs;
  if (wanted !== null) {
    for (const w of wanted) {
      const t = producedOutput(modelName, outputs, w.name);
      result.push(requestOutput(plan, t, row, rows, request.batchSize, w.classCount));
    }
  } else if (defaultOutputs !== null) {
    for (const name of defaultOutputs) {
      const t = producedOutput(modelName, outputs, name);
      result.push(requestOutput(plan, t, row, rows, request.batchSize, 0));
    }
  } else {
    for (const t of outputs) result.push(requestOutput(plan, t, row, rows, request.batchSize, 0));
  }
  return {
    modelName,
    modelVersion: versionString,
    id: request.id,
    parameters: null,
    outputs: result,
    timing: {
      queueNs: computeStartOf(request, timing, endNs) - request.arrivalNs,
      computeInputNs: timing.computeInputNs,
      computeInferNs: timing.computeInferNs,
      computeOutputNs: timing.computeOutputNs,
      totalNs: endNs - request.arrivalNs,
    },
  };
}

/**
 * When `request`'s execution started computing: the instance's own report, or the moment it was
 * handed over (`request.startNs`) when the backend gave none or one outside [startNs, endNs]
 * (another clock: tests with a ManualClock). Everything before it is queue time, Triton's
 * definition: a batch pipelined behind a busy execution waits inside the instance, not nowhere.
 */
export function computeStartOf(request: InferenceRequest, timing: ExecutionTiming, endNs: number): number {
  const start = timing.computeStartNs;
  return start !== undefined && start >= request.startNs && start <= endNs ? start : request.startNs;
}

/** The tensor named `name` in `outputs`; throws when the model did not produce it. */
function producedOutput(modelName: string, outputs: readonly Tensor[], name: string): Tensor {
  const t = findTensor(outputs, name);
  if (t === undefined) {
    throw new ServerError(
      Status.INTERNAL,
      'ERR_BACKEND',
      `Model '${modelName}' did not produce output '${name}'`,
    );
  }
  return t;
}

/**
 * The request's part of `tensor` (rows [row, row + requestRows) of `rows`, or all of it when `row`
 * is -1) with the config's output reshape (client-facing dims) and, when `classCount` > 0,
 * classification applied.
 */
function requestOutput(
  plan: ModelPlan,
  tensor: Tensor,
  row: number,
  rows: number,
  requestRows: number,
  classCount: number,
): Tensor {
  let t = row < 0 ? tensor : sliceRows(tensor, row, requestRows, rows);
  const out = plan.outputsByName.get(t.name);
  if (out !== undefined && out.reshapeTo !== null) {
    const shape = plan.batched ? [requestRows, ...out.reshapeTo] : [...out.reshapeTo];
    t = { name: t.name, datatype: t.datatype, shape, data: t.data };
  }
  return classCount > 0 ? classify(t, classCount, { batched: plan.batched, labels: out!.labels }) : t;
}
