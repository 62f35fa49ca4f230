/**
 * Turns the bytes of one input's JSON `data` array (a span of the request body, see
 * json-data-spans.ts) straight into its tensor's typed array: flat or nested, numbers read by
 * JsonNumberReader (true/false for BOOL), no JS array and no string per element.
 *
 * It accepts only what the JSON.parse path (jsonDataToWire) accepts, with the same bytes out. For
 * anything else (bad grammar, wrong element count, a fraction or an out-of-range value for an
 * integer type, FP16/BF16/BYTES) it returns null and the caller decodes the whole body the
 * JSON.parse way, which gives the error: so this file has no error messages of its own.
 */
import type { DataType } from './datatypes.js';
import { TYPED_ARRAY } from './datatypes.js';
import { JsonNumberReader } from './json-number-reader.js';
import {
  JSON_LEAF_RULES,
  KIND_BIGINT,
  KIND_BOOL,
  KIND_FLOAT,
  KIND_INT,
  MAX_JSON_DATA_DEPTH,
} from './json-tensor-data.js';
import { typedArrayBytes } from './typed-view.js';

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Whether `bytes[p..]` spells `word` (ASCII). */
function spells(bytes: Uint8Array, p: number, word: string): boolean {
  for (let i = 0; i < word.length; i++) if (bytes[p + i] !== word.charCodeAt(i)) return false;
  return true;
}

/**
 * The wire bytes of the JSON array `bytes[start..end)` (`[` … `]`) as `expected` elements of
 * `datatype`, exactly as jsonDataToWire would write them; null where jsonDataToWire would throw
 * or where this reader does not go (the caller then takes the JSON.parse path).
 */
export function jsonSpanToWire(
  bytes: Uint8Array,
  start: number,
  end: number,
  datatype: DataType,
  expected: number,
): Uint8Array | null {
  const rule = JSON_LEAF_RULES[datatype];
  // Each element takes at least two bytes of the span: more elements than that cannot be there.
  if (
    rule === undefined ||
    datatype === 'BYTES' ||
    !(expected <= (end - start) / 2) ||
    bytes[end - 1] !== 0x5d
  )
    return null;
  const kind = rule.kind;
  const min = rule.min;
  const max = rule.max;
  const typed = new TYPED_ARRAY[datatype](expected);
  const out = typed as { [i: number]: number | bigint };
  const reader = new JsonNumberReader();
  let p = start;
  let depth = 0;
  let count = 0;
  for (;;) {
    // A value is expected at p.
    let c = bytes[p]!;
    while (isWhitespace(c)) c = bytes[++p]!;
    if (c === 0x5b) {
      if (++depth > MAX_JSON_DATA_DEPTH) return null;
      c = bytes[++p]!;
      while (isWhitespace(c)) c = bytes[++p]!;
      if (c !== 0x5d) continue;
      // An empty array: its `]` is handled below.
    } else {
      if (count === expected) return null;
      if (kind === KIND_FLOAT) {
        p = reader.read(bytes, p);
        if (p < 0) return null;
        out[count++] = reader.value;
      } else if (kind === KIND_BOOL) {
        if (c === 0x74 && spells(bytes, p, 'true')) {
          out[count++] = 1;
          p += 4;
        } else if (c === 0x66 && spells(bytes, p, 'false')) {
          out[count++] = 0;
          p += 5;
        } else {
          return null;
        }
      } else {
        p = reader.read(bytes, p);
        if (p < 0) return null;
        const v = reader.value;
        if (!Number.isInteger(v) || v < min) return null;
        if (kind === KIND_INT) {
          if (v > max) return null;
          out[count++] = v;
        } else if (kind === KIND_BIGINT) {
          if (v >= max) return null;
          out[count++] = BigInt(v);
        }
      }
      c = bytes[p]!;
      while (isWhitespace(c)) c = bytes[++p]!;
    }
    // After a value, or at the `]` of an empty array: `,` goes on, `]` closes.
    for (;;) {
      if (c === 0x2c) {
        p++;
        break;
      }
      if (c !== 0x5d) return null;
      p++;
      if (--depth === 0) return p === end && count === expected ? typedArrayBytes(typed) : null;
      c = bytes[p]!;
      while (isWhitespace(c)) c = bytes[++p]!;
    }
  }
}
