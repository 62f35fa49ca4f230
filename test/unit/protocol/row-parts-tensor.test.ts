import { describe, expect, it } from 'vitest';
import { packedByteLength, packTensors, unpackTensors } from '../../../src/backends/worker-protocol.js';
import { concatRows, withShape } from '../../../src/core/tensor-rows.js';
import { RowPartsTensor } from '../../../src/protocol/row-parts-tensor.js';
import type { Tensor } from '../../../src/protocol/tensor.js';

const rowsOf = (name: string, rows: number, first: number): Tensor => ({
  name,
  datatype: 'FP32',
  shape: [rows, 3],
  data: new Uint8Array(new Float32Array(rows * 3).map((_, i) => first + i).buffer),
});

/** A RowPartsTensor that fails the test if anything joins its parts. */
class UnjoinableRows extends RowPartsTensor {
  override get data(): Uint8Array {
    throw new Error('the parts were joined');
  }
}

describe('RowPartsTensor', () => {
  it('concatRows keeps the parts and joins them, once, only when data is read', () => {
    const batch = concatRows([rowsOf('x', 1, 0), rowsOf('x', 2, 100)]);
    expect(batch).toBeInstanceOf(RowPartsTensor);
    expect(batch.shape).toEqual([3, 3]);
    expect((batch as RowPartsTensor).byteLength).toBe(36);
    expect([...new Float32Array(batch.data.buffer)]).toEqual([0, 1, 2, 100, 101, 102, 103, 104, 105]);
    expect(batch.data).toBe(batch.data);
  });

  it('withShape gives a reshaped batch the same unjoined parts', () => {
    const batch = concatRows([rowsOf('x', 1, 0), rowsOf('x', 1, 3)]) as RowPartsTensor;
    const reshaped = withShape(batch, [2, 1, 3]) as RowPartsTensor;
    expect(reshaped.shape).toEqual([2, 1, 3]);
    expect(reshaped.rowParts).toBe(batch.rowParts);
  });

  it('the worker protocol packs a batch part by part, without joining it, into the bytes the joined tensor packs to', () => {
    const parts = [rowsOf('x', 2, 0), rowsOf('x', 1, 50), rowsOf('x', 3, 7)];
    const unjoinable = new UnjoinableRows(
      'x',
      'FP32',
      [6, 3],
      parts.map((p) => p.data),
    );
    const joined: Tensor = { name: 'x', datatype: 'FP32', shape: [6, 3], data: concatRows(parts).data };
    const other = rowsOf('y', 1, 9);
    expect(packedByteLength([unjoinable, other], ['out'])).toBe(packedByteLength([joined, other], ['out']));
    const fromParts = packTensors([unjoinable, other], ['out'], null);
    const fromJoined = packTensors([joined, other], ['out'], null);
    expect(new Uint8Array(fromParts.buffer, 0, fromParts.byteLength)).toEqual(
      new Uint8Array(fromJoined.buffer, 0, fromJoined.byteLength),
    );
    const { tensors } = unpackTensors(fromParts.buffer, fromParts.byteLength);
    expect([...new Float32Array(tensors[0]!.data.slice().buffer)]).toEqual([
      ...new Float32Array(joined.data.buffer),
    ]);
  });
});
