/**
 * Typed-array views over a fixed-size tensor's wire bytes. A view shares memory with the bytes when
 * their offset is aligned to the element size and copies them otherwise (a body slice after an
 * odd-length JSON header is often unaligned). Assumes a little-endian host, as every Node target is.
 */
import type { DataType, TypedArrayFor } from './datatypes.js';
import { TYPED_ARRAY } from './datatypes.js';

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error('Nereid needs a little-endian host: tensor wire bytes are little-endian');
}

/** Fixed-size datatypes (every datatype except BYTES). */
export type FixedDataType = Exclude<DataType, 'BYTES'>;

/** Views `data` as the typed array of `datatype` (no copy when aligned; FP16/BF16 as raw bits). */
export function viewAsTypedArray<T extends FixedDataType>(datatype: T, data: Uint8Array): TypedArrayFor[T] {
  const ctor = TYPED_ARRAY[datatype];
  const size = ctor.BYTES_PER_ELEMENT;
  const count = Math.floor(data.length / size);
  if (data.byteOffset % size === 0) {
    return new ctor(data.buffer, data.byteOffset, count) as TypedArrayFor[T];
  }
  const copy = new Uint8Array(count * size);
  copy.set(data.subarray(0, count * size));
  return new ctor(copy.buffer, 0, count) as TypedArrayFor[T];
}

/** The wire bytes of a typed array (a view, no copy). */
export function typedArrayBytes(values: ArrayBufferView): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}
