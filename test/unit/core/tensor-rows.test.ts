/** Unit: concatenating request tensors into a batch and slicing outputs back per request. */
import { describe, expect, it } from 'vitest';
import { concatRows, sliceRows } from '../../../src/core/tensor-rows.js';
import { encodeBytesElements } from '../../../src/protocol/bytes-tensor.js';
import type { Tensor } from '../../../src/protocol/tensor.js';

function i32(name: string, shape: number[], values: number[]): Tensor {
  return { name, datatype: 'INT32', shape, data: new Uint8Array(new Int32Array(values).buffer) };
}

describe('tensor rows', () => {
  it('concatenates fixed-size tensors along dim 0 and slices them back', () => {
    const a = i32('X', [1, 3], [1, 2, 3]);
    const b = i32('X', [2, 3], [4, 5, 6, 7, 8, 9]);
    const batch = concatRows([a, b]);
    expect(batch.shape).toEqual([3, 3]);
    expect(Array.from(new Int32Array(batch.data.slice().buffer))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const back = sliceRows(batch, 1, 2, 3);
    expect(back.shape).toEqual([2, 3]);
    expect(Array.from(new Int32Array(back.data.slice().buffer))).toEqual([4, 5, 6, 7, 8, 9]);
    expect(back.data.buffer).toBe(batch.data.buffer);
  });

  it('returns a single part and a whole-batch slice unchanged', () => {
    const a = i32('X', [2, 1], [1, 2]);
    expect(concatRows([a])).toBe(a);
    expect(sliceRows(a, 0, 2, 2)).toBe(a);
  });

  it('slices BYTES tensors by element, including empty and NUL elements', () => {
    const data = encodeBytesElements(['a', '', 'b\u0000c', 'dd', 'eee', 'f']);
    const t: Tensor = { name: 'S', datatype: 'BYTES', shape: [3, 2], data };
    const mid = sliceRows(t, 1, 1, 3);
    expect(mid.shape).toEqual([1, 2]);
    expect(Buffer.from(mid.data)).toEqual(Buffer.from(encodeBytesElements(['b\u0000c', 'dd'])));
    const last = sliceRows(t, 2, 1, 3);
    expect(Buffer.from(last.data)).toEqual(Buffer.from(encodeBytesElements(['eee', 'f'])));
  });
});
