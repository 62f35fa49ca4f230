import { describe, expect, it } from 'vitest';
import {
  bytesElementOffsets,
  checkBytesElementCount,
  countBytesElements,
  decodeBytesElements,
  decodeBytesStrings,
  encodeBytesElements,
  sliceBytesElements,
} from '../../../src/protocol/index.js';
import { serverErrorOf } from '../../helpers/server-error-of.js';

describe('BYTES tensor codec', () => {
  it('encodeBytesElements writes a 4-byte little-endian length before each element', () => {
    const wire = encodeBytesElements(['ab', new Uint8Array([0, 1, 0]), '']);
    expect(Array.from(wire)).toEqual([2, 0, 0, 0, 97, 98, 3, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0]);
  });

  it('encodes strings as UTF-8 and decodes them back, keeping NUL bytes and empty strings', () => {
    const elements = ['', 'a\u0000b', 'héllo', '日本', '\u0000', ''];
    const wire = encodeBytesElements(elements);
    expect(countBytesElements(wire)).toBe(6);
    expect(decodeBytesStrings(wire)).toEqual(elements);
    expect(decodeBytesElements(wire)[2]!.length).toBe(6); // 'héllo' is 6 UTF-8 bytes
  });

  it('decodeBytesElements returns views on the input without copying', () => {
    const wire = encodeBytesElements(['xyz']);
    const [view] = decodeBytesElements(wire);
    expect(view!.buffer).toBe(wire.buffer);
    expect(view!.byteOffset).toBe(4);
  });

  it('decodeBytesStrings replaces invalid UTF-8 with U+FFFD', () => {
    const wire = encodeBytesElements([new Uint8Array([0x61, 0xff, 0x62])]);
    expect(decodeBytesStrings(wire)).toEqual(['a\ufffdb']);
  });

  it('countBytesElements rejects a truncated length prefix naming the element and offset', () => {
    const wire = new Uint8Array([1, 0, 0, 0, 65, 2, 0]);
    const err = serverErrorOf(() => countBytesElements(wire, 'INPUT0'));
    expect(err.code).toBe('ERR_BYTES_TENSOR');
    expect(err.status).toBe('INVALID_ARG');
    expect(err.message).toBe(
      "BYTES tensor 'INPUT0': element 1 has a truncated length prefix at byte 5 (2 of 4 bytes left)",
    );
  });

  it('countBytesElements rejects an element longer than the remaining bytes', () => {
    const wire = new Uint8Array([10, 0, 0, 0, 65, 66]);
    expect(serverErrorOf(() => countBytesElements(wire, 'T')).message).toBe(
      "BYTES tensor 'T': element 0 at byte 0 declares 10 bytes but only 2 remain",
    );
  });

  it('checkBytesElementCount rejects trailing bytes and missing elements with both counts', () => {
    const wire = encodeBytesElements(['a', 'b']);
    expect(() => checkBytesElementCount(wire, 2, 'T')).not.toThrow();
    expect(serverErrorOf(() => checkBytesElementCount(wire, 1, 'T')).message).toBe(
      "BYTES tensor 'T' has 5 trailing bytes after its 1 elements (10 bytes in all)",
    );
    expect(serverErrorOf(() => checkBytesElementCount(wire, 3, 'T')).message).toBe(
      "BYTES tensor 'T' holds 2 elements but its shape needs 3",
    );
  });

  it('sliceBytesElements returns the element range as a view, prefixes included', () => {
    const wire = encodeBytesElements(['a', 'bb', '', 'dddd']);
    expect(decodeBytesStrings(sliceBytesElements(wire, 1, 3))).toEqual(['bb', '']);
    expect(decodeBytesStrings(sliceBytesElements(wire, 0, 4))).toEqual(['a', 'bb', '', 'dddd']);
    expect(sliceBytesElements(wire, 2, 2).length).toBe(0);
    expect(sliceBytesElements(wire, 3, 4).buffer).toBe(wire.buffer);
    expect(serverErrorOf(() => sliceBytesElements(wire, 2, 6, 'T')).message).toBe(
      "BYTES tensor 'T': cannot slice elements [2, 6): it holds only 4 elements",
    );
  });

  it('bytesElementOffsets gives element boundaries for O(1) slicing', () => {
    const wire = encodeBytesElements(['a', 'bb', '']);
    expect(bytesElementOffsets(wire)).toEqual([0, 5, 11, 15]);
  });
});
