/**
 * Builds ONNX `TensorProto`s from JS values (numbers, bigints, booleans, strings, typed arrays)
 * and reads them back into typed arrays. Numeric data is stored little-endian in `raw_data`,
 * strings in `string_data`, so the bytes are deterministic. Graph assembly is not done here.
 */
import { invalidArg } from '../../common/index.js';
import {
  ELEMENT_TYPE_BYTES,
  elementTypeCode,
  elementTypeName,
  type OnnxElementType,
} from './element-type.js';
import { float32ToFloat16Bits } from './float16.js';
import { int64ToNumber, type OnnxProto, onnx } from './onnx-proto.js';

/**
 * Tensor values in row-major order. Numbers for every numeric type (float16 numbers are rounded
 * to half; a Uint16Array for float16 is taken as raw half bits), bigints for int64/uint64,
 * booleans or 0/1 for bool, strings or UTF-8 bytes for string.
 */
export type OnnxTensorValues =
  | ArrayLike<number>
  | ArrayLike<bigint>
  | ArrayLike<boolean>
  | ArrayLike<string>
  | ArrayLike<Uint8Array>;

/** A tensor read back from a `TensorProto`. */
export interface OnnxTensorData {
  /** Tensor name ('' when unnamed, e.g. an attribute tensor). */
  name: string;
  /** Element type. */
  type: OnnxElementType;
  /** Shape; [] for a scalar. */
  dims: number[];
  /**
   * Values as onnxruntime-node represents them: Float32Array, Int8Array, ..., BigInt64Array for
   * int64, Uint16Array of raw bits for float16/bfloat16, Uint8Array for bool, string[] for string.
   */
  data: ArrayLike<number> | ArrayLike<bigint> | string[];
}

const INT_RANGES: Partial<Record<OnnxElementType, readonly [number, number]>> = {
  uint8: [0, 255],
  int8: [-128, 127],
  uint16: [0, 65535],
  int16: [-32768, 32767],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
};

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Builds a TensorProto; throws ERR_ONNX_TENSOR when the value count or a value does not fit */
export function makeTensor(
  name: string,
  type: OnnxElementType,
  dims: readonly number[],
  values: OnnxTensorValues,
): OnnxProto.TensorProto {
  const count = dims.reduce((a, d) => a * d, 1);
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 0) {
      throw invalidArg(
        'ERR_ONNX_TENSOR',
        `Tensor "${name}" has an invalid dim ${d}: dims must be integers >= 0`,
      );
    }
  }
  if (values.length !== count) {
    throw invalidArg(
      'ERR_ONNX_TENSOR',
      `Tensor "${name}" of shape [${dims.join(',')}] needs ${count} values: received ${values.length}`,
    );
  }
  const tensor = onnx.TensorProto.create({ name, dims: [...dims], dataType: elementTypeCode(type) });
  if (type === 'string') {
    const strings: Uint8Array[] = new Array(count);
    for (let i = 0; i < count; i++) {
      const v = (values as ArrayLike<unknown>)[i];
      strings[i] = typeof v === 'string' ? encoder.encode(v) : (v as Uint8Array);
    }
    tensor.stringData = strings;
    return tensor;
  }
  tensor.rawData = encodeRaw(name, type, count, values);
  return tensor;
}

function encodeRaw(name: string, type: OnnxElementType, count: number, values: OnnxTensorValues): Uint8Array {
  const bytes = new Uint8Array(count * ELEMENT_TYPE_BYTES[type]);
  const view = new DataView(bytes.buffer);
  const src = values as ArrayLike<number | bigint | boolean>;
  if (type === 'float16' && values instanceof Uint16Array) {
    for (let i = 0; i < count; i++) view.setUint16(i * 2, values[i], true);
    return bytes;
  }
  for (let i = 0; i < count; i++) {
    const v = src[i];
    switch (type) {
      case 'float32':
        view.setFloat32(i * 4, Number(v), true);
        break;
      case 'float64':
        view.setFloat64(i * 8, Number(v), true);
        break;
      case 'float16':
        view.setUint16(i * 2, float32ToFloat16Bits(Number(v)), true);
        break;
      case 'bfloat16':
        throw invalidArg('ERR_ONNX_TENSOR', `Tensor "${name}": bfloat16 initializers are not supported`);
      case 'int64':
        view.setBigInt64(i * 8, BigInt(v as number | bigint), true);
        break;
      case 'uint64':
        view.setBigUint64(i * 8, BigInt(v as number | bigint), true);
        break;
      case 'bool':
        view.setUint8(i, v ? 1 : 0);
        break;
      default:
        setSmallInt(name, type, view, i, Number(v));
    }
  }
  return bytes;
}

function setSmallInt(name: string, type: OnnxElementType, view: DataView, i: number, v: number): void {
  const range = INT_RANGES[type]!;
  if (!Number.isInteger(v) || v < range[0] || v > range[1]) {
    throw invalidArg(
      'ERR_ONNX_TENSOR',
      `Tensor "${name}" value ${v} at index ${i} is not a ${type}: allowed are integers in [${range[0]}, ${range[1]}]`,
    );
  }
  if (type === 'uint8') view.setUint8(i, v);
  else if (type === 'int8') view.setInt8(i, v);
  else if (type === 'uint16') view.setUint16(i * 2, v, true);
  else if (type === 'int16') view.setInt16(i * 2, v, true);
  else if (type === 'int32') view.setInt32(i * 4, v, true);
  else view.setUint32(i * 4, v, true);
}

/** Reads a TensorProto's values (raw_data or the typed *_data fields) into a typed array */
export function readTensor(tensor: OnnxProto.ITensorProto): OnnxTensorData {
  const type = elementTypeName(tensor.dataType ?? 0);
  const dims = (tensor.dims ?? []).map((d) => int64ToNumber(d));
  const count = dims.reduce((a, d) => a * d, 1);
  const name = tensor.name ?? '';
  if (tensor.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    throw invalidArg(
      'ERR_ONNX_TENSOR',
      `Tensor "${name}" keeps its data in an external file, which is not supported`,
    );
  }
  if (type === 'string') {
    return { name, type, dims, data: (tensor.stringData ?? []).map((b) => decoder.decode(b)) };
  }
  const raw = tensor.rawData;
  if (raw && raw.length > 0) {
    const copy = new Uint8Array(raw); // aligned copy: decoded raw_data may be an unaligned view
    return { name, type, dims, data: viewRaw(type, copy.buffer, count) };
  }
  return { name, type, dims, data: fromTypedFields(type, tensor, count) };
}

function viewRaw(type: OnnxElementType, buffer: ArrayBufferLike, count: number): OnnxTensorData['data'] {
  switch (type) {
    case 'float32':
      return new Float32Array(buffer, 0, count);
    case 'float64':
      return new Float64Array(buffer, 0, count);
    case 'int8':
      return new Int8Array(buffer, 0, count);
    case 'int16':
      return new Int16Array(buffer, 0, count);
    case 'int32':
      return new Int32Array(buffer, 0, count);
    case 'int64':
      return new BigInt64Array(buffer, 0, count);
    case 'uint16':
    case 'float16':
    case 'bfloat16':
      return new Uint16Array(buffer, 0, count);
    case 'uint32':
      return new Uint32Array(buffer, 0, count);
    case 'uint64':
      return new BigUint64Array(buffer, 0, count);
    default:
      return new Uint8Array(buffer, 0, count); // uint8, bool
  }
}

function fromTypedFields(
  type: OnnxElementType,
  t: OnnxProto.ITensorProto,
  count: number,
): OnnxTensorData['data'] {
  switch (type) {
    case 'float32':
      return Float32Array.from(t.floatData ?? []);
    case 'float64':
      return Float64Array.from(t.doubleData ?? []);
    case 'int64':
      return BigInt64Array.from((t.int64Data ?? []).map((v) => BigInt(String(v))));
    case 'uint64':
    case 'uint32':
      return type === 'uint64'
        ? BigUint64Array.from((t.uint64Data ?? []).map((v) => BigInt(String(v))))
        : Uint32Array.from((t.uint64Data ?? []).map((v) => int64ToNumber(v)));
    default: {
      const ints = t.int32Data ?? [];
      const out = viewRaw(type, new ArrayBuffer(count * ELEMENT_TYPE_BYTES[type]), count) as
        | Int8Array
        | Uint8Array
        | Int16Array
        | Uint16Array
        | Int32Array;
      for (let i = 0; i < count; i++) out[i] = ints[i] ?? 0;
      return out;
    }
  }
}
