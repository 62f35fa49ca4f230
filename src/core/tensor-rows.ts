/**
 * Row operations on batched tensors: concatenating requests' tensors along dim 0 into one batch,
 * and slicing a batched output back into each request's rows. Fixed-size types are byte ranges;
 * BYTES tensors are walked by their 4-byte length prefixes.
 */
import {
  ELEMENT_BYTES,
  elementCount,
  RowPartsTensor,
  sliceBytesElements,
  type Tensor,
} from '../protocol/index.js';

/**
 * Rows [rowStart, rowStart + rows) of a batched tensor whose dim 0 has `totalRows` rows, as a
 * zero-copy view. Returns the tensor itself when it is the whole batch.
 */
export function sliceRows(tensor: Tensor, rowStart: number, rows: number, totalRows: number): Tensor {
  if (rowStart === 0 && rows === totalRows) return tensor;
  const shape = tensor.shape.slice();
  shape[0] = rows;
  const elementsPerRow = totalRows === 0 ? 0 : elementCount(tensor.shape) / totalRows;
  const size = ELEMENT_BYTES[tensor.datatype];
  const data =
    size > 0
      ? tensor.data.subarray(rowStart * elementsPerRow * size, (rowStart + rows) * elementsPerRow * size)
      : sliceBytesElements(
          tensor.data,
          rowStart * elementsPerRow,
          (rowStart + rows) * elementsPerRow,
          tensor.name,
        );
  return { name: tensor.name, datatype: tensor.datatype, shape, data };
}

/**
 * Concatenates tensors of the same name, datatype and non-batch dims along dim 0.
 * `parts[i].shape[0]` rows come from part i. The result is a RowPartsTensor: the bytes are joined
 * only if something reads its `data` (the worker transports pack the parts directly).
 */
export function concatRows(parts: readonly Tensor[]): Tensor {
  const first = parts[0]!;
  if (parts.length === 1) return first;
  let rows = 0;
  const data: Uint8Array[] = new Array(parts.length);
  for (let i = 0; i < parts.length; i++) {
    rows += parts[i]!.shape[0]!;
    data[i] = parts[i]!.data;
  }
  const shape = first.shape.slice();
  shape[0] = rows;
  return new RowPartsTensor(first.name, first.datatype, shape, data);
}

/** `tensor` under another shape (a config reshape), keeping a RowPartsTensor's parts unjoined. */
export function withShape(tensor: Tensor, shape: readonly number[]): Tensor {
  return tensor instanceof RowPartsTensor
    ? tensor.withShape(shape)
    : { name: tensor.name, datatype: tensor.datatype, shape, data: tensor.data };
}

/** The tensor named `name` in `tensors`, or undefined. */
export function findTensor(tensors: readonly Tensor[], name: string): Tensor | undefined {
  for (let i = 0; i < tensors.length; i++) if (tensors[i]!.name === name) return tensors[i];
  return undefined;
}
