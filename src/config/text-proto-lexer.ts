/**
 * Tokenizer for protobuf text format: identifiers, numbers, quoted strings (with every C escape),
 * punctuation, `#` comments and whitespace, each token with its 1-based line and column.
 * It knows nothing about messages or fields; the parser in text-proto-parser.ts does.
 */
import { configSyntaxError } from './config-error.js';

/** Token kinds. `string` tokens carry their decoded value; adjacent strings are joined by the parser. */
export type TokenKind = 'identifier' | 'number' | 'string' | 'symbol' | 'end';

/** One token. */
export interface Token {
  /** What kind of token this is. */
  kind: TokenKind;
  /** Source text (numbers, identifiers, symbols) or decoded value (strings). */
  text: string;
  /** 1-based line of the first character. */
  line: number;
  /** 1-based column of the first character. */
  column: number;
}

const SYMBOLS = '{}<>[]:,;-';

const SIMPLE_ESCAPES: Record<string, number> = {
  a: 7,
  b: 8,
  f: 12,
  n: 10,
  r: 13,
  t: 9,
  v: 11,
  '\\': 92,
  "'": 39,
  '"': 34,
  '?': 63,
};

function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}

function isIdentStart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
}

function isIdentPart(c: string): boolean {
  return isIdentStart(c) || isDigit(c);
}

function isHex(c: string): boolean {
  return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/** Splits protobuf text into tokens; throws ERR_CONFIG_SYNTAX with line:column on a bad character. */
export function tokenize(text: string, source: string): Token[] {
  const tokens: Token[] = [];
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0; // a UTF-8 byte-order mark is not content
  let line = 1;
  let lineStart = pos;
  const n = text.length;
  while (pos < n) {
    const c = text[pos];
    if (c === '\n') {
      pos++;
      line++;
      lineStart = pos;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') {
      pos++;
      continue;
    }
    if (c === '#') {
      while (pos < n && text[pos] !== '\n') pos++;
      continue;
    }
    const column = pos - lineStart + 1;
    if (isIdentStart(c)) {
      const start = pos;
      while (pos < n && isIdentPart(text[pos])) pos++;
      tokens.push({ kind: 'identifier', text: text.slice(start, pos), line, column });
      continue;
    }
    if (isDigit(c) || (c === '.' && pos + 1 < n && isDigit(text[pos + 1]))) {
      const start = pos;
      pos = scanNumber(text, pos);
      if (pos < n && isIdentPart(text[pos]) && text[pos] !== 'f' && text[pos] !== 'F') {
        throw configSyntaxError(source, line, column, `malformed number "${text.slice(start, pos + 1)}"`);
      }
      if (pos < n && (text[pos] === 'f' || text[pos] === 'F')) pos++;
      tokens.push({ kind: 'number', text: text.slice(start, pos), line, column });
      continue;
    }
    if (c === '"' || c === "'") {
      const { value, end } = scanString(text, pos, source, line, column);
      pos = end;
      tokens.push({ kind: 'string', text: value, line, column });
      continue;
    }
    if (SYMBOLS.includes(c)) {
      pos++;
      tokens.push({ kind: 'symbol', text: c, line, column });
      continue;
    }
    throw configSyntaxError(source, line, column, `unexpected character ${JSON.stringify(c)}`);
  }
  tokens.push({ kind: 'end', text: '', line, column: pos - lineStart + 1 });
  return tokens;
}

/** Returns the end of the number starting at `pos` (hex, octal, decimal, float with exponent). */
function scanNumber(text: string, pos: number): number {
  const n = text.length;
  if (text[pos] === '0' && (text[pos + 1] === 'x' || text[pos + 1] === 'X')) {
    pos += 2;
    while (pos < n && isHex(text[pos])) pos++;
    return pos;
  }
  while (pos < n && isDigit(text[pos])) pos++;
  if (text[pos] === '.') {
    pos++;
    while (pos < n && isDigit(text[pos])) pos++;
  }
  if (text[pos] === 'e' || text[pos] === 'E') {
    let p = pos + 1;
    if (text[p] === '+' || text[p] === '-') p++;
    if (isDigit(text[p])) {
      while (p < n && isDigit(text[p])) p++;
      pos = p;
    }
  }
  return pos;
}

/** Decodes one quoted literal starting at `pos`; escapes become bytes, the result is read as UTF-8. */
function scanString(
  text: string,
  pos: number,
  source: string,
  line: number,
  column: number,
): { value: string; end: number } {
  const quote = text[pos];
  const bytes: number[] = [];
  let i = pos + 1;
  const n = text.length;
  const fail = (message: string): never => {
    throw configSyntaxError(source, line, column, message);
  };
  while (true) {
    if (i >= n || text[i] === '\n') fail('string literal is not closed before the end of the line');
    const c = text[i];
    if (c === quote) return { value: Buffer.from(bytes).toString('utf8'), end: i + 1 };
    if (c !== '\\') {
      const cp = text.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      for (const b of Buffer.from(ch, 'utf8')) bytes.push(b);
      i += ch.length;
      continue;
    }
    const e = text[i + 1];
    if (e === undefined) fail('string literal ends with a lone backslash');
    if (SIMPLE_ESCAPES[e] !== undefined) {
      bytes.push(SIMPLE_ESCAPES[e]);
      i += 2;
    } else if (e === 'x' || e === 'X') {
      let j = i + 2;
      while (j < i + 4 && j < n && isHex(text[j])) j++;
      if (j === i + 2) fail('"\\x" must be followed by hex digits');
      bytes.push(Number.parseInt(text.slice(i + 2, j), 16));
      i = j;
    } else if (e >= '0' && e <= '7') {
      let j = i + 1;
      while (j < i + 4 && j < n && text[j] >= '0' && text[j] <= '7') j++;
      bytes.push(Number.parseInt(text.slice(i + 1, j), 8) & 0xff);
      i = j;
    } else if (e === 'u' || e === 'U') {
      const len = e === 'u' ? 4 : 8;
      const hex = text.slice(i + 2, i + 2 + len);
      if (hex.length !== len || ![...hex].every(isHex))
        fail(`"\\${e}" must be followed by ${len} hex digits`);
      const cp = Number.parseInt(hex, 16);
      if (cp > 0x10ffff) fail(`"\\${e}${hex}" is not a valid code point`);
      for (const b of Buffer.from(String.fromCodePoint(cp), 'utf8')) bytes.push(b);
      i += 2 + len;
    } else {
      fail(`unknown escape sequence "\\${e}"`);
    }
  }
}
