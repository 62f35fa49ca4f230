/**
 * The KServe v2 / Triton tensor datatypes: wire names, config names (TYPE_*), element sizes and
 * the typed-array view of each. Pure data; no parsing or encoding lives here.
 */

/** Wire datatype names of the KServe v2 protocol, in Triton's order. */
export const DATATYPES = [
  'BOOL',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'FP16',
  'FP32',
  'FP64',
  'BYTES',
  'BF16',
] as const;

/** A wire datatype name such as `FP32` or `BYTES`. */
export type DataType = (typeof DATATYPES)[number];

/** Config datatype names (`TYPE_*` in config.pbtxt), in model_config.proto's enum order. */
export const CONFIG_DATATYPES = [
  'TYPE_INVALID',
  'TYPE_BOOL',
  'TYPE_UINT8',
  'TYPE_UINT16',
  'TYPE_UINT32',
  'TYPE_UINT64',
  'TYPE_INT8',
  'TYPE_INT16',
  'TYPE_INT32',
  'TYPE_INT64',
  'TYPE_FP16',
  'TYPE_FP32',
  'TYPE_FP64',
  'TYPE_STRING',
  'TYPE_BF16',
] as const;

/** A config datatype name such as `TYPE_FP32` or `TYPE_STRING`. */
export type ConfigDataType = (typeof CONFIG_DATATYPES)[number];

const DATATYPE_SET: ReadonlySet<string> = new Set(DATATYPES);

/** Whether `name` is a wire datatype name. */
export function isDataType(name: unknown): name is DataType {
  return typeof name === 'string' && DATATYPE_SET.has(name);
}

/** Bytes per element of each datatype; 0 for BYTES (variable length). */
export const ELEMENT_BYTES: Readonly<Record<DataType, number>> = {
  BOOL: 1,
  UINT8: 1,
  UINT16: 2,
  UINT32: 4,
  UINT64: 8,
  INT8: 1,
  INT16: 2,
  INT32: 4,
  INT64: 8,
  FP16: 2,
  FP32: 4,
  FP64: 8,
  BYTES: 0,
  BF16: 2,
};

/** Maps a config datatype (`TYPE_FP32`) to its wire name (`FP32`); TYPE_STRING is BYTES. */
export function configToWire(t: ConfigDataType): DataType {
  if (t === 'TYPE_STRING') return 'BYTES';
  if (t === 'TYPE_INVALID') throw new Error('TYPE_INVALID has no wire datatype');
  return t.slice(5) as DataType;
}

/** Maps a wire datatype (`FP32`) to its config name (`TYPE_FP32`); BYTES is TYPE_STRING. */
export function wireToConfig(t: DataType): ConfigDataType {
  return t === 'BYTES' ? 'TYPE_STRING' : (`TYPE_${t}` as ConfigDataType);
}

/** The typed array that views each datatype's elements (FP16/BF16 as raw 16-bit patterns). */
export type TypedArrayFor = {
  BOOL: Uint8Array;
  UINT8: Uint8Array;
  UINT16: Uint16Array;
  UINT32: Uint32Array;
  UINT64: BigUint64Array;
  INT8: Int8Array;
  INT16: Int16Array;
  INT32: Int32Array;
  INT64: BigInt64Array;
  FP16: Uint16Array;
  FP32: Float32Array;
  FP64: Float64Array;
  BF16: Uint16Array;
};

/** Any typed array a numeric tensor can be viewed as. */
export type NumericArray = TypedArrayFor[keyof TypedArrayFor];

/** Constructors of the typed array of each fixed-size datatype. */
export const TYPED_ARRAY: {
  readonly [K in keyof TypedArrayFor]: {
    new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): TypedArrayFor[K];
    new (length: number): TypedArrayFor[K];
    readonly BYTES_PER_ELEMENT: number;
  };
} = {
  BOOL: Uint8Array,
  UINT8: Uint8Array,
  UINT16: Uint16Array,
  UINT32: Uint32Array,
  UINT64: BigUint64Array,
  INT8: Int8Array,
  INT16: Int16Array,
  INT32: Int32Array,
  INT64: BigInt64Array,
  FP16: Uint16Array,
  FP32: Float32Array,
  FP64: Float64Array,
  BF16: Uint16Array,
};
