/**
 * Builds the response of one request of a sequence batch from the batch's outputs: its row of
 * each output the client asked for (or of every config output), with classification and output
 * reshape applied as for any model. State outputs are not config outputs, so they never appear.
 */
import type { ExecutionTiming } from '../../backends/backend.js';
import { ServerError, Status } from '../../common/errors.js';
import { classify } from '../../protocol/classification.js';
import type { Tensor } from '../../protocol/tensor.js';
import type { InferenceRequest, InferenceResponse } from '../inference-request.js';
import type { ModelPlan } from '../model-plan.js';
import type { SchedulerContext } from '../scheduler.js';
import { findTensor, sliceRows } from '../tensor-rows.js';

/**
 * The response of `request`. With `row` >= 0, `outputs` are batched over `rows` rows and the
 * request's row is sliced out; with -1 they are the request's own.
 * @throws ServerError INTERNAL when the model did not produce a requested output
 */
export function buildSequenceResponse(
  context: SchedulerContext,
  request: InferenceRequest,
  outputs: readonly Tensor[],
  row: number,
  rows: number,
  timing: ExecutionTiming,
  endNs: number,
): InferenceResponse {
  const { plan, modelName, versionString } = context;
  const result: Tensor[] = [];
  const wanted = request.outputs;
  if (wanted === null) {
    for (const out of plan.outputs) {
      const t = findTensor(outputs, out.name);
      if (t === undefined) throw missing(modelName, out.name);
      result.push(shapeOutput(row < 0 ? t : sliceRows(t, row, 1, rows), plan));
    }
  } else {
    for (const w of wanted) {
      const t = findTensor(outputs, w.name);
      if (t === undefined) throw missing(modelName, w.name);
      const shaped = shapeOutput(row < 0 ? t : sliceRows(t, row, 1, rows), plan);
      result.push(
        w.classCount > 0
          ? classify(shaped, w.classCount, {
              batched: plan.batched,
              labels: plan.outputsByName.get(w.name)!.labels,
            })
          : shaped,
      );
    }
  }
  return {
    modelName,
    modelVersion: versionString,
    id: request.id,
    parameters: null,
    outputs: result,
    timing: {
      queueNs: request.startNs - request.arrivalNs,
      computeInputNs: timing.computeInputNs,
      computeInferNs: timing.computeInferNs,
      computeOutputNs: timing.computeOutputNs,
      totalNs: endNs - request.arrivalNs,
    },
  };
}

function missing(modelName: string, name: string): ServerError {
  return new ServerError(
    Status.INTERNAL,
    'ERR_BACKEND',
    `Model '${modelName}' did not produce output '${name}'`,
  );
}

/** Applies the config's output reshape (client-facing dims) to one request's tensor. */
function shapeOutput(tensor: Tensor, plan: ModelPlan): Tensor {
  const out = plan.outputsByName.get(tensor.name);
  if (out === undefined || out.reshapeTo === null) return tensor;
  const shape = plan.batched ? [tensor.shape[0]!, ...out.reshapeTo] : [...out.reshapeTo];
  return { name: tensor.name, datatype: tensor.datatype, shape, data: tensor.data };
}
