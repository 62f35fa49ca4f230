/**
 * LocalLruCache: the conformance suite, plus what only the local cache does — eviction by bytes in
 * least-recently-used order, recency refreshed by hits, refusal of entries larger than the whole
 * cache, and byte accounting of replaced entries.
 */
import { describe, expect, it } from 'vitest';
import { ServerError } from '../../../src/common/errors.js';
import { buildEntry, type CacheEntry, LocalLruCache } from '../../../src/core/cache/index.js';
import { responseCacheConformance } from '../../conformance/response-cache.case.js';

responseCacheConformance('local', async () => ({ cache: new LocalLruCache({ sizeBytes: 1 << 20 }) }));

/** An entry of one INT32 output with `elements` elements (its byteSize grows with it). */
function entryOf(elements: number, fill = 1): CacheEntry {
  const data = new Uint8Array(new Int32Array(elements).fill(fill).buffer);
  return buildEntry([
    { outputs: [{ name: 'OUT', datatype: 'INT32', shape: [elements], data }], parameters: null, final: true },
  ]);
}

describe('LocalLruCache', () => {
  it('LocalLruCache evicts the least recently used entries when the bytes exceed its size', () => {
    const size = entryOf(16).byteSize;
    const cache = new LocalLruCache({ sizeBytes: size * 3 });
    cache.insert('a', entryOf(16));
    cache.insert('b', entryOf(16));
    cache.insert('c', entryOf(16));
    expect(cache.stats()).toMatchObject({ entries: 3, bytes: size * 3, evictions: 0 });
    cache.insert('d', entryOf(16));
    expect(cache.has('a')).toBe(false);
    expect(cache.keys()).toEqual(['d', 'c', 'b']);
    expect(cache.stats()).toMatchObject({ entries: 3, bytes: size * 3, evictions: 1 });
  });

  it('LocalLruCache keeps an entry that was just hit and evicts the next oldest instead', () => {
    const size = entryOf(16).byteSize;
    const cache = new LocalLruCache({ sizeBytes: size * 2 });
    cache.insert('a', entryOf(16));
    cache.insert('b', entryOf(16));
    expect(cache.lookup('a')).not.toBeNull();
    cache.insert('c', entryOf(16));
    expect(cache.keys()).toEqual(['c', 'a']);
    expect(cache.lookup('b')).toBeNull();
  });

  it('LocalLruCache evicts as many small entries as a large one needs', () => {
    const small = entryOf(4).byteSize;
    const large = entryOf(64);
    const cache = new LocalLruCache({ sizeBytes: large.byteSize + small });
    for (const k of ['a', 'b', 'c', 'd', 'e']) cache.insert(k, entryOf(4));
    cache.insert('big', large);
    expect(cache.keys()[0]).toBe('big');
    expect(cache.stats().bytes!).toBeLessThanOrEqual(large.byteSize + small);
    expect(cache.stats().entries).toBe(2);
  });

  it('LocalLruCache refuses an entry larger than its whole size and keeps what it holds', () => {
    const cache = new LocalLruCache({ sizeBytes: entryOf(8).byteSize });
    cache.insert('a', entryOf(8));
    expect(cache.insert('huge', entryOf(1000))).toBe(false);
    expect(cache.keys()).toEqual(['a']);
  });

  it('LocalLruCache accounts the bytes of a replaced entry once', () => {
    const cache = new LocalLruCache({ sizeBytes: 1 << 20 });
    cache.insert('a', entryOf(100));
    cache.insert('a', entryOf(10));
    expect(cache.stats()).toMatchObject({ entries: 1, bytes: entryOf(10).byteSize });
  });

  it('LocalLruCache returns the stored entry itself on every hit (no copy per hit)', () => {
    const cache = new LocalLruCache({ sizeBytes: 1 << 20 });
    cache.insert('a', entryOf(8));
    const first = cache.lookup('a');
    expect(cache.lookup('a')).toBe(first);
  });

  it('LocalLruCache reports its utilisation as bytes over capacity', () => {
    const entry = entryOf(8);
    const cache = new LocalLruCache({ sizeBytes: entry.byteSize * 4 });
    cache.insert('a', entry);
    const stats = cache.stats();
    expect(stats.bytes! / stats.capacityBytes!).toBeCloseTo(0.25);
  });

  it('LocalLruCache rejects a size that is not a positive integer', () => {
    expect(() => new LocalLruCache({ sizeBytes: 0 })).toThrow(ServerError);
    expect(() => new LocalLruCache({ sizeBytes: 1.5 })).toThrow('received 1.5');
  });
});
