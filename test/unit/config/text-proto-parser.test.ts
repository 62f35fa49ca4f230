import { describe, expect, it } from 'vitest';
import { ServerError } from '../../../src/common/errors.js';
import { parseTextProto, type TextMessage, type TextValue } from '../../../src/config/index.js';

/** The values of every field named `name` in a message, in order. */
function values(message: TextMessage, name: string): (TextValue | null)[] {
  return message.fields.filter((f) => f.name === name).map((f) => f.value);
}

function only(message: TextMessage, name: string): TextValue {
  const v = values(message, name);
  expect(v).toHaveLength(1);
  return v[0]!;
}

function syntaxError(text: string): ServerError {
  try {
    parseTextProto(text, 'm/config.pbtxt');
  } catch (err) {
    expect(err).toBeInstanceOf(ServerError);
    expect((err as ServerError).code).toBe('ERR_CONFIG_SYNTAX');
    expect((err as ServerError).status).toBe('INVALID_ARG');
    return err as ServerError;
  }
  throw new Error('expected a syntax error');
}

describe('parseTextProto', () => {
  it('parseTextProto skips # comments but keeps # inside strings', () => {
    const tree = parseTextProto('# header\nname: "a#b" # trailing\n# last');
    expect(only(tree, 'name')).toMatchObject({ kind: 'string', value: 'a#b' });
    expect(tree.fields).toHaveLength(1);
  });

  it('parseTextProto reads nested messages written with {} and <>, with or without a colon', () => {
    const tree = parseTextProto('a { b: 1 } c: { d: 2 } e < f: 3 > g: < h: 4 >');
    for (const [outer, inner, n] of [
      ['a', 'b', 1n],
      ['c', 'd', 2n],
      ['e', 'f', 3n],
      ['g', 'h', 4n],
    ] as const) {
      const m = only(tree, outer) as TextMessage;
      expect(m.kind).toBe('message');
      expect(only(m, inner)).toMatchObject({ kind: 'number', integer: n });
    }
  });

  it('parseTextProto expands [ ] lists of scalars and of messages into one entry per element', () => {
    const tree = parseTextProto(
      'dims: [ 1, -1, 3 ] input [ { name: "a" }, { name: "b" } ] empty: [ ] x: 5 x: 6',
    );
    expect(values(tree, 'dims').map((v) => (v as { integer: bigint }).integer)).toEqual([1n, -1n, 3n]);
    expect(tree.fields.filter((f) => f.name === 'dims').every((f) => f.inList)).toBe(true);
    const inputs = values(tree, 'input') as TextMessage[];
    expect(inputs.map((m) => (only(m, 'name') as { value: string }).value)).toEqual(['a', 'b']);
    expect(values(tree, 'empty')).toEqual([null]);
    expect(values(tree, 'x').map((v) => (v as { integer: bigint }).integer)).toEqual([5n, 6n]);
  });

  it('parseTextProto keeps enum names and booleans as identifiers', () => {
    const tree = parseTextProto('data_type: TYPE_FP32 a: true b: False c: t');
    expect(only(tree, 'data_type')).toMatchObject({ kind: 'identifier', name: 'TYPE_FP32' });
    expect(only(tree, 'b')).toMatchObject({ kind: 'identifier', name: 'False' });
  });

  it('parseTextProto decodes every string escape and joins adjacent literals', () => {
    const tree = parseTextProto(
      String.raw`a: "x\ny\tz\"q\'s\\" b: 'it''s' "!" c: "\x41\102\0C" d: "\u00e9é" e: '"quoted"'`,
    );
    expect((only(tree, 'a') as { value: string }).value).toBe('x\ny\tz"q\'s\\');
    expect((only(tree, 'b') as { value: string }).value).toBe('its!');
    expect((only(tree, 'c') as { value: string }).value).toBe('AB\u0000C');
    expect((only(tree, 'd') as { value: string }).value).toBe('éé');
    expect((only(tree, 'e') as { value: string }).value).toBe('"quoted"');
  });

  it('parseTextProto reads negative, float, exponent, hex, octal, inf and nan numbers', () => {
    const tree = parseTextProto(
      'a: -5 b: 1.5 c: 2.5e-3 d: 0x1F e: 017 f: -inf g: inf h: nan i: .5 j: 1e3f k: -0x10',
    );
    expect(only(tree, 'a')).toMatchObject({ integer: -5n, float: -5 });
    expect(only(tree, 'b')).toMatchObject({ integer: null, float: 1.5 });
    expect(only(tree, 'c')).toMatchObject({ integer: null, float: 0.0025 });
    expect(only(tree, 'd')).toMatchObject({ integer: 31n });
    expect(only(tree, 'e')).toMatchObject({ integer: 15n });
    expect(only(tree, 'f')).toMatchObject({ kind: 'number', float: Number.NEGATIVE_INFINITY });
    expect(only(tree, 'g')).toMatchObject({ kind: 'identifier', name: 'inf' });
    expect(only(tree, 'h')).toMatchObject({ kind: 'identifier', name: 'nan' });
    expect(only(tree, 'i')).toMatchObject({ float: 0.5 });
    expect(only(tree, 'j')).toMatchObject({ integer: null, float: 1000 });
    expect(only(tree, 'k')).toMatchObject({ integer: -16n });
  });

  it('parseTextProto keeps integers beyond 2^53 exact as bigint', () => {
    const tree = parseTextProto('big: 18446744073709551615 odd: 9007199254740993');
    expect(only(tree, 'big')).toMatchObject({ integer: 18446744073709551615n, text: '18446744073709551615' });
    expect(only(tree, 'odd')).toMatchObject({ integer: 9007199254740993n });
  });

  it('parseTextProto ignores a byte-order mark and CRLF line ends', () => {
    const tree = parseTextProto('\uFEFFname: "a"\r\nmax_batch_size: 2\r\n');
    expect(tree.fields.map((f) => [f.name, f.line, f.column])).toEqual([
      ['name', 1, 1],
      ['max_batch_size', 2, 1],
    ]);
  });

  it('parseTextProto accepts , and ; as field separators', () => {
    const tree = parseTextProto('a: 1, b: 2; c { d: 3; e: 4, }');
    expect(tree.fields.map((f) => f.name)).toEqual(['a', 'b', 'c']);
    expect((only(tree, 'c') as TextMessage).fields.map((f) => f.name)).toEqual(['d', 'e']);
  });

  it('parseTextProto reads map entries as key/value messages', () => {
    const tree = parseTextProto(
      'parameters { key: "x" value: { string_value: "y" } } priority_queue_policy { key: 1 value { max_queue_size: 2 } }',
    );
    const p = only(tree, 'parameters') as TextMessage;
    expect(only(p, 'key')).toMatchObject({ value: 'x' });
    expect(only(only(p, 'value') as TextMessage, 'string_value')).toMatchObject({ value: 'y' });
    const q = only(tree, 'priority_queue_policy') as TextMessage;
    expect(only(q, 'key')).toMatchObject({ integer: 1n });
  });

  it('parseTextProto records the line and column of every field', () => {
    const tree = parseTextProto('name: "a"\n  input {\n    dims: 3\n  }');
    const input = tree.fields[1];
    expect(input).toMatchObject({ name: 'input', line: 2, column: 3 });
    expect((input.value as TextMessage).fields[0]).toMatchObject({ name: 'dims', line: 3, column: 5 });
  });

  it('parseTextProto reports a scalar without ":" with line:column and what was expected', () => {
    expect(syntaxError('name: "a"\nmax_batch_size 8').message).toBe(
      'Syntax error in "m/config.pbtxt" at 2:16: expected ":" or "{" after field name "max_batch_size", found "8"',
    );
  });

  it('parseTextProto reports an unclosed message at the end of input', () => {
    expect(syntaxError('input {\n  name: "a"\n').message).toMatch(
      /at 3:1: expected a field name or "}", found end of input/,
    );
  });

  it('parseTextProto reports a mismatched closing bracket', () => {
    expect(syntaxError('input < name: "a" }').message).toMatch(
      /at 1:19: expected a field name or ">", found "}"/,
    );
  });

  it('parseTextProto reports an unterminated string and an unknown escape', () => {
    expect(syntaxError('name: "abc\nx: 1').message).toMatch(/at 1:7: string literal is not closed/);
    expect(syntaxError('name: "a\\qb"').message).toMatch(/unknown escape sequence "\\q"/);
  });

  it('parseTextProto reports a stray character and a trailing comma in a list', () => {
    expect(syntaxError('name: @').message).toMatch(/at 1:7: unexpected character "@"/);
    expect(syntaxError('dims: [ 1, 2, ]').message).toMatch(
      /at 1:15: expected a value in the list of "dims", found "]"/,
    );
  });

  it('parseTextProto reports a value missing after ":"', () => {
    expect(syntaxError('a { b: }').message).toMatch(/at 1:8: expected a value for field "b", found "}"/);
    expect(syntaxError('a: - x').message).toMatch(/expected a number after "-", found "x"/);
  });
});
