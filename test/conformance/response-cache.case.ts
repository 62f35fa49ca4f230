/**
 * The conformance suite every ResponseCache implementation runs (local LRU, Redis): lookups of
 * unknown keys, round trips of ordinary and decoupled entries with every parameter kind,
 * replacement, isolation of keys, ownership of the stored bytes, statistics and close. Call
 * `responseCacheConformance(name, open)` from a test file; `open` builds a fresh empty cache.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  buildEntry,
  type CachedResponse,
  type CacheEntry,
  type ResponseCache,
} from '../../src/core/cache/index.js';
import type { Tensor } from '../../src/protocol/tensor.js';

/** Builds a fresh, empty cache; `dispose` (optional) runs after the cache is closed. */
export type OpenCache = () => Promise<{ cache: ResponseCache; dispose?: () => Promise<void> }>;

function int32Tensor(name: string, shape: number[], values: number[]): Tensor {
  return { name, datatype: 'INT32', shape, data: new Uint8Array(new Int32Array(values).buffer) };
}

function bytesTensor(name: string, values: string[]): Tensor {
  const parts = values.map((v) => Buffer.from(v));
  const out = Buffer.alloc(parts.reduce((n, p) => n + 4 + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.writeUInt32LE(p.length, o);
    p.copy(out, o + 4);
    o += 4 + p.length;
  }
  return { name, datatype: 'BYTES', shape: [values.length], data: new Uint8Array(out) };
}

function single(...outputs: Tensor[]): CacheEntry {
  return buildEntry([{ outputs, parameters: null, final: true }]);
}

/** Plain JSON view of an entry for deep comparison (bytes as arrays). */
function plain(entry: CacheEntry | null): unknown {
  if (entry === null) return null;
  return entry.responses.map((r: CachedResponse) => ({
    final: r.final,
    parameters: r.parameters,
    outputs:
      r.outputs === null
        ? null
        : r.outputs.map((t) => ({
            name: t.name,
            datatype: t.datatype,
            shape: [...t.shape],
            data: [...t.data],
          })),
  }));
}

/** Registers the conformance tests for one implementation. */
export function responseCacheConformance(implementation: string, open: OpenCache): void {
  describe(`${implementation} response cache conformance`, () => {
    let opened: { cache: ResponseCache; dispose?: () => Promise<void> } | null = null;
    const fresh = async (): Promise<ResponseCache> => {
      opened = await open();
      return opened.cache;
    };
    afterEach(async () => {
      if (opened === null) return;
      await opened.cache.close();
      await opened.dispose?.();
      opened = null;
    });

    it(`${implementation} cache answers null for a key it never stored`, async () => {
      const cache = await fresh();
      expect(await cache.lookup('0'.repeat(32))).toBeNull();
    });

    it(`${implementation} cache returns the outputs it stored: names, datatypes, shapes and bytes`, async () => {
      const cache = await fresh();
      const entry = single(int32Tensor('OUT0', [1, 3], [1, -2, 3]), bytesTensor('OUT1', ['a', 'héllo']));
      expect(cache.insert('k1', entry)).toBe(true);
      await cache.flush();
      const found = await cache.lookup('k1');
      expect(plain(found)).toEqual(plain(entry));
      expect(found!.byteSize).toBe(entry.byteSize);
    });

    it(`${implementation} cache keeps a decoupled stream in order with its final flag and empty responses`, async () => {
      const cache = await fresh();
      const stream = buildEntry([
        { outputs: [int32Tensor('OUT', [1], [10])], parameters: null, final: false },
        { outputs: [int32Tensor('OUT', [1], [11])], parameters: null, final: false },
        { outputs: [int32Tensor('OUT', [0], [])], parameters: null, final: false },
        { outputs: null, parameters: null, final: true },
      ]);
      cache.insert('stream', stream);
      await cache.flush();
      expect(plain(await cache.lookup('stream'))).toEqual(plain(stream));
    });

    it(`${implementation} cache keeps response parameters of every kind`, async () => {
      const cache = await fresh();
      const entry = buildEntry([
        {
          outputs: [int32Tensor('OUT', [1], [1])],
          parameters: { text: 'x,y', count: 2.5, flag: true, big: 2n ** 40n },
          final: true,
        },
      ]);
      cache.insert('params', entry);
      await cache.flush();
      const found = await cache.lookup('params');
      expect(found!.responses[0]!.parameters).toEqual({
        text: 'x,y',
        count: 2.5,
        flag: true,
        big: 2n ** 40n,
      });
    });

    it(`${implementation} cache replaces the entry of a key stored twice`, async () => {
      const cache = await fresh();
      cache.insert('k', single(int32Tensor('OUT', [1], [1])));
      cache.insert('k', single(int32Tensor('OUT', [2], [7, 8])));
      await cache.flush();
      const found = await cache.lookup('k');
      expect(plain(found)).toEqual(plain(single(int32Tensor('OUT', [2], [7, 8]))));
    });

    it(`${implementation} cache keeps entries of different keys apart`, async () => {
      const cache = await fresh();
      cache.insert('a', single(int32Tensor('OUT', [1], [1])));
      cache.insert('b', single(int32Tensor('OUT', [1], [2])));
      await cache.flush();
      expect([...(await cache.lookup('a'))!.responses[0]!.outputs![0]!.data]).toEqual([1, 0, 0, 0]);
      expect([...(await cache.lookup('b'))!.responses[0]!.outputs![0]!.data]).toEqual([2, 0, 0, 0]);
    });

    it(`${implementation} cache does not see later writes to the buffers it was given`, async () => {
      const cache = await fresh();
      const source = new Int32Array([5, 6, 7, 8]);
      const view: Tensor = {
        name: 'OUT',
        datatype: 'INT32',
        shape: [2],
        data: new Uint8Array(source.buffer, 4, 8),
      };
      cache.insert('owned', single(view));
      await cache.flush();
      source.fill(0);
      const found = await cache.lookup('owned');
      const out = found!.responses[0]!.outputs![0]!;
      expect([...new Int32Array(out.data.buffer, out.data.byteOffset, 2)]).toEqual([6, 7]);
    });

    it(`${implementation} cache counts lookups, hits, misses and inserts`, async () => {
      const cache = await fresh();
      cache.insert('x', single(int32Tensor('OUT', [1], [1])));
      await cache.flush();
      await cache.lookup('x');
      await cache.lookup('x');
      await cache.lookup('y');
      const stats = cache.stats();
      expect(stats).toMatchObject({ lookups: 3, hits: 2, misses: 1, inserts: 1, errors: 0 });
    });

    it(`${implementation} cache misses every lookup after it is closed`, async () => {
      const cache = await fresh();
      cache.insert('z', single(int32Tensor('OUT', [1], [1])));
      await cache.flush();
      await cache.close();
      expect(await cache.lookup('z')).toBeNull();
    });
  });
}
