/**
 * Which requests may share a batch: Triton's RequiredEqualInputs. Inputs with a variable dim
 * must have the same non-batch shape in every request of a batch, and when the model has
 * optional inputs every request must carry the same set of inputs. Used by batching schedulers
 * to decide where a batch ends; it does not assemble batches (batch-execution.ts does).
 */
import type { InferenceRequest } from './inference-request.js';
import type { ModelPlan } from './model-plan.js';
import { findTensor } from './tensor-rows.js';

/**
 * The inputs whose shapes must match across a batch: every input with a variable (-1) dim.
 * Unlike Triton, `allow_ragged_batch` inputs are included, because batches are assembled by
 * concatenating rows, which needs equal non-batch shapes.
 */
export function batchShapeInputs(plan: ModelPlan): readonly string[] {
  return plan.inputs.filter((i) => i.dims.some((d) => d < 0)).map((i) => i.name);
}

/**
 * Whether `other` may join a batch started by `first`: equal non-batch shapes for `names`, and
 * the same set of inputs when `checkPresence` (the model has optional inputs).
 * @param batched whether shapes carry a leading batch dim to ignore
 */
export function sameBatchShape(
  first: InferenceRequest,
  other: InferenceRequest,
  names: readonly string[],
  checkPresence: boolean,
  batched: boolean,
): boolean {
  const a = first.inputs;
  const b = other.inputs;
  if (checkPresence) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < b.length; i++) if (findTensor(a, b[i]!.name) === undefined) return false;
  }
  const skip = batched ? 1 : 0;
  for (let n = 0; n < names.length; n++) {
    const ta = findTensor(a, names[n]!);
    const tb = findTensor(b, names[n]!);
    if (ta === undefined || tb === undefined) {
      if (ta !== tb) return false;
      continue;
    }
    const sa = ta.shape;
    const sb = tb.shape;
    if (sa.length !== sb.length) return false;
    for (let d = skip; d < sa.length; d++) if (sa[d] !== sb[d]) return false;
  }
  return true;
}
