/**
 * Splits a batched input tensor into each request's rows along dim 0, as zero-copy views, in one
 * pass (BYTES tensors are walked once by their length prefixes). The JS backend uses it to hand
 * `execute` one tensor set per request; it does not assemble batches (the core does).
 */
import { Status } from '../../common/errors.js';
import { ELEMENT_BYTES } from '../../protocol/datatypes.js';
import { elementCount, type Tensor } from '../../protocol/tensor.js';
import { ModelError } from './model-error.js';

/** Views of `tensor` holding rows[i] rows each, in order; `tensor.shape[0]` must equal their sum. */
export function splitRows(tensor: Tensor, rows: readonly number[]): Tensor[] {
  const total = tensor.shape[0] ?? 0;
  let sum = 0;
  for (let i = 0; i < rows.length; i++) sum += rows[i]!;
  if (tensor.shape.length === 0 || sum !== total) {
    throw new ModelError(
      `Cannot split input '${tensor.name}' of shape [${tensor.shape.join(',')}] into requests of ${rows.join('+')} rows`,
      Status.INTERNAL,
      'ERR_JS_SPLIT_BATCH',
    );
  }
  if (rows.length === 1) return [tensor];
  const perRow = total === 0 ? 0 : elementCount(tensor.shape) / total;
  const size = ELEMENT_BYTES[tensor.datatype];
  const data = tensor.data;
  const out: Tensor[] = new Array(rows.length);
  let begin = 0;
  if (size > 0) {
    for (let i = 0; i < rows.length; i++) {
      const end = begin + rows[i]! * perRow * size;
      out[i] = part(tensor, rows[i]!, data.subarray(begin, end));
      begin = end;
    }
    return out;
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let pos = 0;
  for (let i = 0; i < rows.length; i++) {
    const elements = rows[i]! * perRow;
    for (let e = 0; e < elements; e++) {
      if (pos + 4 > data.length) {
        throw new ModelError(
          `BYTES input '${tensor.name}' is truncated`,
          Status.INTERNAL,
          'ERR_JS_SPLIT_BATCH',
        );
      }
      pos += 4 + view.getUint32(pos, true);
    }
    out[i] = part(tensor, rows[i]!, data.subarray(begin, pos));
    begin = pos;
  }
  return out;
}

function part(tensor: Tensor, rows: number, data: Uint8Array): Tensor {
  const shape = tensor.shape.slice();
  shape[0] = rows;
  return { name: tensor.name, datatype: tensor.datatype, shape, data };
}
