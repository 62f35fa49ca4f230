/**
 * ONNX tensor element types by the names onnxruntime-node uses for `ort.Tensor` ('float32',
 * 'int8', 'string', ...), mapped to and from `TensorProto.DataType` codes, with their byte sizes.
 * No tensor data is handled here (see onnx-tensor.ts).
 */
import { invalidArg } from '../../common/index.js';

/** An element type name, as in onnxruntime-node's `ort.Tensor` type strings. */
export type OnnxElementType =
  | 'float32'
  | 'uint8'
  | 'int8'
  | 'uint16'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'string'
  | 'bool'
  | 'float16'
  | 'float64'
  | 'uint32'
  | 'uint64'
  | 'bfloat16';

/** `TensorProto.DataType` code of each element type. */
export const ELEMENT_TYPE_CODES: Readonly<Record<OnnxElementType, number>> = {
  float32: 1,
  uint8: 2,
  int8: 3,
  uint16: 4,
  int16: 5,
  int32: 6,
  int64: 7,
  string: 8,
  bool: 9,
  float16: 10,
  float64: 11,
  uint32: 12,
  uint64: 13,
  bfloat16: 16,
};

/** Bytes per element in `raw_data` (little-endian); 0 for string, which has no raw form. */
export const ELEMENT_TYPE_BYTES: Readonly<Record<OnnxElementType, number>> = {
  float32: 4,
  uint8: 1,
  int8: 1,
  uint16: 2,
  int16: 2,
  int32: 4,
  int64: 8,
  string: 0,
  bool: 1,
  float16: 2,
  float64: 8,
  uint32: 4,
  uint64: 8,
  bfloat16: 2,
};

const NAMES_BY_CODE: ReadonlyMap<number, OnnxElementType> = new Map(
  (Object.keys(ELEMENT_TYPE_CODES) as OnnxElementType[]).map((name) => [ELEMENT_TYPE_CODES[name], name]),
);

/** The `TensorProto.DataType` code of `type`; throws ERR_ONNX_ELEMENT_TYPE for an unknown name. */
export function elementTypeCode(type: OnnxElementType): number {
  const code = ELEMENT_TYPE_CODES[type];
  if (code === undefined) {
    throw invalidArg(
      'ERR_ONNX_ELEMENT_TYPE',
      `Unknown ONNX element type "${String(type)}": allowed are ${Object.keys(ELEMENT_TYPE_CODES).join(', ')}`,
    );
  }
  return code;
}

/** The element type name of a `TensorProto.DataType` code; throws ERR_ONNX_ELEMENT_TYPE if unsupported. */
export function elementTypeName(code: number): OnnxElementType {
  const name = NAMES_BY_CODE.get(code);
  if (name === undefined) {
    throw invalidArg('ERR_ONNX_ELEMENT_TYPE', `Unsupported ONNX TensorProto.DataType code ${code}`);
  }
  return name;
}
