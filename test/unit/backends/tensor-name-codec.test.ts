import { describe, expect, it } from 'vitest';
import { MAX_CACHED_NAMES, TensorNameCodec } from '../../../src/backends/tensor-name-codec.js';
import { packedByteLength, packTensors, unpackTensors } from '../../../src/backends/worker-protocol.js';

describe('TensorNameCodec', () => {
  it('TensorNameCodec round-trips ASCII and non-ASCII names at any offset', () => {
    const codec = new TensorNameCodec();
    for (const name of ['INPUT0', 'logits', 'входные_данные', 'é', '名前', '']) {
      const bytes = codec.encode(name);
      expect(Array.from(bytes)).toEqual(Array.from(new TextEncoder().encode(name)));
      const framed = new Uint8Array(bytes.length + 7);
      framed.set(bytes, 5);
      expect(codec.decode(framed, 5, bytes.length)).toBe(name);
      expect(codec.decode(framed, 5, bytes.length)).toBe(name); // from the cache
    }
  });

  it('TensorNameCodec hands out the same encoded bytes for a cached name', () => {
    const codec = new TensorNameCodec();
    expect(codec.encode('OUTPUT0')).toBe(codec.encode('OUTPUT0'));
  });

  it('TensorNameCodec tells apart cached names of equal length that differ in one byte', () => {
    const codec = new TensorNameCodec();
    const zero = new TextEncoder().encode('INPUT0');
    const one = new TextEncoder().encode('INPUT1');
    expect(codec.decode(zero, 0, zero.length)).toBe('INPUT0');
    expect(codec.decode(one, 0, one.length)).toBe('INPUT1');
    expect(codec.decode(zero, 0, zero.length)).toBe('INPUT0');
    // A prefix of a cached name is another name.
    expect(codec.decode(zero, 0, 5)).toBe('INPUT');
  });

  it('TensorNameCodec stays correct past MAX_CACHED_NAMES names', () => {
    const codec = new TensorNameCodec();
    const names = Array.from({ length: MAX_CACHED_NAMES * 3 }, (_, i) => `t_${i}`);
    for (let round = 0; round < 2; round++) {
      for (const name of names) {
        const bytes = codec.encode(name);
        expect(codec.decode(bytes, 0, bytes.length)).toBe(name);
      }
    }
  });

  it('packTensors and unpackTensors keep names through the codec, and a name past the end is refused', () => {
    const data = new Uint8Array(new Int32Array([1, 2, 3, 4]).buffer);
    const inputs = [{ name: 'INPUT0', datatype: 'INT32' as const, shape: [1, 4], data }];
    const packed = packTensors(inputs, ['OUTPUT0', 'выход'], null);
    expect(packed.byteLength).toBe(packedByteLength(inputs, ['OUTPUT0', 'выход']));
    const { tensors, names } = unpackTensors(packed.buffer, packed.byteLength);
    expect(tensors.map((t) => t.name)).toEqual(['INPUT0']);
    expect(names).toEqual(['OUTPUT0', 'выход']);
    // Corrupt the first tensor's name length so it runs past the buffer.
    new DataView(packed.buffer).setUint32(8 + 4, 1 << 20, true);
    expect(() => unpackTensors(packed.buffer, packed.byteLength)).toThrow(/corrupt packed buffer/);
  });
});
