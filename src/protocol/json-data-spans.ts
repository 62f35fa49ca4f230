/**
 * Finds where each input's `data` array lies in a KServe v2 JSON request body, so that the large
 * tensor values can be read straight from the bytes (json-span-to-wire.ts) while the small rest
 * (names, shapes, datatypes, parameters) goes through JSON.parse with each span replaced by `null`.
 *
 * It reads only the structure it needs (top-level object → `inputs` array → input objects → their
 * `data` member) and skips everything else loosely: JSON.parse of the rest and the span reader
 * validate every byte. It gives up (null: decode the whole body with JSON.parse) on anything where
 * a span could change what JSON.parse would see: a key with an escape (`"d\u0061ta"` is `data`),
 * a repeated `inputs` or `data` key (the last one wins in JSON.parse), no top-level object.
 *
 *   {"inputs":[{"name":"x","shape":[2],"datatype":"FP32","data":[1.5,2]}]}
 *                                                          └ span ──┘  → "data":null in the rest
 */

/** Where one input's `data` array lies: `bytes[start]` is its `[`, `bytes[end - 1]` its `]`. */
export interface JsonDataSpan {
  /** Index of the input in `inputs`. */
  readonly input: number;
  /** Offset of the array's `[`. */
  readonly start: number;
  /** Offset just after the array's `]`. */
  readonly end: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const COMMA = 0x2c;
const COLON = 0x3a;

/** The byte at `p`, or -1 at or past `end` (the JSON part may be followed by binary parts). */
function at(bytes: Uint8Array, p: number, end: number): number {
  return p < end ? bytes[p]! : -1;
}

function skipWhitespace(bytes: Uint8Array, p: number, end: number): number {
  while (p < end) {
    const c = bytes[p]!;
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    p++;
  }
  return p;
}

/** Offset after the string starting at `bytes[p]` (a `"`), or -1 when it does not end before `end`. */
function skipString(bytes: Uint8Array, p: number, end: number): number {
  let from = p + 1;
  for (;;) {
    const q = bytes.indexOf(QUOTE, from);
    if (q < 0 || q >= end) return -1;
    let k = q - 1;
    while (bytes[k] === BACKSLASH) k--;
    // An even run of backslashes escapes itself, not the quote.
    if ((q - 1 - k) % 2 === 0) return q + 1;
    from = q + 1;
  }
}

/** Offset after the key string at `bytes[p]`, or -1 when it has an escape or does not end. */
function skipPlainKey(bytes: Uint8Array, p: number, end: number): number {
  for (let i = p + 1; i < end; i++) {
    const c = bytes[i]!;
    if (c === QUOTE) return i + 1;
    if (c === BACKSLASH) return -1;
  }
  return -1;
}

/** Whether the key at `bytes[p..keyEnd)` (quotes included) is `name`. */
function isKey(bytes: Uint8Array, p: number, keyEnd: number, name: string): boolean {
  if (keyEnd - p !== name.length + 2) return false;
  for (let i = 0; i < name.length; i++) if (bytes[p + 1 + i] !== name.charCodeAt(i)) return false;
  return true;
}

/**
 * Offset after the JSON value at `bytes[p]`, skipped without validating it (JSON.parse does that),
 * or -1 when it does not end before `end`.
 */
function skipValue(bytes: Uint8Array, p: number, end: number): number {
  const c = at(bytes, p, end);
  if (c === QUOTE) return skipString(bytes, p, end);
  if (c === OPEN_BRACKET || c === OPEN_BRACE) {
    let depth = 0;
    for (let i = p; i < end; i++) {
      const b = bytes[i]!;
      if (b === QUOTE) {
        const after = skipString(bytes, i, end);
        if (after < 0) return -1;
        i = after - 1;
      } else if (b === OPEN_BRACKET || b === OPEN_BRACE) {
        depth++;
      } else if (b === CLOSE_BRACKET || b === CLOSE_BRACE) {
        if (--depth === 0) return i + 1;
      }
    }
    return -1;
  }
  // A number or a literal: up to the next delimiter.
  let i = p;
  while (i < end) {
    const b = bytes[i]!;
    if (
      b === COMMA ||
      b === CLOSE_BRACE ||
      b === CLOSE_BRACKET ||
      b === 0x20 ||
      b === 0x0a ||
      b === 0x0d ||
      b === 0x09
    )
      break;
    i++;
  }
  return i > p ? i : -1;
}

/**
 * Offset after the array at `bytes[p]` (a `[`) when it holds no string and no object (numbers,
 * true/false, null, nested arrays), else -1. Brackets are found with indexOf (memchr speed): a
 * numeric span's bytes are then read once, by the span reader.
 */
function numericArrayEnd(bytes: Uint8Array, p: number, end: number): number {
  let depth = 1;
  let pos = p + 1;
  // Each search resumes where it left off: searching again from every bracket would be quadratic
  // in deep nesting (200,000 levels took minutes).
  let nextOpen = bytes.indexOf(OPEN_BRACKET, pos);
  let nextClose = bytes.indexOf(CLOSE_BRACKET, pos);
  for (;;) {
    if (nextClose < 0 || nextClose >= end) return -1;
    if (nextOpen >= 0 && nextOpen < nextClose) {
      depth++;
      pos = nextOpen + 1;
      nextOpen = bytes.indexOf(OPEN_BRACKET, pos);
      continue;
    }
    pos = nextClose + 1;
    if (--depth === 0) break;
    nextClose = bytes.indexOf(CLOSE_BRACKET, pos);
  }
  const quote = bytes.indexOf(QUOTE, p);
  if (quote >= 0 && quote < pos) return -1;
  const brace = bytes.indexOf(OPEN_BRACE, p);
  if (brace >= 0 && brace < pos) return -1;
  return pos;
}

/**
 * Scans the members of the input object at `bytes[p]` (a `{`), adding its numeric `data` span as
 * input `index`; returns the offset after the object, or -1 to give up.
 */
function scanInputObject(
  bytes: Uint8Array,
  p: number,
  end: number,
  index: number,
  spans: JsonDataSpan[],
): number {
  p = skipWhitespace(bytes, p + 1, end);
  if (at(bytes, p, end) === CLOSE_BRACE) return p + 1;
  let sawData = false;
  for (;;) {
    if (at(bytes, p, end) !== QUOTE) return -1;
    const keyEnd = skipPlainKey(bytes, p, end);
    if (keyEnd < 0) return -1;
    const isData = isKey(bytes, p, keyEnd, 'data');
    p = skipWhitespace(bytes, keyEnd, end);
    if (at(bytes, p, end) !== COLON) return -1;
    p = skipWhitespace(bytes, p + 1, end);
    if (isData) {
      if (sawData) return -1;
      sawData = true;
      const spanEnd = at(bytes, p, end) === OPEN_BRACKET ? numericArrayEnd(bytes, p, end) : -1;
      if (spanEnd > 0) {
        spans.push({ input: index, start: p, end: spanEnd });
        p = spanEnd;
      } else {
        p = skipValue(bytes, p, end);
      }
    } else {
      p = skipValue(bytes, p, end);
    }
    if (p < 0) return -1;
    p = skipWhitespace(bytes, p, end);
    const c = at(bytes, p, end);
    if (c === CLOSE_BRACE) return p + 1;
    if (c !== COMMA) return -1;
    p = skipWhitespace(bytes, p + 1, end);
  }
}

/** Scans the `inputs` array at `bytes[p]` (a `[`); returns the offset after it, or -1 to give up. */
function scanInputs(bytes: Uint8Array, p: number, end: number, spans: JsonDataSpan[]): number {
  p = skipWhitespace(bytes, p + 1, end);
  if (at(bytes, p, end) === CLOSE_BRACKET) return p + 1;
  for (let index = 0; ; index++) {
    p =
      at(bytes, p, end) === OPEN_BRACE
        ? scanInputObject(bytes, p, end, index, spans)
        : skipValue(bytes, p, end);
    if (p < 0) return -1;
    p = skipWhitespace(bytes, p, end);
    const c = at(bytes, p, end);
    if (c === CLOSE_BRACKET) return p + 1;
    if (c !== COMMA) return -1;
    p = skipWhitespace(bytes, p + 1, end);
  }
}

/**
 * The spans of the inputs' numeric `data` arrays in the JSON text `bytes[0..end)`, in input
 * order; null when there is none or the body is not one this scan can take apart safely.
 */
export function findJsonDataSpans(bytes: Uint8Array, end: number): JsonDataSpan[] | null {
  let p = skipWhitespace(bytes, 0, end);
  if (at(bytes, p, end) !== OPEN_BRACE) return null;
  p = skipWhitespace(bytes, p + 1, end);
  const spans: JsonDataSpan[] = [];
  let sawInputs = false;
  for (;;) {
    if (at(bytes, p, end) !== QUOTE) return null;
    const keyEnd = skipPlainKey(bytes, p, end);
    if (keyEnd < 0) return null;
    const isInputs = isKey(bytes, p, keyEnd, 'inputs');
    p = skipWhitespace(bytes, keyEnd, end);
    if (at(bytes, p, end) !== COLON) return null;
    p = skipWhitespace(bytes, p + 1, end);
    if (isInputs) {
      if (sawInputs) return null;
      sawInputs = true;
      p = at(bytes, p, end) === OPEN_BRACKET ? scanInputs(bytes, p, end, spans) : skipValue(bytes, p, end);
    } else {
      p = skipValue(bytes, p, end);
    }
    if (p < 0) return null;
    p = skipWhitespace(bytes, p, end);
    const c = at(bytes, p, end);
    if (c === CLOSE_BRACE) break;
    if (c !== COMMA) return null;
    p = skipWhitespace(bytes, p + 1, end);
  }
  return spans.length > 0 ? spans : null;
}

const UTF8_STRICT = new TextDecoder('utf-8', { fatal: true });
/** For the pieces after a span: a U+FEFF there is text (JSON.parse refuses it), not a BOM to drop. */
const UTF8_STRICT_KEEP_BOM = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The JSON text `bytes[0..end)` with each span replaced by `null`, decoded as strict UTF-8 the
 * way parseJsonHeader decodes it; null when it is not valid UTF-8 (the spans are ASCII when the
 * span reader accepts them, so the whole is valid exactly when the pieces are).
 */
export function jsonTextWithoutSpans(
  bytes: Uint8Array,
  end: number,
  spans: readonly JsonDataSpan[],
): string | null {
  try {
    let text = UTF8_STRICT.decode(bytes.subarray(0, spans[0]!.start));
    for (let i = 0; i < spans.length; i++) {
      const to = i + 1 < spans.length ? spans[i + 1]!.start : end;
      text += `null${UTF8_STRICT_KEEP_BOM.decode(bytes.subarray(spans[i]!.end, to))}`;
    }
    return text;
  } catch {
    return null;
  }
}
