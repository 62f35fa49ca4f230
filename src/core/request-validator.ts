/**
 * Checks a decoded request against the model's plan (the core half of validation; the codecs
 * already checked that each tensor's bytes match its own shape and datatype) and sets its batch
 * size. Messages follow Triton's texts, prefixed `[request id: ...]`, so clients that match on
 * them keep working.
 */
import { invalidArg } from '../common/index.js';
import type { InferenceRequest } from './inference-request.js';
import type { ModelPlan } from './model-plan.js';
import { firstNonNumericElement } from './numeric-text.js';

function prefix(request: InferenceRequest): string {
  return `[request id: ${request.id === '' ? '<id_unknown>' : request.id}]`;
}

function formatShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

const BATCH_NOTE =
  ' NOTE: Setting a non-zero max_batch_size in the model config requires a batch dimension to be prepended to each input shape. If you want to specify the full shape including the batch dim in your input dims config, try setting max_batch_size to zero. See the model configuration docs for more info on max_batch_size.';

/**
 * Validates `request` against `plan` and sets `request.batchSize`.
 * @throws ServerError INVALID_ARG naming the input or output and the expected and received values
 */
export function validateRequest(request: InferenceRequest, plan: ModelPlan): void {
  const model = plan.modelName;
  let batchSize = -1;
  let requiredSeen = 0;
  const inputs = request.inputs;
  for (let i = 0; i < inputs.length; i++) {
    const tensor = inputs[i]!;
    const input = plan.inputsByName.get(tensor.name);
    if (input === undefined) {
      throw invalidArg(
        'ERR_UNKNOWN_INPUT',
        `${prefix(request)} unexpected inference input '${tensor.name}' for model '${model}'`,
      );
    }
    for (let j = 0; j < i; j++) {
      if (inputs[j]!.name === tensor.name) {
        throw invalidArg(
          'ERR_DUPLICATE_INPUT',
          `${prefix(request)} input '${tensor.name}' was given more than once for model '${model}'`,
        );
      }
    }
    if (!input.optional) requiredSeen++;
    if (tensor.datatype !== input.datatype) {
      throw invalidArg(
        'ERR_INPUT_DATATYPE',
        `${prefix(request)} inference input '${tensor.name}' data-type is '${tensor.datatype}', but model '${model}' expects '${input.datatype}'`,
      );
    }
    const shape = tensor.shape;
    const dims = input.dims;
    const offset = plan.batched ? 1 : 0;
    let ok = shape.length === dims.length + offset;
    for (let d = 0; ok && d < dims.length; d++) {
      const want = dims[d]!;
      const got = shape[d + offset]!;
      if (got < 0 || (want !== -1 && want !== got)) ok = false;
    }
    if (!ok) {
      throw invalidArg(
        'ERR_INPUT_SHAPE',
        `${prefix(request)} unexpected shape for input '${tensor.name}' for model '${model}'. Expected ${formatShape(input.clientShape)}, got ${formatShape(shape)}.${plan.batched ? BATCH_NOTE : ''}`,
      );
    }
    if (input.numericText !== null) {
      const bad = firstNonNumericElement(tensor.data, input.numericText);
      if (bad !== null) {
        throw invalidArg(
          'ERR_INPUT_NUMERIC_TEXT',
          `${prefix(request)} element ${bad.index} of input '${tensor.name}' for model '${model}' is ${JSON.stringify(bad.text)}, but the model reads this input as ${input.numericText === 'integer' ? 'integers' : 'numbers'}`,
        );
      }
    }
    if (plan.batched) {
      const rows = shape[0]!;
      if (batchSize === -1) batchSize = rows;
      else if (rows !== batchSize) {
        throw invalidArg(
          'ERR_BATCH_MISMATCH',
          `${prefix(request)} input '${tensor.name}' batch size ${rows} does not match batch size ${batchSize} of the other inputs for model '${model}'`,
        );
      }
    }
  }
  if (requiredSeen < plan.requiredInputCount) {
    const given = inputs.map((t) => `'${t.name}'`).join(',');
    const missing = plan.inputs
      .filter((p) => !p.optional && !inputs.some((t) => t.name === p.name))
      .map((p) => `'${p.name}'`)
      .join(',');
    throw invalidArg(
      'ERR_MISSING_INPUT',
      `${prefix(request)} expected ${plan.requiredInputCount} inputs but got ${inputs.length} inputs for model '${model}'. Got input(s) [${given}], but missing required input(s) [${missing}]. Please provide all required input(s).`,
    );
  }
  if (plan.batched) {
    if (batchSize < 1 || batchSize > plan.maxBatchSize) {
      throw invalidArg(
        'ERR_BATCH_SIZE',
        `${prefix(request)} inference request batch-size must be <= ${plan.maxBatchSize} for '${model}': received ${batchSize}`,
      );
    }
    request.batchSize = batchSize;
  } else {
    request.batchSize = 1;
  }
  const outputs = request.outputs;
  if (outputs !== null) {
    for (let i = 0; i < outputs.length; i++) {
      const out = outputs[i]!;
      if (!plan.outputsByName.has(out.name)) {
        throw invalidArg(
          'ERR_UNKNOWN_OUTPUT',
          `${prefix(request)} unexpected inference output '${out.name}' for model '${model}'`,
        );
      }
      if (out.classCount < 0) {
        throw invalidArg(
          'ERR_CLASSIFICATION',
          `${prefix(request)} classification count for output '${out.name}' must be >= 0: received ${out.classCount}`,
        );
      }
    }
  }
}
