/**
 * Conversions between the server's wire tensors and onnxruntime-node tensors, and the map between
 * ORT type names and wire datatypes. Numeric inputs become typed-array views over the received
 * bytes when aligned (a copy otherwise); BYTES become string[]; outputs become wire bytes (views
 * over ORT's memory, packed later). Imported only by the ONNX worker, never on the main thread.
 */
import * as ort from 'onnxruntime-node';
import { invalidArg, unsupported } from '../../common/errors.js';
import { type DataType, ELEMENT_BYTES, TYPED_ARRAY, type TypedArrayFor } from '../../protocol/datatypes.js';
import { elementCount, type Tensor } from '../../protocol/tensor.js';

/** ORT tensor type name of each wire datatype; null where onnxruntime-node has none (BF16). */
export const ORT_TYPE: Readonly<Record<DataType, ort.Tensor.Type | null>> = {
  BOOL: 'bool',
  UINT8: 'uint8',
  UINT16: 'uint16',
  UINT32: 'uint32',
  UINT64: 'uint64',
  INT8: 'int8',
  INT16: 'int16',
  INT32: 'int32',
  INT64: 'int64',
  FP16: 'float16',
  FP32: 'float32',
  FP64: 'float64',
  BYTES: 'string',
  BF16: null,
};

const WIRE_TYPE: Readonly<Record<string, DataType>> = {
  bool: 'BOOL',
  uint8: 'UINT8',
  uint16: 'UINT16',
  uint32: 'UINT32',
  uint64: 'UINT64',
  int8: 'INT8',
  int16: 'INT16',
  int32: 'INT32',
  int64: 'INT64',
  float16: 'FP16',
  float32: 'FP32',
  float64: 'FP64',
  string: 'BYTES',
  bfloat16: 'BF16',
};

/** The wire datatype of an ORT type name, or null when it has none (e.g. int4). */
export function wireDatatypeOf(ortType: string): DataType | null {
  return WIRE_TYPE[ortType] ?? null;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** Decodes BYTES wire data (u32 LE length + bytes per element) into `count` UTF-8 strings. */
export function decodeBytesElements(name: string, data: Uint8Array, count: number): string[] {
  const out: string[] = new Array(count);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + 4 > data.byteLength) throw bytesMismatch(name, count, i);
    const len = view.getUint32(at, true);
    at += 4;
    if (at + len > data.byteLength) throw bytesMismatch(name, count, i);
    const element = data.subarray(at, at + len);
    if (element.indexOf(0) !== -1) {
      throw invalidArg(
        'ERR_STRING_NUL',
        `Input "${name}" element ${i} contains a NUL byte: onnxruntime-node cuts strings at the first NUL, so BYTES with NUL cannot reach the model`,
      );
    }
    out[i] = decoder.decode(element);
    at += len;
  }
  if (at !== data.byteLength) {
    throw invalidArg(
      'ERR_TENSOR_SIZE',
      `Input "${name}" has ${data.byteLength - at} bytes after its ${count} BYTES elements`,
    );
  }
  return out;
}

function bytesMismatch(name: string, count: number, index: number): Error {
  return invalidArg(
    'ERR_TENSOR_SIZE',
    `Input "${name}" holds only ${index} complete BYTES elements: expected ${count} for its shape`,
  );
}

/** Encodes strings as BYTES wire data (u32 LE length + UTF-8 bytes per element). */
export function encodeBytesElements(strings: readonly string[]): Uint8Array {
  const parts: Uint8Array[] = new Array(strings.length);
  let total = 0;
  for (let i = 0; i < strings.length; i++) {
    parts[i] = encoder.encode(strings[i]!);
    total += 4 + parts[i]!.byteLength;
  }
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let at = 0;
  for (let i = 0; i < parts.length; i++) {
    view.setUint32(at, parts[i]!.byteLength, true);
    out.set(parts[i]!, at + 4);
    at += 4 + parts[i]!.byteLength;
  }
  return out;
}

/** Builds an ORT tensor from a wire tensor (typed view when aligned, copy otherwise). */
export function toOrtTensor(tensor: Tensor): ort.Tensor {
  const type = ORT_TYPE[tensor.datatype];
  const dims = tensor.shape as number[];
  const count = elementCount(dims);
  if (type === null) {
    throw unsupported(
      'ERR_UNSUPPORTED_DATATYPE',
      `Input "${tensor.name}" has datatype ${tensor.datatype}, which onnxruntime-node cannot pass to a model (no bfloat16 tensors): use FP32 or FP16`,
    );
  }
  if (type === 'string')
    return new ort.Tensor('string', decodeBytesElements(tensor.name, tensor.data, count), dims);
  const size = ELEMENT_BYTES[tensor.datatype];
  if (tensor.data.byteLength !== count * size) {
    throw invalidArg(
      'ERR_TENSOR_SIZE',
      `Input "${tensor.name}" has ${tensor.data.byteLength} bytes: expected ${count * size} for shape [${dims.join(',')}] of ${tensor.datatype}`,
    );
  }
  const Ctor = TYPED_ARRAY[tensor.datatype as keyof TypedArrayFor];
  const data = tensor.data;
  const view =
    data.byteOffset % size === 0
      ? new Ctor(data.buffer, data.byteOffset, count)
      : new Ctor(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength), 0, count);
  return new ort.Tensor(type, view as ort.Tensor.DataTypeMap[typeof type], dims);
}

/** Turns an ORT output tensor into a wire tensor named `name` (numeric data is a view, not a copy). */
export function fromOrtTensor(name: string, value: ort.Tensor): Tensor {
  const datatype = wireDatatypeOf(value.type);
  if (datatype === null) {
    throw unsupported(
      'ERR_UNSUPPORTED_DATATYPE',
      `Output "${name}" has ORT type "${value.type}", which has no wire datatype`,
    );
  }
  const shape = value.dims as number[];
  if (datatype === 'BYTES')
    return { name, datatype, shape, data: encodeBytesElements(value.data as string[]) };
  const typed = value.data as ArrayBufferView;
  return { name, datatype, shape, data: new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength) };
}
