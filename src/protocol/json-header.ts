/**
 * Turns the JSON header bytes of an HTTP inference request into a JS value: strict UTF-8 decoding
 * (the error gives the offset of the first bad byte) and JSON.parse (the error repeats V8's text,
 * which gives the position or an excerpt). Like Triton's parser (rapidjson kParseNanAndInfFlag) it
 * also accepts bare NaN, Inf, Infinity and their negatives; those come back as sentinel strings
 * that only numeric JSON tensor data (see json-tensor-data.ts) turns into numbers.
 */
import { invalidArg } from '../common/index.js';
import { ProtocolErrorCode } from './error-codes.js';

const UTF8_STRICT = new TextDecoder('utf-8', { fatal: true });

/** Sentinel strings standing for bare NaN / Infinity tokens in a request header. */
export const NON_FINITE_SENTINEL = {
  NaN: '\uFDD0NaN',
  Infinity: '\uFDD0Infinity',
  NegativeInfinity: '\uFDD0-Infinity',
} as const;

/** The number a sentinel string stands for, or undefined for any other string. */
export function nonFiniteFromSentinel(value: string): number | undefined {
  if (value.length < 4 || value.charCodeAt(0) !== 0xfdd0) return undefined;
  if (value === NON_FINITE_SENTINEL.NaN) return Number.NaN;
  if (value === NON_FINITE_SENTINEL.Infinity) return Number.POSITIVE_INFINITY;
  if (value === NON_FINITE_SENTINEL.NegativeInfinity) return Number.NEGATIVE_INFINITY;
  return undefined;
}

/** Offset of the first byte that breaks UTF-8 (error path only). */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    let need = 0;
    let min = 0;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else {
      return i;
    }
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

/** Replaces bare NaN / Inf / Infinity tokens outside strings by sentinel strings. */
function replaceNonFiniteTokens(text: string): string {
  let out = '';
  let last = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) {
      inString = true;
      continue;
    }
    const negative = c === 0x2d; // '-'
    const at = negative ? i + 1 : i;
    let token = '';
    if (text.startsWith('NaN', at)) token = 'NaN';
    else if (text.startsWith('Infinity', at)) token = 'Infinity';
    else if (text.startsWith('Inf', at)) token = 'Inf';
    if (token === '') continue;
    const sentinel =
      token === 'NaN'
        ? NON_FINITE_SENTINEL.NaN
        : negative
          ? NON_FINITE_SENTINEL.NegativeInfinity
          : NON_FINITE_SENTINEL.Infinity;
    out += `${text.slice(last, i)}"${sentinel}"`;
    i = at + token.length - 1;
    last = i + 1;
  }
  return out + text.slice(last);
}

/** Decodes strict UTF-8; throws INVALID_ARG (ERR_REQUEST_UTF8) naming the offending byte offset. */
export function decodeUtf8Strict(bytes: Uint8Array, what: string): string {
  try {
    return UTF8_STRICT.decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    throw invalidArg(
      ProtocolErrorCode.REQUEST_UTF8,
      `${what} is not valid UTF-8: bad byte 0x${(bytes[at] ?? 0).toString(16).padStart(2, '0')} at offset ${at} of ${bytes.length}`,
    );
  }
}

/** Parses JSON text; throws INVALID_ARG (ERR_REQUEST_JSON) with V8's description of where it failed. */
export function parseJsonText(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    if (text.includes('NaN') || text.includes('Inf')) {
      try {
        return JSON.parse(replaceNonFiniteTokens(text));
      } catch {
        // fall through to the original error, which points at the real text
      }
    }
    const detail = err instanceof Error ? err.message : String(err);
    throw invalidArg(ProtocolErrorCode.REQUEST_JSON, `Malformed ${what}: ${detail}`, err);
  }
}

/** Decodes and parses a request's JSON header bytes. */
export function parseJsonHeader(bytes: Uint8Array): unknown {
  return parseJsonText(decodeUtf8Strict(bytes, 'Request JSON'), 'request JSON');
}
