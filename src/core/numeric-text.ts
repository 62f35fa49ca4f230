/**
 * Checks the elements of a BYTES tensor that a model parses into numbers (see
 * `TensorMetadata.numericText`), on the wire bytes, without building strings: an element is
 * refused only where C's `strtoll` / `strtod` (what ONNX Runtime's Cast calls) would fail, so
 * nothing the model accepts today is refused. Only models that have such an input pay for it.
 */
import type { NumericText } from '../config/index.js';

/** The first element that is not numeric text: its index and its text (cut at 40 bytes). */
export interface NonNumericElement {
  /** Element index in the flattened tensor. */
  readonly index: number;
  /** The element as text, for the error message. */
  readonly text: string;
}

const INT64_MAX_DIGITS = '9223372036854775807';
const INT64_MIN_DIGITS = '9223372036854775808';

function isSpace(b: number): boolean {
  return b === 0x20 || (b >= 0x09 && b <= 0x0d);
}

function isDigit(b: number): boolean {
  return b >= 0x30 && b <= 0x39;
}

/** Whether bytes [start, end) read as `strtoll` would read them without an error. */
function integerOk(data: Uint8Array, start: number, end: number): boolean {
  let i = start;
  while (i < end && isSpace(data[i]!)) i++;
  let negative = false;
  if (i < end && (data[i] === 0x2b || data[i] === 0x2d)) negative = data[i++] === 0x2d;
  while (i < end && data[i] === 0x30 && i + 1 < end && isDigit(data[i + 1]!)) i++; // leading zeros
  const first = i;
  while (i < end && isDigit(data[i]!)) i++;
  const digits = i - first;
  if (digits === 0) return false;
  if (digits < 19) return true;
  if (digits > 19) return false;
  const limit = negative ? INT64_MIN_DIGITS : INT64_MAX_DIGITS;
  for (let k = 0; k < 19; k++) {
    const d = data[first + k]! - 0x30;
    const l = limit.charCodeAt(k) - 0x30;
    if (d !== l) return d < l;
  }
  return true;
}

/** Whether bytes [start, end) read as `strtod` would read them without an error (no overflow). */
function floatOk(data: Uint8Array, start: number, end: number): boolean {
  let i = start;
  while (i < end && isSpace(data[i]!)) i++;
  if (i < end && (data[i] === 0x2b || data[i] === 0x2d)) i++;
  if (i >= end) return false;
  const b = data[i]!;
  const lower = b | 0x20;
  if (lower === 0x69 || lower === 0x6e) {
    const word = Buffer.from(data.buffer, data.byteOffset + i, Math.min(3, end - i)).toString('latin1');
    return /^(inf|nan)$/i.test(word);
  }
  if (!isDigit(b) && !(b === 0x2e && i + 1 < end && isDigit(data[i + 1]!))) return false;
  // strtod reports overflow (1e999) as an error; parseFloat reads the same prefix.
  const text = Buffer.from(data.buffer, data.byteOffset + start, end - start).toString('latin1');
  return Number.isFinite(Number.parseFloat(text.trim())) || /^\s*[+-]?0[xX]/.test(text);
}

/**
 * The first element of `data` (BYTES wire form: 4-byte little-endian length, then the bytes) that
 * `rule` refuses, or null when all pass. A malformed buffer is left to the codecs' own checks.
 */
export function firstNonNumericElement(data: Uint8Array, rule: NumericText): NonNumericElement | null {
  const check = rule === 'integer' ? integerOk : floatOk;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let pos = 0;
  for (let index = 0; pos + 4 <= data.length; index++) {
    const length = view.getUint32(pos, true);
    const start = pos + 4;
    const end = start + length;
    if (end > data.length) return null;
    if (!check(data, start, end)) {
      const shown = Buffer.from(data.buffer, data.byteOffset + start, Math.min(length, 40)).toString('utf8');
      return { index, text: length > 40 ? `${shown}...` : shown };
    }
    pos = end;
  }
  return null;
}
