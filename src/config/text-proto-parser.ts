/**
 * Protobuf text-format parser producing a schema-free tree: a message is an ordered list of
 * fields, `[a, b]` lists are expanded into one field entry per element, and every node keeps its
 * line:column. Types, enums, field names and repetition are checked later against the schema
 * (parse-model-config.ts); this file only knows the grammar.
 */
import { configSyntaxError } from './config-error.js';
import { type Token, tokenize } from './text-proto-lexer.js';

/** Where a node starts in the source text (1-based). */
export interface TextPosition {
  line: number;
  column: number;
}

/** A quoted string (adjacent literals already joined, escapes decoded). */
export interface TextString extends TextPosition {
  kind: 'string';
  value: string;
}

/** A numeric literal. `integer` is exact (bigint) for integer literals, null for floats, inf and nan. */
export interface TextNumber extends TextPosition {
  kind: 'number';
  /** The literal as written, sign included. */
  text: string;
  /** Exact value of an integer literal (decimal, hex or octal), else null. */
  integer: bigint | null;
  /** The value as a double (Infinity and NaN allowed). */
  float: number;
}

/** A bare identifier: an enum name, `true`/`false`/`t`/`f`, `inf`, `nan`. */
export interface TextIdentifier extends TextPosition {
  kind: 'identifier';
  name: string;
}

/** A nested message written with `{}` or `<>`. */
export interface TextMessage extends TextPosition {
  kind: 'message';
  fields: TextField[];
}

/** Any value. */
export type TextValue = TextString | TextNumber | TextIdentifier | TextMessage;

/**
 * One `name: value` entry. A `name: [a, b]` list yields one entry per element, with `inList` set;
 * an empty list `name: []` yields one entry whose value is null.
 */
export interface TextField extends TextPosition {
  name: string;
  value: TextValue | null;
  /** True when the value came from `[ ... ]` list syntax. */
  inList: boolean;
}

/** Parses protobuf text format into a tree; throws ERR_CONFIG_SYNTAX naming line:column and what was expected. */
export function parseTextProto(text: string, source = 'config.pbtxt'): TextMessage {
  const parser = new TextProtoParser(tokenize(text, source), source);
  return parser.parseRoot();
}

function describe(token: Token): string {
  if (token.kind === 'end') return 'end of input';
  if (token.kind === 'string') return `string ${JSON.stringify(token.text)}`;
  return `"${token.text}"`;
}

class TextProtoParser {
  private pos = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly source: string,
  ) {}

  parseRoot(): TextMessage {
    const first = this.tokens[0];
    const root: TextMessage = { kind: 'message', fields: [], line: first.line, column: first.column };
    this.parseFields(root, null);
    return root;
  }

  private peek(): Token {
    return this.tokens[this.pos];
  }

  private next(): Token {
    return this.tokens[this.pos++];
  }

  private isSymbol(text: string): boolean {
    const t = this.peek();
    return t.kind === 'symbol' && t.text === text;
  }

  private fail(token: Token, expected: string): never {
    throw configSyntaxError(
      this.source,
      token.line,
      token.column,
      `expected ${expected}, found ${describe(token)}`,
    );
  }

  private expectSymbol(text: string, context: string): void {
    if (!this.isSymbol(text)) this.fail(this.peek(), `"${text}" ${context}`);
    this.pos++;
  }

  /** Reads fields until `close` (or end of input for the root). */
  private parseFields(message: TextMessage, close: string | null): void {
    while (true) {
      const t = this.peek();
      if (close === null ? t.kind === 'end' : t.kind === 'symbol' && t.text === close) return;
      if (t.kind === 'end') this.fail(t, `a field name or "${close}"`);
      if (t.kind !== 'identifier')
        this.fail(t, close === null ? 'a field name' : `a field name or "${close}"`);
      this.parseField(message);
      if (this.isSymbol(',') || this.isSymbol(';')) this.pos++;
    }
  }

  private parseField(message: TextMessage): void {
    const nameToken = this.next();
    const name = nameToken.text;
    const at = { line: nameToken.line, column: nameToken.column };
    let colon = false;
    if (this.isSymbol(':')) {
      this.pos++;
      colon = true;
    }
    if (this.isSymbol('[')) {
      this.pos++;
      if (this.isSymbol(']')) {
        this.pos++;
        message.fields.push({ name, value: null, inList: true, ...at });
        return;
      }
      while (true) {
        const value = this.parseValue(name, true);
        message.fields.push({ name, value, inList: true, ...at });
        if (this.isSymbol(',')) {
          this.pos++;
          continue;
        }
        this.expectSymbol(']', `or "," in the list of "${name}"`);
        return;
      }
    }
    if (!colon && !this.isSymbol('{') && !this.isSymbol('<')) {
      this.fail(this.peek(), `":" or "{" after field name "${name}"`);
    }
    message.fields.push({ name, value: this.parseValue(name, false), inList: false, ...at });
  }

  private parseValue(fieldName: string, inList: boolean): TextValue {
    const t = this.peek();
    if (t.kind === 'symbol' && (t.text === '{' || t.text === '<')) {
      this.pos++;
      const close = t.text === '{' ? '}' : '>';
      const message: TextMessage = { kind: 'message', fields: [], line: t.line, column: t.column };
      this.parseFields(message, close);
      this.pos++;
      return message;
    }
    if (t.kind === 'string') {
      let value = '';
      while (this.peek().kind === 'string') value += this.next().text;
      return { kind: 'string', value, line: t.line, column: t.column };
    }
    if (t.kind === 'symbol' && t.text === '-') {
      this.pos++;
      const n = this.peek();
      if (n.kind === 'number') {
        this.pos++;
        return this.number(`-${n.text}`, t);
      }
      if (n.kind === 'identifier' && /^(inf|infinity|nan)$/i.test(n.text)) {
        this.pos++;
        const float = /^nan$/i.test(n.text) ? Number.NaN : Number.NEGATIVE_INFINITY;
        return { kind: 'number', text: `-${n.text}`, integer: null, float, ...pos(t) };
      }
      this.fail(n, 'a number after "-"');
    }
    if (t.kind === 'number') {
      this.pos++;
      return this.number(t.text, t);
    }
    if (t.kind === 'identifier') {
      this.pos++;
      return { kind: 'identifier', name: t.text, line: t.line, column: t.column };
    }
    return this.fail(
      t,
      inList ? `a value in the list of "${fieldName}"` : `a value for field "${fieldName}"`,
    );
  }

  /** Builds a number node from literal text such as `-0x1F`, `017`, `1.5e3f`. */
  private number(text: string, at: Token): TextNumber {
    const negative = text.startsWith('-');
    const body = negative ? text.slice(1) : text;
    let integer: bigint | null = null;
    let float: number;
    if (/^0[xX][0-9a-fA-F]+$/.test(body)) {
      integer = BigInt(body);
    } else if (/^0[0-7]+$/.test(body)) {
      integer = BigInt(`0o${body.slice(1)}`);
    } else if (/^[0-9]+$/.test(body)) {
      integer = BigInt(body);
    } else if (/^([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?[fF]?$/.test(body)) {
      float = Number(body.replace(/[fF]$/, ''));
      return { kind: 'number', text, integer: null, float: negative ? -float : float, ...pos(at) };
    } else {
      throw configSyntaxError(this.source, at.line, at.column, `malformed number "${text}"`);
    }
    if (negative) integer = -integer;
    return { kind: 'number', text, integer, float: Number(integer), ...pos(at) };
  }
}

function pos(t: Token): TextPosition {
  return { line: t.line, column: t.column };
}
