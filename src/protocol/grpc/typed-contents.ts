/**
 * Converts gRPC typed tensor contents (`InferTensorContents`) into the server's wire-byte tensor
 * form, with Triton's rules: each datatype has exactly one field (INT8/16/32 → int_contents,
 * UINT8/16/32 → uint_contents, ...), data in any other field is an error, and FP16/BF16 can only
 * travel raw. A value outside a narrow integer type's range (300 for INT8) is refused, as the HTTP
 * JSON path refuses it; Triton would keep its low bits, silently changing the value.
 * Element-count checks against the shape are done by the caller (tensor-bytes-check.ts).
 */
import { invalidArg } from '../../common/index.js';
import type { DataType } from '../datatypes.js';
import { ProtocolErrorCode } from '../error-codes.js';
import type { InferTensorContentsMessage, Int64Like } from './grpc-messages.js';

type ContentsField = keyof InferTensorContentsMessage;

/** The typed-contents field each datatype travels in; FP16 and BF16 have none. */
export const CONTENTS_FIELD: Readonly<Record<DataType, ContentsField | null>> = {
  BOOL: 'bool_contents',
  UINT8: 'uint_contents',
  UINT16: 'uint_contents',
  UINT32: 'uint_contents',
  UINT64: 'uint64_contents',
  INT8: 'int_contents',
  INT16: 'int_contents',
  INT32: 'int_contents',
  INT64: 'int64_contents',
  FP16: null,
  FP32: 'fp32_contents',
  FP64: 'fp64_contents',
  BYTES: 'bytes_contents',
  BF16: null,
};

// The datatype Triton names for data found in a field (used in the mismatch error).
const FIELD_DATATYPE: Readonly<Record<ContentsField, string>> = {
  bool_contents: 'BOOL',
  int_contents: 'INT32',
  int64_contents: 'INT64',
  uint_contents: 'UINT32',
  uint64_contents: 'UINT64',
  fp32_contents: 'FP32',
  fp64_contents: 'FP64',
  bytes_contents: 'BYTES',
};

const FIELDS = Object.keys(FIELD_DATATYPE) as ContentsField[];

/**
 * The wire bytes of an input given as typed contents. Throws INVALID_ARG when data sits in a
 * field that does not belong to `datatype` or when `datatype` is FP16/BF16.
 */
export function typedContentsToBytes(
  contents: InferTensorContentsMessage,
  datatype: DataType,
  inputName: string,
  modelName: string,
): Uint8Array {
  const expected = CONTENTS_FIELD[datatype];
  for (let i = 0; i < FIELDS.length; i++) {
    const field = FIELDS[i]!;
    const values = contents[field];
    if (values === undefined || values === null || values.length === 0 || field === expected) continue;
    if (expected === null) {
      throw invalidArg(
        ProtocolErrorCode.INPUT_CONTENT,
        `Input '${inputName}' for model '${modelName}' has datatype ${datatype}, which can only be sent in raw_input_contents`,
      );
    }
    throw invalidArg(
      ProtocolErrorCode.INPUT_CONTENT,
      `unexpected explicit tensor data for input tensor '${inputName}' for model '${modelName}' of type '${FIELD_DATATYPE[field]}', expected datatype '${datatype}'`,
    );
  }
  if (expected === null) return new Uint8Array(0);
  const values = contents[expected] ?? [];
  const range = NARROW_RANGE[datatype];
  if (range !== undefined)
    checkRange(values as readonly number[], range, datatype, expected, inputName, modelName);
  return convert(datatype, values);
}

/** The value range of the integer types narrower than their 32-bit contents field. */
const NARROW_RANGE: Partial<Record<DataType, readonly [number, number]>> = {
  INT8: [-128, 127],
  INT16: [-32768, 32767],
  UINT8: [0, 255],
  UINT16: [0, 65535],
};

function checkRange(
  values: readonly number[],
  [min, max]: readonly [number, number],
  datatype: DataType,
  field: ContentsField,
  inputName: string,
  modelName: string,
): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v >= min && v <= max) continue;
    throw invalidArg(
      ProtocolErrorCode.INPUT_CONTENT,
      `Input '${inputName}' for model '${modelName}': element ${i} of ${field} is ${v}, outside the range of ${datatype} [${min}, ${max}]`,
    );
  }
}

function convert(datatype: DataType, values: readonly unknown[]): Uint8Array {
  switch (datatype) {
    case 'BOOL': {
      const out = new Uint8Array(values.length);
      for (let i = 0; i < values.length; i++) out[i] = values[i] ? 1 : 0;
      return out;
    }
    case 'INT8':
      return bytesOf(Int8Array.from(values as number[]));
    case 'INT16':
      return bytesOf(Int16Array.from(values as number[]));
    case 'INT32':
      return bytesOf(Int32Array.from(values as number[]));
    case 'UINT8':
      return Uint8Array.from(values as number[]);
    case 'UINT16':
      return bytesOf(Uint16Array.from(values as number[]));
    case 'UINT32':
      return bytesOf(Uint32Array.from(values as number[]));
    case 'INT64':
      return bytesOf(toBigInt64(new BigInt64Array(values.length), values as Int64Like[]));
    case 'UINT64':
      return bytesOf(toBigInt64(new BigUint64Array(values.length), values as Int64Like[]));
    case 'FP32':
      return bytesOf(Float32Array.from(values as number[]));
    case 'FP64':
      return bytesOf(Float64Array.from(values as number[]));
    case 'BYTES':
      return bytesElementsToWire(values as Uint8Array[]);
    default:
      return new Uint8Array(0);
  }
}

function toBigInt64<T extends BigInt64Array | BigUint64Array>(out: T, values: readonly Int64Like[]): T {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    out[i] = typeof v === 'bigint' ? v : BigInt(v);
  }
  return out;
}

// Typed arrays are little-endian on every platform Node 20 supports (x64, arm64), as the wire is.
function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/** BYTES elements as wire bytes: each element is a 4-byte little-endian length, then its bytes. */
export function bytesElementsToWire(elements: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (let i = 0; i < elements.length; i++) total += 4 + elements[i]!.length;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let offset = 0;
  for (let i = 0; i < elements.length; i++) {
    const element = elements[i]!;
    view.setUint32(offset, element.length, true);
    out.set(element, offset + 4);
    offset += 4 + element.length;
  }
  return out;
}
