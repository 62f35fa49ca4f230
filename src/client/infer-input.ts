/**
 * Input tensors of the client: `tensor(name, datatype, shape, values)` checks the values against
 * the datatype (typed-array kind, integer ranges) and the shape (element count), and turns them
 * into the wire bytes once, so every send is a plain reuse of `data`. It does not know models:
 * whether the server accepts the shape is the server's check.
 *
 *   values accepted per datatype        typed array (no copy)          or plain array (converted)
 *   BOOL                                Uint8Array (0/1)               boolean[]
 *   UINT8/16/32, INT8/16/32             the matching typed array        number[] (integers in range)
 *   UINT64 / INT64                      BigUint64Array / BigInt64Array  bigint[] or number[]
 *   FP16 / BF16                         Uint16Array of raw bits         number[] or Float32Array (rounded)
 *   FP32 / FP64                         Float32Array / Float64Array     number[]
 *   BYTES                               —                               (string | Uint8Array)[]
 */
import {
  checkBytesElementCount,
  DATATYPES,
  type DataType,
  ELEMENT_BYTES,
  elementCount,
  encodeBytesElements,
  INTEGER_RANGE,
  isDataType,
  type Parameters,
  type TensorValues,
  TYPED_ARRAY,
  toBf16Array,
  toFp16Array,
  typedArrayBytes,
} from '../protocol/index.js';
import { invalidInput } from './inference-server-error.js';

export type { TensorValues };

/** An input tensor ready to send: name, datatype, shape and its checked wire bytes. */
export class InferInput {
  /** Input name as the model declares it. */
  readonly name: string;
  /** Wire datatype. */
  readonly datatype: DataType;
  /** Full shape, batch dimension included. */
  readonly shape: readonly number[];
  /** Row-major little-endian wire bytes (BYTES: 4-byte LE length + bytes per element). */
  readonly data: Uint8Array;
  /** Input parameters sent with the tensor; none by default. */
  readonly parameters: Parameters | undefined;

  private constructor(
    name: string,
    datatype: DataType,
    shape: readonly number[],
    data: Uint8Array,
    parameters: Parameters | undefined,
  ) {
    this.name = name;
    this.datatype = datatype;
    this.shape = shape;
    this.data = data;
    this.parameters = parameters;
  }

  /** A tensor from values (see the file header); throws INVALID_ARG on any mismatch. */
  static fromValues(
    name: string,
    datatype: DataType,
    shape: readonly number[],
    values: TensorValues,
    parameters?: Parameters,
  ): InferInput {
    checkHead(name, datatype, shape);
    const count = elementCount(shape);
    if (values.length !== count) {
      throw invalidInput(
        `Input '${name}' has ${values.length} elements but shape [${shape.join(',')}] needs ${count}`,
      );
    }
    const data = toWire(name, datatype, values);
    return new InferInput(name, datatype, Object.freeze([...shape]), data, parameters);
  }

  /** A tensor from ready wire bytes (BYTES: length-prefixed elements); sizes are checked against the shape. */
  static fromBytes(
    name: string,
    datatype: DataType,
    shape: readonly number[],
    data: Uint8Array,
    parameters?: Parameters,
  ): InferInput {
    checkHead(name, datatype, shape);
    const count = elementCount(shape);
    if (datatype === 'BYTES') {
      try {
        checkBytesElementCount(data, count, name);
      } catch (err) {
        throw invalidInput((err as Error).message, err);
      }
    } else if (data.length !== count * ELEMENT_BYTES[datatype]) {
      throw invalidInput(
        `Input '${name}' has ${data.length} bytes but shape [${shape.join(',')}] of ${datatype} needs ${count * ELEMENT_BYTES[datatype]}`,
      );
    }
    return new InferInput(name, datatype, Object.freeze([...shape]), data, parameters);
  }

  /**
   * A tensor whose data the server reads from registered shared-memory region `region`: `byteSize`
   * bytes at region offset `offsetBytes` (default 0); fixed-size datatypes must match the shape.
   */
  static fromSharedMemory(
    name: string,
    datatype: DataType,
    shape: readonly number[],
    region: string,
    byteSize: number,
    offsetBytes = 0,
    parameters?: Parameters,
  ): InferInput {
    checkHead(name, datatype, shape);
    if (typeof region !== 'string' || region === '') {
      throw invalidInput(`Input '${name}': the shared-memory region name must be a non-empty string`);
    }
    for (const [label, v] of [
      ['byteSize', byteSize],
      ['offsetBytes', offsetBytes],
    ] as const) {
      if (!Number.isSafeInteger(v) || v < 0) {
        throw invalidInput(`Input '${name}': ${label} must be a non-negative integer: received ${v}`);
      }
    }
    const needed = elementCount(shape) * ELEMENT_BYTES[datatype];
    if (datatype !== 'BYTES' && byteSize !== needed) {
      throw invalidInput(
        `Input '${name}' has byteSize ${byteSize} but shape [${shape.join(',')}] of ${datatype} needs ${needed}`,
      );
    }
    const shm: Parameters = {
      ...parameters,
      shared_memory_region: region,
      shared_memory_byte_size: byteSize,
    };
    if (offsetBytes !== 0) shm.shared_memory_offset = offsetBytes;
    return new InferInput(name, datatype, Object.freeze([...shape]), EMPTY_BYTES, shm);
  }

  /** Whether the data travels through a shared-memory region instead of the request. */
  get inSharedMemory(): boolean {
    return this.parameters?.shared_memory_region !== undefined;
  }

  /** This tensor's name, datatype and shape with its data in shared memory instead (Triton's set_shared_memory). */
  withSharedMemory(region: string, byteSize: number, offsetBytes = 0): InferInput {
    const rest: Parameters = {};
    const own = this.parameters;
    for (const key in own) if (!key.startsWith('shared_memory_')) rest[key] = own[key]!;
    return InferInput.fromSharedMemory(
      this.name,
      this.datatype,
      this.shape,
      region,
      byteSize,
      offsetBytes,
      rest,
    );
  }
}

const EMPTY_BYTES = new Uint8Array(0);

/** Builds an input whose data is in a registered shared-memory region (see InferInput.fromSharedMemory). */
export function sharedMemoryTensor(
  name: string,
  datatype: DataType,
  shape: readonly number[],
  region: string,
  byteSize: number,
  offsetBytes = 0,
): InferInput {
  return InferInput.fromSharedMemory(name, datatype, shape, region, byteSize, offsetBytes);
}

/** Builds an input tensor: `tensor('INPUT0', 'INT32', [1, 16], new Int32Array(16))`. */
export function tensor(
  name: string,
  datatype: DataType,
  shape: readonly number[],
  values: TensorValues,
  parameters?: Parameters,
): InferInput {
  return InferInput.fromValues(name, datatype, shape, values, parameters);
}

function checkHead(name: string, datatype: string, shape: readonly number[]): void {
  if (typeof name !== 'string' || name === '') throw invalidInput('Input name must be a non-empty string');
  if (!isDataType(datatype)) {
    throw invalidInput(`Input '${name}' has unknown datatype '${datatype}': allowed ${DATATYPES.join(', ')}`);
  }
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i]!;
    if (!Number.isSafeInteger(d) || d < 0) {
      throw invalidInput(
        `Input '${name}' has shape [${shape.join(',')}]: dimensions must be integers >= 0 (received ${d} at ${i})`,
      );
    }
  }
}

const EXPECTED_ARRAY: Readonly<Record<DataType, string>> = {
  BOOL: 'a Uint8Array or boolean[]',
  UINT8: 'a Uint8Array or number[]',
  UINT16: 'a Uint16Array or number[]',
  UINT32: 'a Uint32Array or number[]',
  UINT64: 'a BigUint64Array, BigInt64Array, bigint[] or number[]',
  INT8: 'an Int8Array or number[]',
  INT16: 'an Int16Array or number[]',
  INT32: 'an Int32Array or number[]',
  INT64: 'a BigInt64Array, bigint[] or number[]',
  FP16: 'a Uint16Array of FP16 bits, a Float32Array or number[]',
  FP32: 'a Float32Array or number[]',
  FP64: 'a Float64Array or number[]',
  BYTES: 'an array of strings or Uint8Arrays',
  BF16: 'a Uint16Array of BF16 bits, a Float32Array or number[]',
};

function kindOf(values: unknown): string {
  if (ArrayBuffer.isView(values)) return values.constructor.name;
  if (Array.isArray(values)) return values.length === 0 ? 'empty array' : `${typeof values[0]}[]`;
  return typeof values;
}

function wrongKind(name: string, datatype: DataType, values: unknown): never {
  throw invalidInput(
    `Input '${name}' of datatype ${datatype} needs ${EXPECTED_ARRAY[datatype]}: received ${kindOf(values)}`,
  );
}

/** The typed-array class that views `datatype` without conversion (FP16/BF16: Uint16Array). */
function nativeArrayMatches(datatype: DataType, values: ArrayBufferView): boolean {
  if (datatype === 'BYTES') return false;
  if (datatype === 'UINT64' && values instanceof BigInt64Array) return true;
  return values instanceof TYPED_ARRAY[datatype];
}

function toWire(name: string, datatype: DataType, values: TensorValues): Uint8Array {
  if (ArrayBuffer.isView(values)) {
    if (nativeArrayMatches(datatype, values)) return typedArrayBytes(values);
    if ((datatype === 'FP16' || datatype === 'BF16') && values instanceof Float32Array) {
      return typedArrayBytes(datatype === 'FP16' ? toFp16Array(values) : toBf16Array(values));
    }
    wrongKind(name, datatype, values);
  }
  const list = values as readonly unknown[];
  if (datatype === 'BYTES') {
    for (let i = 0; i < list.length; i++) {
      const v = list[i];
      if (typeof v !== 'string' && !(v instanceof Uint8Array)) {
        throw invalidInput(
          `Input '${name}': element ${i} of a BYTES tensor must be a string or Uint8Array, got ${typeof v}`,
        );
      }
    }
    return encodeBytesElements(list as readonly (string | Uint8Array)[]);
  }
  if (datatype === 'BOOL') {
    const out = new Uint8Array(list.length);
    for (let i = 0; i < list.length; i++) {
      const v = list[i];
      if (typeof v !== 'boolean') wrongKind(name, datatype, values);
      out[i] = v ? 1 : 0;
    }
    return out;
  }
  if (datatype === 'INT64' || datatype === 'UINT64') return bigIntWire(name, datatype, list);
  for (let i = 0; i < list.length; i++) {
    if (typeof list[i] !== 'number') wrongKind(name, datatype, values);
  }
  const numbers = list as readonly number[];
  if (datatype === 'FP16') return typedArrayBytes(toFp16Array(numbers));
  if (datatype === 'BF16') return typedArrayBytes(toBf16Array(numbers));
  if (datatype !== 'FP32' && datatype !== 'FP64') checkIntegers(name, datatype, numbers);
  const out = new TYPED_ARRAY[datatype](numbers.length) as ArrayBufferView & { [i: number]: number };
  for (let i = 0; i < numbers.length; i++) out[i] = numbers[i]!;
  return typedArrayBytes(out);
}

function checkIntegers(name: string, datatype: DataType, values: readonly number[]): void {
  const [min, max] = INTEGER_RANGE[datatype]!;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isInteger(v) || v < min || v > max) {
      throw invalidInput(
        `Input '${name}': element ${i} is ${v}, not an integer in the range of ${datatype} [${min}, ${max}]`,
      );
    }
  }
}

function bigIntWire(name: string, datatype: 'INT64' | 'UINT64', list: readonly unknown[]): Uint8Array {
  const out = datatype === 'INT64' ? new BigInt64Array(list.length) : new BigUint64Array(list.length);
  const min = datatype === 'INT64' ? -(2n ** 63n) : 0n;
  const max = datatype === 'INT64' ? 2n ** 63n - 1n : 2n ** 64n - 1n;
  for (let i = 0; i < list.length; i++) {
    const v = list[i];
    let big: bigint;
    if (typeof v === 'bigint') big = v;
    else if (typeof v === 'number' && Number.isSafeInteger(v)) big = BigInt(v);
    else {
      throw invalidInput(
        `Input '${name}': element ${i} of a ${datatype} tensor must be a bigint or a safe integer, got ${typeof v} ${String(v)}`,
      );
    }
    if (big < min || big > max) {
      throw invalidInput(
        `Input '${name}': element ${i} is ${big}, outside the range of ${datatype} [${min}, ${max}]`,
      );
    }
    out[i] = big;
  }
  return typedArrayBytes(out);
}
