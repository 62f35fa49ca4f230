/**
 * The BYTES tensor wire form: elements row-major, each a 4-byte little-endian unsigned length
 * followed by that many bytes (the binary extension, gRPC raw contents, shm and warmup files all
 * use it). Encodes strings / byte arrays, decodes to views or strings, validates and counts
 * elements, and slices element ranges (to split a batched BYTES tensor per request).
 * Decoding never copies: returned Uint8Arrays are views on the input.
 */
import { invalidArg } from '../common/errors.js';
import { ProtocolErrorCode } from './error-codes.js';

const UTF8 = new TextEncoder();
const UTF8_LENIENT = new TextDecoder('utf-8');

function readU32(data: Uint8Array, pos: number): number {
  return (data[pos]! | (data[pos + 1]! << 8) | (data[pos + 2]! << 16) | (data[pos + 3]! << 24)) >>> 0;
}

function writeU32(data: Uint8Array, pos: number, value: number): void {
  data[pos] = value & 0xff;
  data[pos + 1] = (value >>> 8) & 0xff;
  data[pos + 2] = (value >>> 16) & 0xff;
  data[pos + 3] = (value >>> 24) & 0xff;
}

/** Encodes elements (strings as UTF-8, byte arrays as is) into the BYTES wire form. */
export function encodeBytesElements(elements: readonly (string | Uint8Array)[]): Uint8Array {
  const encoded: Uint8Array[] = new Array(elements.length);
  let total = 0;
  for (let i = 0; i < elements.length; i++) {
    const e = elements[i]!;
    const bytes = typeof e === 'string' ? UTF8.encode(e) : e;
    encoded[i] = bytes;
    total += 4 + bytes.length;
  }
  const out = new Uint8Array(total);
  let pos = 0;
  for (let i = 0; i < encoded.length; i++) {
    const bytes = encoded[i]!;
    writeU32(out, pos, bytes.length);
    out.set(bytes, pos + 4);
    pos += 4 + bytes.length;
  }
  return out;
}

function truncatedError(tensorName: string, index: number, pos: number, size: number) {
  return invalidArg(
    ProtocolErrorCode.BYTES_TENSOR,
    `BYTES tensor '${tensorName}': element ${index} has a truncated length prefix at byte ${pos} (${size - pos} of 4 bytes left)`,
  );
}

function overrunError(tensorName: string, index: number, pos: number, length: number, size: number) {
  return invalidArg(
    ProtocolErrorCode.BYTES_TENSOR,
    `BYTES tensor '${tensorName}': element ${index} at byte ${pos} declares ${length} bytes but only ${size - pos - 4} remain`,
  );
}

/**
 * Counts the elements of BYTES wire data, checking that every length prefix is complete and
 * every element fits. Throws INVALID_ARG (ERR_BYTES_TENSOR) naming the element and byte offset.
 */
export function countBytesElements(data: Uint8Array, tensorName = 'BYTES'): number {
  const size = data.length;
  let pos = 0;
  let count = 0;
  while (pos < size) {
    if (pos + 4 > size) throw truncatedError(tensorName, count, pos, size);
    const len = readU32(data, pos);
    if (pos + 4 + len > size) throw overrunError(tensorName, count, pos, len, size);
    pos += 4 + len;
    count++;
  }
  return count;
}

/**
 * Checks that BYTES wire data holds exactly `expected` well-formed elements and nothing after
 * them. Throws INVALID_ARG (ERR_BYTES_TENSOR) naming both counts or the trailing byte count.
 */
export function checkBytesElementCount(data: Uint8Array, expected: number, tensorName = 'BYTES'): void {
  const size = data.length;
  let pos = 0;
  for (let i = 0; i < expected; i++) {
    if (pos >= size) {
      throw invalidArg(
        ProtocolErrorCode.BYTES_TENSOR,
        `BYTES tensor '${tensorName}' holds ${i} elements but its shape needs ${expected}`,
      );
    }
    if (pos + 4 > size) throw truncatedError(tensorName, i, pos, size);
    const len = readU32(data, pos);
    if (pos + 4 + len > size) throw overrunError(tensorName, i, pos, len, size);
    pos += 4 + len;
  }
  if (pos !== size) {
    throw invalidArg(
      ProtocolErrorCode.BYTES_TENSOR,
      `BYTES tensor '${tensorName}' has ${size - pos} trailing bytes after its ${expected} elements (${size} bytes in all)`,
    );
  }
}

/**
 * Byte offsets of each element start plus the end: `offsets[i]..offsets[i+1]` is element i with
 * its 4-byte prefix. Validates like countBytesElements. Use it to slice many ranges in O(1) each.
 */
export function bytesElementOffsets(data: Uint8Array, tensorName = 'BYTES'): number[] {
  const offsets: number[] = [0];
  const size = data.length;
  let pos = 0;
  while (pos < size) {
    if (pos + 4 > size) throw truncatedError(tensorName, offsets.length - 1, pos, size);
    const len = readU32(data, pos);
    if (pos + 4 + len > size) throw overrunError(tensorName, offsets.length - 1, pos, len, size);
    pos += 4 + len;
    offsets.push(pos);
  }
  return offsets;
}

/**
 * A view on elements [start, end) of BYTES wire data (prefixes included), for splitting a batched
 * tensor per request. Walks from the start; with many slices use bytesElementOffsets instead.
 */
export function sliceBytesElements(
  data: Uint8Array,
  start: number,
  end: number,
  tensorName = 'BYTES',
): Uint8Array {
  const size = data.length;
  let pos = 0;
  let begin = 0;
  for (let i = 0; i < end; i++) {
    if (i === start) begin = pos;
    if (pos + 4 > size) {
      throw invalidArg(
        ProtocolErrorCode.BYTES_TENSOR,
        `BYTES tensor '${tensorName}': cannot slice elements [${start}, ${end}): it holds only ${i} elements`,
      );
    }
    const len = readU32(data, pos);
    if (pos + 4 + len > size) throw overrunError(tensorName, i, pos, len, size);
    pos += 4 + len;
  }
  if (start >= end) begin = pos;
  return data.subarray(begin, pos);
}

/** Decodes BYTES wire data into views on each element's bytes (no copy). Validates like countBytesElements. */
export function decodeBytesElements(data: Uint8Array, tensorName = 'BYTES'): Uint8Array[] {
  const out: Uint8Array[] = [];
  const size = data.length;
  let pos = 0;
  while (pos < size) {
    if (pos + 4 > size) throw truncatedError(tensorName, out.length, pos, size);
    const len = readU32(data, pos);
    if (pos + 4 + len > size) throw overrunError(tensorName, out.length, pos, len, size);
    out.push(data.subarray(pos + 4, pos + 4 + len));
    pos += 4 + len;
  }
  return out;
}

/** Decodes BYTES wire data into strings; invalid UTF-8 becomes U+FFFD (use decodeBytesElements for raw bytes). */
export function decodeBytesStrings(data: Uint8Array, tensorName = 'BYTES'): string[] {
  const views = decodeBytesElements(data, tensorName);
  const out: string[] = new Array(views.length);
  for (let i = 0; i < views.length; i++) out[i] = UTF8_LENIENT.decode(views[i]!);
  return out;
}
