/**
 * The raw binary request form (`Inference-Header-Content-Length: 0`): the whole body is the data
 * of the model's single input, sent as batch 1. Follows Triton core's rules: the model must have
 * exactly one input; at most one variable dimension, inferred from the byte count; BYTES inputs
 * need dims [1] and the body is one element (its 4-byte length prefix is added here, a copy).
 * Fixed-size data stays a view on the body.
 */
import { invalidArg } from '../common/index.js';
import type { DataType } from './datatypes.js';
import { ELEMENT_BYTES } from './datatypes.js';
import { ProtocolErrorCode } from './error-codes.js';
import type { Tensor } from './tensor.js';

/** A model input as the raw request form needs it (from the model's resolved config). */
export interface RawInputSpec {
  /** Input name. */
  readonly name: string;
  /** Wire datatype. */
  readonly datatype: DataType;
  /** Config dims without the batch dimension; -1 marks a variable dimension. */
  readonly dims: readonly number[];
  /** Whether the model batches (max_batch_size > 0): the tensor then gets a leading 1. */
  readonly batched: boolean;
}

function rawError(message: string) {
  return invalidArg(ProtocolErrorCode.RAW_INPUT, message);
}

/**
 * Builds the batch-1 tensor of a raw request body for a model whose inputs are `modelInputs`.
 * `modelName` only serves messages.
 */
export function rawInputTensor(
  body: Uint8Array,
  modelInputs: readonly RawInputSpec[] | undefined,
  modelName: string,
): Tensor {
  if (modelInputs === undefined || modelInputs.length !== 1) {
    throw rawError(
      `Raw request must only have 1 input (found 1) to be deduced but got ${modelInputs?.length ?? 0} inputs in '${modelName}' model configuration`,
    );
  }
  const spec = modelInputs[0]!;
  const shape: number[] = spec.batched ? [1] : [];
  let dynamicAxis = -1;
  let fixedCount = 1;
  for (let i = 0; i < spec.dims.length; i++) {
    const d = spec.dims[i]!;
    if (d === -1) {
      if (dynamicAxis !== -1) {
        throw rawError(
          `The shape of the raw input '${spec.name}' can not be deduced because there are more than one variable-sized dimension`,
        );
      }
      dynamicAxis = shape.length;
    } else {
      fixedCount *= d;
    }
    shape.push(d);
  }
  if (spec.datatype === 'BYTES') {
    if (dynamicAxis !== -1 || fixedCount !== 1) {
      throw rawError(
        `For BYTES datatype raw input '${spec.name}', the model must have input shape [1]: got [${spec.dims.join(',')}]`,
      );
    }
    const data = new Uint8Array(4 + body.length);
    new DataView(data.buffer).setUint32(0, body.length, true);
    data.set(body, 4);
    return { name: spec.name, datatype: 'BYTES', shape, data };
  }
  const elementBytes = ELEMENT_BYTES[spec.datatype];
  const rowBytes = fixedCount * elementBytes;
  if (dynamicAxis !== -1) {
    if (rowBytes === 0 ? body.length !== 0 : body.length % rowBytes !== 0) {
      throw rawError(
        `Raw input '${spec.name}': ${body.length} bytes are not a whole number of [${spec.dims.join(',')}] ${spec.datatype} rows of ${rowBytes} bytes`,
      );
    }
    shape[dynamicAxis] = rowBytes === 0 ? 0 : body.length / rowBytes;
  } else if (body.length !== rowBytes) {
    throw rawError(
      `Raw input '${spec.name}': got ${body.length} bytes but shape [${shape.join(',')}] of ${spec.datatype} needs ${rowBytes}`,
    );
  }
  return { name: spec.name, datatype: spec.datatype, shape, data: body };
}
