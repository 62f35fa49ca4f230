import { describe, expect, it } from 'vitest';
import {
  align8,
  packedByteLength,
  packTensors,
  unpackTensors,
} from '../../../src/backends/worker-protocol.js';
import type { Tensor } from '../../../src/protocol/tensor.js';

function bytesTensor(name: string, values: string[]): Tensor {
  const parts = values.map((v) => new TextEncoder().encode(v));
  const data = new Uint8Array(parts.reduce((n, p) => n + 4 + p.byteLength, 0));
  const view = new DataView(data.buffer);
  let at = 0;
  for (const p of parts) {
    view.setUint32(at, p.byteLength, true);
    data.set(p, at + 4);
    at += 4 + p.byteLength;
  }
  return { name, datatype: 'BYTES', shape: [values.length], data };
}

const sample: Tensor[] = [
  {
    name: 'x',
    datatype: 'FP32',
    shape: [2, 3],
    data: new Uint8Array(new Float32Array([1, 2, 3, 4, 5, 6]).buffer),
  },
  { name: 'flag', datatype: 'BOOL', shape: [3], data: new Uint8Array([1, 0, 1]) },
  {
    name: 'ids',
    datatype: 'INT64',
    shape: [2],
    data: new Uint8Array(new BigInt64Array([-1n, 2n ** 40n]).buffer),
  },
  bytesTensor('名前', ['a', 'héllo', '']),
  { name: 'empty', datatype: 'FP16', shape: [0, 4], data: new Uint8Array(0) },
];

describe('worker protocol packing', () => {
  it('packTensors and unpackTensors round-trip names, datatypes, shapes, bytes and output names', () => {
    const packed = packTensors(sample, ['out_1', '10', 'ü'], null);
    const { tensors, names } = unpackTensors(packed.buffer, packed.byteLength);
    expect(names).toEqual(['out_1', '10', 'ü']);
    expect(tensors.map((t) => [t.name, t.datatype, t.shape])).toEqual(
      sample.map((t) => [t.name, t.datatype, t.shape]),
    );
    for (let i = 0; i < sample.length; i++)
      expect(Array.from(tensors[i]!.data)).toEqual(Array.from(sample[i]!.data));
  });

  it('unpackTensors places every tensor at an 8-byte-aligned offset so typed views need no copy', () => {
    const packed = packTensors(sample, [], null);
    const { tensors } = unpackTensors(packed.buffer, packed.byteLength);
    for (const t of tensors) expect(t.data.byteOffset % 8).toBe(0);
    const ids = new BigInt64Array(tensors[2]!.data.buffer, tensors[2]!.data.byteOffset, 2);
    expect(Array.from(ids)).toEqual([-1n, 2n ** 40n]);
    const x = new Float32Array(tensors[0]!.data.buffer, tensors[0]!.data.byteOffset, 6);
    expect(Array.from(x)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('unpackTensors reads a packing copied to an 8-aligned offset of a larger buffer', () => {
    const packed = packTensors(sample, ['out_1'], null);
    const host = new ArrayBuffer(packed.byteLength + 48);
    new Uint8Array(host).fill(0xee);
    new Uint8Array(host, 40, packed.byteLength).set(new Uint8Array(packed.buffer, 0, packed.byteLength));
    const { tensors, names } = unpackTensors(host, packed.byteLength, 40);
    expect(names).toEqual(['out_1']);
    expect(tensors.map((t) => t.name)).toEqual(sample.map((t) => t.name));
    for (let i = 0; i < sample.length; i++) {
      expect(Array.from(tensors[i]!.data)).toEqual(Array.from(sample[i]!.data));
      expect(tensors[i]!.data.byteOffset % 8).toBe(0);
    }
  });

  it('unpackTensors returns views into the packed buffer rather than copies', () => {
    const packed = packTensors(sample, [], null);
    const { tensors } = unpackTensors(packed.buffer, packed.byteLength);
    for (const t of tensors) expect(t.data.buffer).toBe(packed.buffer);
  });

  it('packTensors writes into the reused buffer when it is large enough', () => {
    const reuse = new ArrayBuffer(packedByteLength(sample, []) + 64);
    const packed = packTensors(sample, [], reuse);
    expect(packed.buffer).toBe(reuse);
    expect(packed.byteLength).toBe(packedByteLength(sample, []));
    expect(unpackTensors(packed.buffer, packed.byteLength).tensors[3]!.name).toBe('名前');
  });

  it('packTensors grows a too-small reused buffer to at least twice its size', () => {
    const small = new ArrayBuffer(align8(packedByteLength(sample, []) - 8));
    const packed = packTensors(sample, [], small);
    expect(packed.buffer).not.toBe(small);
    expect(packed.buffer.byteLength).toBe(Math.max(packed.byteLength, small.byteLength * 2));
  });

  it('packTensors reads tensor data that starts at an unaligned offset of a shared buffer', () => {
    const backing = new Uint8Array(13);
    backing.set(new Uint8Array(new Float32Array([7.5, -1]).buffer), 5);
    const t: Tensor = { name: 'u', datatype: 'FP32', shape: [2], data: backing.subarray(5, 13) };
    const packed = packTensors([t], [], null);
    const out = unpackTensors(packed.buffer, packed.byteLength).tensors[0]!;
    expect(Array.from(new Float32Array(out.data.buffer, out.data.byteOffset, 2))).toEqual([7.5, -1]);
  });

  it('unpackTensors rejects a buffer whose data region is cut short', () => {
    const packed = packTensors(sample, [], null);
    expect(() => unpackTensors(packed.buffer, packed.byteLength - 16)).toThrow(/corrupt packed buffer/);
  });

  it('align8 rounds sizes up to the next multiple of 8', () => {
    expect([0, 1, 7, 8, 9, 2 ** 33 + 1].map(align8)).toEqual([0, 8, 8, 8, 16, 2 ** 33 + 8]);
  });
});
