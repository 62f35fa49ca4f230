/**
 * Builds the response of one request of a sequence batch from the batch's outputs: its row of
 * each output the client asked for (or of every config output), with classification and output
 * reshape applied as for any model. State outputs are not config outputs, so they never appear.
 */
import type { ExecutionTiming } from '../../backends/index.js';
import type { Tensor } from '../../protocol/index.js';
import { buildExecutionResponse } from '../execution-response.js';
import type { InferenceRequest, InferenceResponse } from '../inference-request.js';
import type { SchedulerContext } from '../scheduler.js';

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
  return buildExecutionResponse(
    context,
    request,
    outputs,
    row,
    rows,
    context.plan.allOutputNames,
    timing,
    endNs,
  );
}
