/**
 * Tensor helpers for JavaScript model authors: build a wire tensor from values of any datatype,
 * view or read a tensor's elements (typed arrays without copies when aligned, FP16/BF16 widened,
 * BYTES as byte views or strings), rename one, and check one before it is sent. Tensors are the
 * server's one form (src/protocol/tensor.ts); nothing here talks to the worker or the server.
 *
 *   values accepted by createTensor     typed array (no copy)          or plain array (converted)
 *   BOOL                                Uint8Array (0/1)               boolean[]
 *   UINT8/16/32, INT8/16/32             the matching typed array       number[] (integers in range)
 *   UINT64 / INT64                      BigUint64Array / BigInt64Array bigint[] or number[]
 *   FP16 / BF16                         Uint16Array of raw bits        number[] or Float32Array (rounded)
 *   FP32 / FP64                         Float32Array / Float64Array    number[]
 *   BYTES                               —                              (string | Uint8Array)[]
 */
import { Status } from '../../common/errors.js';
import {
  checkBytesElementCount,
  decodeBytesElements,
  decodeBytesStrings,
  encodeBytesElements,
} from '../../protocol/bytes-tensor.js';
import {
  type DataType,
  ELEMENT_BYTES,
  isDataType,
  TYPED_ARRAY,
  type TypedArrayFor,
} from '../../protocol/datatypes.js';
import { fromBf16Array, fromFp16Array, toBf16Array, toFp16Array } from '../../protocol/half-float.js';
import { elementCount, type Tensor } from '../../protocol/tensor.js';
import { INTEGER_RANGE, type TensorValues } from '../../protocol/tensor-values.js';
import { type FixedDataType, typedArrayBytes, viewAsTypedArray } from '../../protocol/typed-view.js';
import { ModelError } from './model-error.js';

export type { TensorValues };

/** A tensor's elements as plain values: numbers, bigints (64-bit integers), booleans or byte views (BYTES). */
export type TensorArray = number[] | bigint[] | boolean[] | Uint8Array[];

// A helper refusing values is the model's fault (its inputs were already checked against the
// config), so the request fails with INTERNAL (HTTP 500), never INVALID_ARG: the client did nothing wrong.
function bad(message: string): ModelError {
  return new ModelError(message, Status.INTERNAL, 'ERR_MODEL_TENSOR');
}

function checkHead(name: string, datatype: string, shape: readonly number[]): void {
  if (typeof name !== 'string' || name === '')
    throw bad(`A tensor needs a non-empty name: received ${JSON.stringify(name)}`);
  if (!isDataType(datatype)) throw bad(`Tensor '${name}' has unknown datatype ${JSON.stringify(datatype)}`);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw bad(`Tensor '${name}' needs a shape of non-negative integers: received ${JSON.stringify(shape)}`);
  }
}

/** Builds a wire tensor from values: `createTensor('OUT', 'INT32', [2], [1, 2])`; throws ModelError on a mismatch. */
export function createTensor(
  name: string,
  datatype: DataType,
  shape: readonly number[],
  values: TensorValues,
): Tensor {
  checkHead(name, datatype, shape);
  const count = elementCount(shape);
  if (values.length !== count) {
    throw bad(`Tensor '${name}' has ${values.length} elements but shape [${shape.join(',')}] needs ${count}`);
  }
  return { name, datatype, shape: [...shape], data: toWire(name, datatype, values) };
}

/** A tensor over ready wire bytes (BYTES: 4-byte LE length + bytes per element); sizes are checked. */
export function tensorFromBytes(
  name: string,
  datatype: DataType,
  shape: readonly number[],
  data: Uint8Array,
): Tensor {
  const t: Tensor = { name, datatype, shape: [...shape], data };
  checkTensor(t);
  return t;
}

/** Throws a ModelError unless `t` is a well-formed tensor (name, datatype, shape and byte size agree). */
export function checkTensor(t: Tensor): void {
  if (t === null || typeof t !== 'object') throw bad(`A tensor must be an object: received ${String(t)}`);
  checkHead(t.name, t.datatype, t.shape);
  if (!(t.data instanceof Uint8Array)) throw bad(`Tensor '${t.name}' needs its data as a Uint8Array`);
  const count = elementCount(t.shape);
  if (t.datatype === 'BYTES') {
    try {
      checkBytesElementCount(t.data, count, t.name);
    } catch (err) {
      throw bad((err as Error).message);
    }
  } else if (t.data.length !== count * ELEMENT_BYTES[t.datatype]) {
    throw bad(
      `Tensor '${t.name}' has ${t.data.length} bytes but shape [${t.shape.join(',')}] of ${t.datatype} needs ${count * ELEMENT_BYTES[t.datatype]}`,
    );
  }
}

/** The same tensor under another name (no copy): identity models return inputs as outputs. */
export function renameTensor(t: Tensor, name: string): Tensor {
  return { name, datatype: t.datatype, shape: t.shape, data: t.data };
}

/**
 * A fixed-size tensor's elements as its typed array (FP16/BF16 as raw 16-bit patterns); a view
 * when the bytes are aligned, else a copy. Throws for BYTES (use bytesElements/stringElements).
 */
export function toTypedArray<T extends FixedDataType>(t: Tensor & { datatype: T }): TypedArrayFor[T];
export function toTypedArray(t: Tensor): TypedArrayFor[FixedDataType];
export function toTypedArray(t: Tensor): TypedArrayFor[FixedDataType] {
  if (t.datatype === 'BYTES')
    throw bad(`Tensor '${t.name}' is BYTES: read it with bytesElements or stringElements`);
  return viewAsTypedArray(t.datatype, t.data);
}

/** A numeric tensor's elements as a Float32Array (FP16/BF16 decoded; other types converted). */
export function toFloat32Array(t: Tensor): Float32Array {
  if (t.datatype === 'FP16') return fromFp16Array(viewAsTypedArray('FP16', t.data));
  if (t.datatype === 'BF16') return fromBf16Array(viewAsTypedArray('BF16', t.data));
  if (t.datatype === 'FP32') return viewAsTypedArray('FP32', t.data);
  const values = toTypedArray(t);
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Number(values[i]);
  return out;
}

/** A tensor's elements as plain values (see TensorArray); FP16/BF16 decoded to numbers. */
export function toArray(t: Tensor): TensorArray {
  switch (t.datatype) {
    case 'BYTES':
      return bytesElements(t);
    case 'BOOL':
      return Array.from(t.data, (b) => b !== 0);
    case 'FP16':
    case 'BF16':
      return Array.from(toFloat32Array(t));
    case 'INT64':
    case 'UINT64':
      return Array.from(viewAsTypedArray(t.datatype, t.data));
    default:
      return Array.from(viewAsTypedArray(t.datatype, t.data) as ArrayLike<number>);
  }
}

/** A BYTES tensor's elements as views on their bytes (exact, NULs included; no copy). */
export function bytesElements(t: Tensor): Uint8Array[] {
  if (t.datatype !== 'BYTES') throw bad(`Tensor '${t.name}' is ${t.datatype}, not BYTES`);
  return decodeBytesElements(t.data, t.name);
}

/** A BYTES tensor's elements decoded as UTF-8 strings (invalid sequences become U+FFFD). */
export function stringElements(t: Tensor): string[] {
  if (t.datatype !== 'BYTES') throw bad(`Tensor '${t.name}' is ${t.datatype}, not BYTES`);
  return decodeBytesStrings(t.data, t.name);
}

function toWire(name: string, datatype: DataType, values: TensorValues): Uint8Array {
  if (datatype === 'BYTES') {
    for (let i = 0; i < values.length; i++) {
      const v = (values as readonly unknown[])[i];
      if (typeof v !== 'string' && !(v instanceof Uint8Array)) {
        throw bad(`Tensor '${name}' is BYTES: element ${i} must be a string or a Uint8Array`);
      }
    }
    return encodeBytesElements(values as readonly (string | Uint8Array)[]);
  }
  const ctor = TYPED_ARRAY[datatype];
  if (ArrayBuffer.isView(values)) {
    const half = datatype === 'FP16' || datatype === 'BF16';
    if (half && values instanceof Float32Array) return typedArrayBytes(half16(datatype, values));
    if (values.constructor !== ctor) {
      throw bad(
        `Tensor '${name}' is ${datatype}: pass a ${ctor.name} or a plain array, not a ${values.constructor.name}`,
      );
    }
    return typedArrayBytes(values);
  }
  const list = values as readonly unknown[];
  if (datatype === 'BOOL') {
    const out = new Uint8Array(list.length);
    for (let i = 0; i < list.length; i++) {
      if (typeof list[i] !== 'boolean') throw bad(`Tensor '${name}' is BOOL: element ${i} must be a boolean`);
      out[i] = list[i] ? 1 : 0;
    }
    return out;
  }
  if (datatype === 'FP16' || datatype === 'BF16')
    return typedArrayBytes(half16(datatype, numbers(name, list)));
  if (datatype === 'INT64' || datatype === 'UINT64') {
    const out = new TYPED_ARRAY[datatype](list.length);
    for (let i = 0; i < list.length; i++) {
      const v = list[i];
      if (typeof v !== 'bigint' && !Number.isInteger(v))
        throw bad(`Tensor '${name}' is ${datatype}: element ${i} must be an integer`);
      out[i] = BigInt(v as bigint | number);
    }
    return typedArrayBytes(out);
  }
  const nums = numbers(name, list);
  const range = INTEGER_RANGE[datatype];
  if (range !== undefined) {
    for (let i = 0; i < nums.length; i++) {
      const v = nums[i]!;
      if (!Number.isInteger(v) || v < range[0] || v > range[1]) {
        throw bad(
          `Tensor '${name}' is ${datatype}: element ${i} (${v}) is not an integer in [${range[0]}, ${range[1]}]`,
        );
      }
    }
  }
  return typedArrayBytes(new ctor(nums as never) as ArrayBufferView);
}

function numbers(name: string, list: readonly unknown[]): number[] {
  for (let i = 0; i < list.length; i++) {
    if (typeof list[i] !== 'number') throw bad(`Tensor '${name}': element ${i} must be a number`);
  }
  return list as number[];
}

function half16(datatype: 'FP16' | 'BF16', values: ArrayLike<number>): Uint16Array {
  return datatype === 'FP16' ? toFp16Array(values) : toBf16Array(values);
}
