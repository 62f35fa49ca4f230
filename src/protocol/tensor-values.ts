/**
 * What a tensor may be built from besides wire bytes: the values its builders accept (the client's
 * `tensor()` and the JavaScript backend's `createTensor`) and the range each small integer datatype
 * takes. The conversion itself stays with each builder: they check different things and throw
 * their own errors (INVALID_ARG to a client caller, ModelError to a model author).
 *
 *   values accepted per datatype        typed array (no copy)          or plain array (converted)
 *   BOOL                                Uint8Array (0/1)               boolean[]
 *   UINT8/16/32, INT8/16/32             the matching typed array       number[] (integers in range)
 *   UINT64 / INT64                      BigUint64Array / BigInt64Array bigint[] or number[]
 *   FP16 / BF16                         Uint16Array of raw bits        number[] or Float32Array (rounded)
 *   FP32 / FP64                         Float32Array / Float64Array    number[]
 *   BYTES                               —                              (string | Uint8Array)[]
 */
import type { DataType } from './datatypes.js';

/** Values a tensor may be built from (see the file header for what each datatype takes). */
export type TensorValues =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | BigInt64Array
  | BigUint64Array
  | Float32Array
  | Float64Array
  | readonly (string | Uint8Array)[]
  | readonly boolean[]
  | readonly number[]
  | readonly bigint[];

/** Inclusive [min, max] of the integer datatypes up to 32 bits; other datatypes have no entry. */
export const INTEGER_RANGE: Readonly<Partial<Record<DataType, readonly [number, number]>>> = {
  UINT8: [0, 0xff],
  UINT16: [0, 0xffff],
  UINT32: [0, 0xffffffff],
  INT8: [-0x80, 0x7f],
  INT16: [-0x8000, 0x7fff],
  INT32: [-0x80000000, 0x7fffffff],
};
