/**
 * JSON tensor `data` ↔ wire bytes, both directions, for every datatype.
 *
 * Requests: `data` may be flat or nested (flattened row-major); its element count must equal the
 * shape's product; integers must be integral and in range for their type; BOOL takes true/false;
 * BYTES takes JSON strings (UTF-8 encoded); FP16/BF16 are refused as Triton refuses them.
 * INT64/UINT64 limit: JSON.parse reads every number as a float64, so integers beyond ±2^53 arrive
 * already rounded to the nearest float64 (e.g. 9007199254740993 becomes ...992); values are stored
 * exactly as parsed, and values outside the type's range are refused. Send them binary to be exact.
 *
 * Responses: written straight to JSON text (typed-array join; no per-element arrays). INT64/UINT64
 * are exact (BigInt); FP32/FP64 use JS's shortest round-trip form, which is rapidjson's output
 * except that integral values print as `1` (Triton: `1.0`) and large exponents as `1e+21`
 * (Triton: `1e21`); NaN / Infinity / -Infinity are written bare as Triton writes them. BYTES are
 * written as JSON strings; invalid UTF-8 is replaced by U+FFFD (Triton copies raw bytes, making
 * the JSON itself invalid UTF-8): clients needing exact bytes should ask for binary output.
 */
import { internal, invalidArg } from '../common/index.js';
import { checkBytesElementCount, encodeBytesElements } from './bytes-tensor.js';
import type { DataType } from './datatypes.js';
import { ELEMENT_BYTES, TYPED_ARRAY } from './datatypes.js';
import { ProtocolErrorCode } from './error-codes.js';
import { nonFiniteFromSentinel } from './json-header.js';
import { elementCount } from './tensor.js';
import { typedArrayBytes, viewAsTypedArray } from './typed-view.js';

/** Leaf kinds of JSON tensor data: true/false, integer (range-checked), 64-bit integer, float. */
export const KIND_BOOL = 0;
export const KIND_INT = 1;
export const KIND_BIGINT = 2;
export const KIND_FLOAT = 3;

/** A datatype's leaf rule: kind and inclusive integer range (exclusive upper bound for 64-bit). */
export interface JsonLeafRule {
  readonly kind: number;
  readonly min: number;
  readonly max: number;
}

/** Leaf rules of every datatype JSON `data` may carry (not FP16/BF16/BYTES). */
export const JSON_LEAF_RULES: Readonly<Record<string, JsonLeafRule>> = {
  BOOL: { kind: KIND_BOOL, min: 0, max: 1 },
  UINT8: { kind: KIND_INT, min: 0, max: 255 },
  UINT16: { kind: KIND_INT, min: 0, max: 65535 },
  UINT32: { kind: KIND_INT, min: 0, max: 4294967295 },
  UINT64: { kind: KIND_BIGINT, min: 0, max: 2 ** 64 },
  INT8: { kind: KIND_INT, min: -128, max: 127 },
  INT16: { kind: KIND_INT, min: -32768, max: 32767 },
  INT32: { kind: KIND_INT, min: -2147483648, max: 2147483647 },
  INT64: { kind: KIND_BIGINT, min: -(2 ** 63), max: 2 ** 63 },
  FP32: { kind: KIND_FLOAT, min: 0, max: 0 },
  FP64: { kind: KIND_FLOAT, min: 0, max: 0 },
};

const RANGE_TEXT: Readonly<Record<string, string>> = {
  UINT64: '[0, 18446744073709551615]',
  INT64: '[-9223372036854775808, 9223372036854775807]',
};

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function show(v: unknown): string {
  if (typeof v === 'string') {
    const n = nonFiniteFromSentinel(v);
    return n !== undefined ? String(n) : JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  }
  return String(v);
}

/**
 * Deepest nesting of `data` arrays accepted: far beyond any tensor rank, and well inside the call
 * stack (the walks below recurse once per level; 10,000 levels overflowed it).
 */
export const MAX_JSON_DATA_DEPTH = 64;

/**
 * Number of leaves of nested arrays (a non-array counts as one leaf).
 * @throws ServerError INVALID_ARG when the arrays nest deeper than MAX_JSON_DATA_DEPTH
 */
function countLeaves(name: string, value: unknown, depth: number): number {
  if (!Array.isArray(value)) return 1;
  if (depth > MAX_JSON_DATA_DEPTH) {
    throw invalidArg(
      ProtocolErrorCode.JSON_DATA_SHAPE,
      `Input '${name}': 'data' nests arrays deeper than ${MAX_JSON_DATA_DEPTH} levels`,
    );
  }
  let n = 0;
  for (let i = 0; i < value.length; i++) {
    const v = value[i];
    n += Array.isArray(v) ? countLeaves(name, v, depth + 1) : 1;
  }
  return n;
}

/** Walk state for filling a typed array from nested JSON (one object per call, no closures). */
class NumericFill {
  pos = 0;
  constructor(
    readonly name: string,
    readonly datatype: DataType,
    readonly kind: number,
    readonly min: number,
    readonly max: number,
    readonly out: { [i: number]: number | bigint },
  ) {}
}

function leafError(fill: NumericFill, value: unknown, expected: string): never {
  throw invalidArg(
    ProtocolErrorCode.JSON_DATA,
    `Input '${fill.name}': element ${fill.pos} of 'data' must be ${expected} for ${fill.datatype}, got ${typeName(value)} ${show(value)}`,
  );
}

function writeLeaf(fill: NumericFill, v: unknown): void {
  const kind = fill.kind;
  if (kind === KIND_BOOL) {
    if (typeof v !== 'boolean') leafError(fill, v, 'true or false');
    fill.out[fill.pos++] = v ? 1 : 0;
    return;
  }
  if (typeof v !== 'number') {
    if (kind === KIND_FLOAT && typeof v === 'string') {
      const n = nonFiniteFromSentinel(v);
      if (n !== undefined) {
        fill.out[fill.pos++] = n;
        return;
      }
    }
    leafError(fill, v, kind === KIND_FLOAT ? 'a number' : 'an integer');
  }
  if (kind === KIND_FLOAT) {
    fill.out[fill.pos++] = v;
    return;
  }
  if (!Number.isInteger(v)) leafError(fill, v, 'an integer');
  if (v < fill.min || (kind === KIND_BIGINT ? v >= fill.max : v > fill.max)) {
    const range = RANGE_TEXT[fill.datatype] ?? `[${fill.min}, ${fill.max}]`;
    throw invalidArg(
      ProtocolErrorCode.JSON_DATA,
      `Input '${fill.name}': element ${fill.pos} of 'data' is ${v}, outside the range of ${fill.datatype} ${range}`,
    );
  }
  fill.out[fill.pos++] = kind === KIND_BIGINT ? BigInt(v) : v;
}

function fillNested(fill: NumericFill, value: unknown[]): void {
  for (let i = 0; i < value.length; i++) {
    const v = value[i];
    if (Array.isArray(v)) fillNested(fill, v);
    else writeLeaf(fill, v);
  }
}

function collectStrings(name: string, value: unknown[], out: string[]): void {
  for (let i = 0; i < value.length; i++) {
    const v = value[i];
    if (Array.isArray(v)) {
      collectStrings(name, v, out);
    } else if (typeof v === 'string' && nonFiniteFromSentinel(v) === undefined) {
      out.push(v);
    } else {
      throw invalidArg(
        ProtocolErrorCode.JSON_DATA,
        `Input '${name}': element ${out.length} of 'data' must be a string for BYTES, got ${typeName(v)} ${show(v)}`,
      );
    }
  }
}

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

/**
 * Converts an input's JSON `data` (flat or nested) to wire bytes, checking element count, types
 * and ranges. Throws INVALID_ARG (ERR_JSON_DATA*, naming the input, element index and values).
 */
export function jsonDataToWire(
  name: string,
  datatype: DataType,
  shape: readonly number[],
  data: unknown,
): Uint8Array {
  if (datatype === 'FP16' || datatype === 'BF16') {
    throw invalidArg(
      ProtocolErrorCode.JSON_DATA_UNSUPPORTED,
      `Receiving ${datatype} data via JSON is not supported. Please use the binary data format for input '${name}'`,
    );
  }
  const expected = elementCount(shape);
  const got = countLeaves(name, data, 1);
  if (!Array.isArray(data) || got !== expected) {
    throw invalidArg(
      ProtocolErrorCode.JSON_DATA_SHAPE,
      Array.isArray(data)
        ? `Input '${name}': 'data' has ${got} elements but shape ${shapeText(shape)} needs ${expected}`
        : `Input '${name}': 'data' must be an array, got ${typeName(data)}`,
    );
  }
  if (datatype === 'BYTES') {
    const strings: string[] = [];
    collectStrings(name, data, strings);
    return encodeBytesElements(strings);
  }
  const rule = JSON_LEAF_RULES[datatype]!;
  const out = new TYPED_ARRAY[datatype](expected);
  fillNested(new NumericFill(name, datatype, rule.kind, rule.min, rule.max, out), data);
  return typedArrayBytes(out);
}

function boolText(bytes: Uint8Array): string {
  if (bytes.length === 0) return '[]';
  let s = bytes[0] === 0 ? '[false' : '[true';
  for (let i = 1; i < bytes.length; i++) s += bytes[i] === 0 ? ',false' : ',true';
  return `${s}]`;
}

function bytesText(name: string, data: Uint8Array, count: number): string {
  checkBytesElementCount(data, count, name);
  if (count === 0) return '[]';
  const decoder = new TextDecoder('utf-8');
  let s = '[';
  let pos = 0;
  for (let i = 0; i < count; i++) {
    const len = (data[pos]! | (data[pos + 1]! << 8) | (data[pos + 2]! << 16) | (data[pos + 3]! << 24)) >>> 0;
    if (i > 0) s += ',';
    s += JSON.stringify(decoder.decode(data.subarray(pos + 4, pos + 4 + len)));
    pos += 4 + len;
  }
  return `${s}]`;
}

/**
 * Writes an output's wire bytes as the JSON text of its flat `data` array. Throws INVALID_ARG for
 * FP16/BF16 (Triton's message) and INTERNAL (ERR_OUTPUT_SIZE) when bytes and shape disagree.
 */
export function wireToJsonText(
  name: string,
  datatype: DataType,
  shape: readonly number[],
  data: Uint8Array,
): string {
  if (datatype === 'FP16' || datatype === 'BF16') {
    throw invalidArg(
      ProtocolErrorCode.JSON_DATA_UNSUPPORTED,
      `Sending ${datatype} data via JSON is not supported. Please use the binary data format for output '${name}'`,
    );
  }
  const count = elementCount(shape);
  if (datatype === 'BYTES') {
    try {
      return bytesText(name, data, count);
    } catch (err) {
      throw internal(
        ProtocolErrorCode.OUTPUT_SIZE,
        `Output tensor shape ${shapeText(shape)} does not match the BYTES data of output '${name}'`,
        err,
      );
    }
  }
  const expectedBytes = count * ELEMENT_BYTES[datatype];
  if (data.length !== expectedBytes) {
    throw internal(
      ProtocolErrorCode.OUTPUT_SIZE,
      `Output '${name}' has ${data.length} bytes but shape ${shapeText(shape)} of ${datatype} needs ${expectedBytes}`,
    );
  }
  if (datatype === 'BOOL') return boolText(data);
  return `[${viewAsTypedArray(datatype, data).join(',')}]`;
}
