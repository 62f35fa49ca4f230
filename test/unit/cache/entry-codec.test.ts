/**
 * The cache entry codec: byte-exact round trips of every datatype, decoupled streams and
 * parameters; the measured size equals the encoded length; decoded tensor data are 8-byte aligned
 * views; corrupt or foreign bytes are refused with ERR_CACHE_ENTRY.
 */
import { describe, expect, it } from 'vitest';
import { ServerError } from '../../../src/common/errors.js';
import { buildEntry, compactEntry, decodeEntry, encodeEntry } from '../../../src/core/cache/index.js';
import { DATATYPES } from '../../../src/protocol/datatypes.js';
import type { Tensor } from '../../../src/protocol/tensor.js';

function tensorOf(i: number): Tensor {
  const datatype = DATATYPES[i % DATATYPES.length]!;
  const data = new Uint8Array(3 + i).map((_, j) => (j * 7 + i) & 0xff);
  return { name: `OUT_${datatype}_${i}`, datatype, shape: [1, 3 + i], data };
}

describe('entry codec', () => {
  it('encodeEntry and decodeEntry round-trip outputs of every datatype byte for byte', () => {
    const outputs = DATATYPES.map((_, i) => tensorOf(i));
    const entry = buildEntry([{ outputs, parameters: null, final: true }]);
    const decoded = decodeEntry(encodeEntry(entry));
    const got = decoded.responses[0]!.outputs!;
    expect(got.map((t) => [t.name, t.datatype, t.shape])).toEqual(
      outputs.map((t) => [t.name, t.datatype, t.shape]),
    );
    for (let i = 0; i < got.length; i++)
      expect(Buffer.from(got[i]!.data).equals(Buffer.from(outputs[i]!.data))).toBe(true);
  });

  it('measureResponses gives exactly the encoded length', () => {
    const entry = buildEntry([
      { outputs: [tensorOf(1), tensorOf(2)], parameters: { s: 'ü', n: 1 }, final: false },
      { outputs: null, parameters: null, final: true },
    ]);
    expect(encodeEntry(entry).length).toBe(entry.byteSize);
  });

  it('decodeEntry gives 8-byte aligned views even from an unaligned buffer', () => {
    const encoded = encodeEntry(
      buildEntry([{ outputs: [tensorOf(3), tensorOf(5)], parameters: null, final: true }]),
    );
    const shifted = new Uint8Array(encoded.length + 3);
    shifted.set(encoded, 3);
    const decoded = decodeEntry(shifted.subarray(3));
    for (const t of decoded.responses[0]!.outputs!) expect(t.data.byteOffset % 8).toBe(0);
  });

  it('decodeEntry keeps the order, final flags and empty responses of a stream', () => {
    const entry = buildEntry([
      { outputs: [tensorOf(0)], parameters: null, final: false },
      { outputs: [], parameters: { triton_final_response: false }, final: false },
      { outputs: null, parameters: null, final: true },
    ]);
    const decoded = decodeEntry(encodeEntry(entry));
    expect(decoded.responses.map((r) => [r.outputs?.length ?? null, r.final, r.parameters])).toEqual([
      [1, false, null],
      [0, false, { triton_final_response: false }],
      [null, true, null],
    ]);
  });

  it('decodeEntry refuses bytes that are not an entry, a truncated entry and another format version', () => {
    const good = encodeEntry(buildEntry([{ outputs: [tensorOf(4)], parameters: null, final: true }]));
    const version = Buffer.from(good);
    version[3] = 99;
    for (const bad of [Buffer.from('hello world'), good.subarray(0, good.length - 2), version]) {
      try {
        decodeEntry(bad);
        expect.unreachable();
      } catch (err) {
        expect(err).toBeInstanceOf(ServerError);
        expect((err as ServerError).code).toBe('ERR_CACHE_ENTRY');
      }
    }
  });

  it('compactEntry copies every tensor into one buffer the entry owns', () => {
    const source = new Uint8Array(64).fill(9);
    const entry = buildEntry([
      {
        outputs: [
          { name: 'A', datatype: 'UINT8', shape: [3], data: source.subarray(1, 4) },
          { name: 'B', datatype: 'UINT8', shape: [5], data: source.subarray(10, 15) },
        ],
        parameters: null,
        final: true,
      },
    ]);
    const owned = compactEntry(entry);
    const [a, b] = owned.responses[0]!.outputs!;
    expect(a!.data.buffer).toBe(b!.data.buffer);
    expect(a!.data.buffer).not.toBe(source.buffer);
    expect(owned.byteSize).toBe(entry.byteSize);
  });
});
