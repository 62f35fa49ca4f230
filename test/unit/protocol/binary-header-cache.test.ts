import { describe, expect, it } from 'vitest';
import {
  BinaryHeaderCache,
  MAX_CACHED_HEADER_BYTES,
  MAX_CACHED_HEADERS,
} from '../../../src/protocol/binary-header-cache.js';
import { decodeHttpInferRequest, encodeBytesElements } from '../../../src/protocol/index.js';
import { serverErrorOf } from '../../helpers/server-error-of.js';
import { buildBody, bytesOf } from './request-builder.js';

/** A header no other test sends (the cache is module-wide), with two INT32[1,4] binary inputs. */
function uniqueHeader(tag: string) {
  return {
    id: `cache-test-${tag}`,
    inputs: [
      { name: 'A', datatype: 'INT32', shape: [1, 4], parameters: { binary_data_size: 16 } },
      { name: 'B', datatype: 'INT32', shape: [1, 4], parameters: { binary_data_size: 16 } },
    ],
    outputs: [{ name: 'SUM', parameters: { binary_data: true } }],
    parameters: { binary_data_output: true },
  };
}

describe('BinaryHeaderCache in decodeHttpInferRequest', () => {
  it('decodeHttpInferRequest answers a repeated binary header from its cache: shared frozen header parts, per-request data', () => {
    const header = uniqueHeader('repeat');
    const first = buildBody(header, [
      bytesOf(new Int32Array([1, 2, 3, 4])),
      bytesOf(new Int32Array([5, 6, 7, 8])),
    ]);
    const second = buildBody(header, [
      bytesOf(new Int32Array([9, 9, 9, 9])),
      bytesOf(new Int32Array([0, 0, 0, 1])),
    ]);
    const a = decodeHttpInferRequest(first.body, first.headerLength);
    const b = decodeHttpInferRequest(second.body, second.headerLength);
    // The same objects: the second decode did not parse the JSON again.
    expect(b.inputs[0]!.shape).toBe(a.inputs[0]!.shape);
    expect(b.inputs[1]!.parameters).toBe(a.inputs[1]!.parameters);
    expect(b.outputs).toBe(a.outputs);
    expect(b.parameters).toBe(a.parameters);
    expect(Object.isFrozen(a.inputs[0]!.shape)).toBe(true);
    expect(Object.isFrozen(a.outputs)).toBe(true);
    expect(Object.isFrozen(a.outputs![0])).toBe(true);
    // Each request has its own data, a view on its own body.
    expect(Array.from(new Int32Array(a.inputs[0]!.data.slice().buffer))).toEqual([1, 2, 3, 4]);
    expect(Array.from(new Int32Array(b.inputs[0]!.data.slice().buffer))).toEqual([9, 9, 9, 9]);
    expect(Array.from(new Int32Array(b.inputs[1]!.data.slice().buffer))).toEqual([0, 0, 0, 1]);
    expect(b.inputs[1]!.data.buffer).toBe(second.body.buffer);
    expect(b.id).toBe('cache-test-repeat');
    expect(b.binaryDataOutput).toBe(true);
  });

  it('decodeHttpInferRequest still checks every body against a cached header', () => {
    const header = uniqueHeader('checks');
    const good = buildBody(header, [new Uint8Array(16), new Uint8Array(16)]);
    decodeHttpInferRequest(good.body, good.headerLength);
    const short = buildBody(header, [new Uint8Array(16), new Uint8Array(8)]);
    expect(serverErrorOf(() => decodeHttpInferRequest(short.body, short.headerLength)).message).toBe(
      `Input 'B': binary_data_size 16 exceeds the 8 bytes left in the body after byte ${short.headerLength + 16}`,
    );
    const long = buildBody(header, [new Uint8Array(16), new Uint8Array(20)]);
    expect(serverErrorOf(() => decodeHttpInferRequest(long.body, long.headerLength)).message).toBe(
      `Unexpected additional input data: the body has 36 bytes after the ${long.headerLength}-byte JSON header but the inputs' binary_data_size values add up to 32`,
    );
    // And good requests keep working after the bad ones.
    expect(decodeHttpInferRequest(good.body, good.headerLength).inputs).toHaveLength(2);
  });

  it('decodeHttpInferRequest checks the BYTES element count of every body, cached header or not', () => {
    const three = encodeBytesElements(['ab', '', 'c']);
    const two = encodeBytesElements(['ab', 'cd']);
    expect(two.length).toBe(12);
    const padded = new Uint8Array(three.length);
    padded.set(two);
    const header = {
      inputs: [{ name: 'S', datatype: 'BYTES', shape: [3], parameters: { binary_data_size: three.length } }],
    };
    const ok = buildBody(header, [three]);
    expect(decodeHttpInferRequest(ok.body, ok.headerLength).inputs[0]!.data.length).toBe(three.length);
    const bad = buildBody(header, [padded]);
    const err = serverErrorOf(() => decodeHttpInferRequest(bad.body, bad.headerLength));
    expect(err.message).toContain("'S'");
  });

  it('decodeHttpInferRequest does not cache headers with JSON data inputs', () => {
    const header = {
      inputs: [
        { name: 'A', datatype: 'INT32', shape: [2], data: [1, 2] },
        { name: 'B', datatype: 'INT32', shape: [2], parameters: { binary_data_size: 8 } },
      ],
    };
    const body = buildBody(header, [new Uint8Array(8)]);
    const a = decodeHttpInferRequest(body.body, body.headerLength);
    const b = decodeHttpInferRequest(body.body, body.headerLength);
    expect(b.inputs[1]!.shape).not.toBe(a.inputs[1]!.shape);
    expect(Array.from(new Int32Array(b.inputs[0]!.data.slice().buffer))).toEqual([1, 2]);
  });

  it('decodeHttpInferRequest does not cache a header that fails its checks', () => {
    const header = {
      inputs: [{ name: 'A', datatype: 'INT32', shape: [2], parameters: { binary_data_size: 4 } }],
    };
    const body = buildBody(header, [new Uint8Array(4)]);
    const text = "Input 'A': binary_data_size 4 does not match 8 bytes for shape [2] of INT32";
    expect(serverErrorOf(() => decodeHttpInferRequest(body.body, body.headerLength)).message).toBe(text);
    expect(serverErrorOf(() => decodeHttpInferRequest(body.body, body.headerLength)).message).toBe(text);
  });
});

describe('BinaryHeaderCache', () => {
  it('BinaryHeaderCache keys headers by their exact bytes and refuses headers over the size limit', () => {
    const cache = new BinaryHeaderCache<number>();
    const body = new TextEncoder().encode('{"a":1}{"a":2}');
    expect(cache.keyOf(body, 7)).toBe('{"a":1}');
    expect(cache.keyOf(body.subarray(7), 7)).toBe('{"a":2}');
    const bytes = new Uint8Array([0xe2, 0x82, 0xac]);
    expect(cache.keyOf(bytes, 3)).toHaveLength(3);
    expect(cache.keyOf(new Uint8Array(MAX_CACHED_HEADER_BYTES + 1), MAX_CACHED_HEADER_BYTES + 1)).toBeNull();
  });

  it('BinaryHeaderCache.find answers the header seen last by its bytes and any other remembered one by key', () => {
    const cache = new BinaryHeaderCache<string>();
    const enc = (t: string) => new TextEncoder().encode(t);
    const a = enc('{"a":1}<binary>');
    const b = enc('{"b":2}<binary>');
    const sameLengthAsA = enc('{"a":7}<binary>');
    expect(cache.find(a, 7)).toBeUndefined();
    cache.remember(a, 7, 'A');
    expect(cache.find(enc('{"a":1}<other bytes>'), 7)).toBe('A');
    expect(cache.find(sameLengthAsA, 7)).toBeUndefined();
    expect(cache.find(a, 6)).toBeUndefined();
    cache.remember(b, 7, 'B');
    for (let i = 0; i < 3; i++) {
      expect(cache.find(a, 7)).toBe('A');
      expect(cache.find(b, 7)).toBe('B');
      expect(cache.find(a.subarray(0, 7), 7)).toBe('A');
    }
    const long = new Uint8Array(MAX_CACHED_HEADER_BYTES + 1).fill(32);
    cache.remember(long, long.length, 'L');
    expect(cache.find(long, long.length)).toBeUndefined();
    expect(cache.size).toBe(2);
  });

  it('BinaryHeaderCache evicts its oldest entry when full', () => {
    const cache = new BinaryHeaderCache<number>();
    for (let i = 0; i < MAX_CACHED_HEADERS + 3; i++) cache.set(`k${i}`, i);
    expect(cache.size).toBe(MAX_CACHED_HEADERS);
    expect(cache.get('k0')).toBeUndefined();
    expect(cache.get('k2')).toBeUndefined();
    expect(cache.get('k3')).toBe(3);
    expect(cache.get(`k${MAX_CACHED_HEADERS + 2}`)).toBe(MAX_CACHED_HEADERS + 2);
  });
});
