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
function batchShapeInputs(plan: ModelPlan): readonly string[] {
  return plan.inputs.filter((i) => i.dims.some((d) => d < 0)).map((i) => i.name);
}

/** What sameBatchShape compares for one model, derived from its plan once at load. */
export interface BatchShapeRule {
  /** Inputs whose non-batch shapes must match (batchShapeInputs). */
  readonly names: readonly string[];
  /** Whether every request must carry the same set of inputs (the model has optional inputs). */
  readonly checkPresence: boolean;
  /** Whether shapes carry a leading batch dim to ignore. */
  readonly batched: boolean;
}

/** The BatchShapeRule of the model `plan` describes. */
export function batchShapeRule(plan: ModelPlan): BatchShapeRule {
  return {
    names: batchShapeInputs(plan),
    checkPresence: plan.inputs.some((i) => i.optional),
    batched: plan.batched,
  };
}

/**
 * Whether `other` may join a batch started by `first`: equal non-batch shapes for `rule.names`,
 * and the same set of inputs when `rule.checkPresence`.
 */
export function sameBatchShape(
  first: InferenceRequest,
  other: InferenceRequest,
  rule: BatchShapeRule,
): boolean {
  const a = first.inputs;
  const b = other.inputs;
  if (rule.checkPresence) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < b.length; i++) if (findTensor(a, b[i]!.name) === undefined) return false;
  }
  const names = rule.names;
  const skip = rule.batched ? 1 : 0;
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
