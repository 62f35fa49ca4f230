/**
 * The server's one in-memory tensor form. Every frontend decodes into it, every scheduler batches
 * it, the cache hashes it and the workers receive it: row-major, little-endian bytes exactly as
 * Triton's binary tensor extension and gRPC `raw_*_contents` carry them.
 *
 *   fixed-size types:  element i at bytes [i*size, (i+1)*size)
 *   BYTES:             [u32 LE length][bytes] [u32 LE length][bytes] ...  (row-major elements)
 *   BOOL:              one byte per element, 0 or 1
 *   FP16 / BF16:       raw 16-bit patterns
 */
import type { DataType } from './datatypes.js';

/** A named tensor whose data is its wire bytes (see the file header for the layout). */
export interface Tensor {
  /** Tensor name as the model declares it. */
  readonly name: string;
  /** Wire datatype. */
  readonly datatype: DataType;
  /** Full shape, including the batch dimension when the model batches. */
  readonly shape: readonly number[];
  /** Row-major little-endian bytes; BYTES elements are 4-byte LE length + bytes. */
  readonly data: Uint8Array;
}

/** A parameter value as the protocol carries it (HTTP JSON scalars; gRPC InferParameter oneof). */
export type ParameterValue = string | number | boolean | bigint;

/** Request, input or output parameters. */
export type Parameters = Record<string, ParameterValue>;

/** Number of elements of a shape (1 for the empty shape). */
export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i]!;
  return n;
}
