import { describe, expect, it } from 'vitest';
import type { DataType } from '../../../src/protocol/index.js';
import {
  decodeBytesStrings,
  encodeBytesElements,
  jsonDataToWire,
  parseJsonText,
  TYPED_ARRAY,
  wireToJsonText,
} from '../../../src/protocol/index.js';
import { serverErrorOf } from '../../helpers/server-error-of.js';
import { bytesOf } from './request-builder.js';

/** Sample values per JSON-capable datatype, including each type's extremes. */
const SAMPLES: Record<string, unknown[]> = {
  BOOL: [true, false, true],
  UINT8: [0, 1, 255],
  UINT16: [0, 65535, 7],
  UINT32: [0, 4294967295, 12345],
  UINT64: [0, 9007199254740991, 2 ** 63],
  INT8: [-128, 0, 127],
  INT16: [-32768, 5, 32767],
  INT32: [-2147483648, -1, 2147483647],
  INT64: [-(2 ** 63), -1, 9007199254740991],
  FP32: [0.5, -1.25, 3.4028234663852886e38],
  FP64: [0.1, -1e300, 5e-324],
  BYTES: ['', 'a\u0000b', 'héllo'],
};

function expectedWire(datatype: DataType, values: unknown[]): Uint8Array {
  if (datatype === 'BYTES') return encodeBytesElements(values as string[]);
  if (datatype === 'BOOL') return new Uint8Array((values as boolean[]).map((b) => (b ? 1 : 0)));
  const ctor = TYPED_ARRAY[datatype];
  const big = datatype === 'INT64' || datatype === 'UINT64';
  const arr = new ctor(values.length);
  for (let i = 0; i < values.length; i++) (arr as any)[i] = big ? BigInt(values[i] as number) : values[i];
  return bytesOf(arr);
}

describe('JSON tensor data', () => {
  for (const [datatype, values] of Object.entries(SAMPLES)) {
    it(`jsonDataToWire and wireToJsonText round-trip ${datatype} values exactly`, () => {
      const dt = datatype as DataType;
      const wire = jsonDataToWire('X', dt, [3], values);
      expect(Array.from(wire)).toEqual(Array.from(expectedWire(dt, values)));
      const text = wireToJsonText('X', dt, [3], wire);
      const parsed = parseJsonText(text, 'test') as unknown[];
      if (dt === 'FP32') {
        expect(parsed).toEqual(values.map((v) => Math.fround(v as number)));
      } else {
        expect(parsed).toEqual(values);
      }
    });
  }

  it('jsonDataToWire flattens nested data row-major', () => {
    const wire = jsonDataToWire(
      'X',
      'INT32',
      [2, 2, 2],
      [
        [
          [1, 2],
          [3, 4],
        ],
        [
          [5, 6],
          [7, 8],
        ],
      ],
    );
    expect(Array.from(new Int32Array(wire.buffer, wire.byteOffset, 8))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const strings = jsonDataToWire('S', 'BYTES', [2, 1], [['x'], ['yz']]);
    expect(decodeBytesStrings(strings)).toEqual(['x', 'yz']);
  });

  it('wireToJsonText writes INT64 and UINT64 beyond 2^53 exactly', () => {
    const big = bytesOf(new BigInt64Array([-9223372036854775808n, 9007199254740993n]));
    expect(wireToJsonText('X', 'INT64', [2], big)).toBe('[-9223372036854775808,9007199254740993]');
    const ubig = bytesOf(new BigUint64Array([18446744073709551615n]));
    expect(wireToJsonText('X', 'UINT64', [1], ubig)).toBe('[18446744073709551615]');
  });

  it('wireToJsonText writes NaN and infinities bare as Triton does, and the parser reads them back', () => {
    const wire = bytesOf(
      new Float32Array([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1]),
    );
    const text = wireToJsonText('X', 'FP32', [4], wire);
    expect(text).toBe('[NaN,Infinity,-Infinity,1]');
    const back = jsonDataToWire('X', 'FP32', [4], parseJsonText(text, 'test'));
    expect(Array.from(new Float32Array(back.buffer))).toEqual([
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      1,
    ]);
  });

  it('wireToJsonText reads unaligned views by copying them', () => {
    const buf = new Uint8Array(9);
    buf.set(bytesOf(new Int32Array([7, -7])), 1);
    expect(wireToJsonText('X', 'INT32', [2], buf.subarray(1))).toBe('[7,-7]');
  });

  it('wireToJsonText writes BYTES as JSON strings, escaping control characters', () => {
    const wire = encodeBytesElements(['a"b', 'line\nnext', '\u0000', '']);
    expect(wireToJsonText('X', 'BYTES', [4], wire)).toBe('["a\\"b","line\\nnext","\\u0000",""]');
  });

  it('wireToJsonText replaces invalid UTF-8 in BYTES output with U+FFFD', () => {
    const wire = encodeBytesElements([new Uint8Array([0x66, 0xc3])]);
    expect(JSON.parse(wireToJsonText('X', 'BYTES', [1], wire))).toEqual(['f\ufffd']);
  });

  it('JsonCodec rejects FP16 data sent as JSON with Triton message', () => {
    const err = serverErrorOf(() => jsonDataToWire('IN', 'FP16', [1], [1]));
    expect(err.code).toBe('ERR_JSON_DATA_UNSUPPORTED');
    expect(err.message).toBe(
      "Receiving FP16 data via JSON is not supported. Please use the binary data format for input 'IN'",
    );
    expect(serverErrorOf(() => wireToJsonText('OUT', 'BF16', [1], new Uint8Array(2))).message).toBe(
      "Sending BF16 data via JSON is not supported. Please use the binary data format for output 'OUT'",
    );
  });

  it('jsonDataToWire rejects out-of-range, non-integral and mistyped values naming the element', () => {
    expect(serverErrorOf(() => jsonDataToWire('IN', 'INT8', [2], [1, 128])).message).toBe(
      "Input 'IN': element 1 of 'data' is 128, outside the range of INT8 [-128, 127]",
    );
    expect(serverErrorOf(() => jsonDataToWire('IN', 'UINT64', [1], [-1])).message).toBe(
      "Input 'IN': element 0 of 'data' is -1, outside the range of UINT64 [0, 18446744073709551615]",
    );
    expect(serverErrorOf(() => jsonDataToWire('IN', 'INT32', [2], [1, 2.5])).message).toBe(
      "Input 'IN': element 1 of 'data' must be an integer for INT32, got number 2.5",
    );
    expect(serverErrorOf(() => jsonDataToWire('IN', 'BOOL', [1], [1])).message).toBe(
      "Input 'IN': element 0 of 'data' must be true or false for BOOL, got number 1",
    );
    expect(serverErrorOf(() => jsonDataToWire('IN', 'FP32', [1], ['1'])).message).toBe(
      "Input 'IN': element 0 of 'data' must be a number for FP32, got string \"1\"",
    );
    expect(serverErrorOf(() => jsonDataToWire('IN', 'BYTES', [2], ['a', 3])).message).toBe(
      "Input 'IN': element 1 of 'data' must be a string for BYTES, got number 3",
    );
    expect(serverErrorOf(() => jsonDataToWire('IN', 'INT64', [1], [2 ** 63])).code).toBe('ERR_JSON_DATA');
  });

  it('jsonDataToWire rejects an element count that does not match the shape', () => {
    const err = serverErrorOf(() => jsonDataToWire('IN', 'INT32', [1, 16], new Array(15).fill(0)));
    expect(err.code).toBe('ERR_JSON_DATA_SHAPE');
    expect(err.message).toBe("Input 'IN': 'data' has 15 elements but shape [1,16] needs 16");
    expect(serverErrorOf(() => jsonDataToWire('IN', 'INT32', [1], 5)).message).toBe(
      "Input 'IN': 'data' must be an array, got number",
    );
  });

  it('wireToJsonText reports a byte count that does not match the shape as INTERNAL', () => {
    const err = serverErrorOf(() => wireToJsonText('OUT', 'INT32', [2], new Uint8Array(4)));
    expect(err.status).toBe('INTERNAL');
    expect(err.message).toBe("Output 'OUT' has 4 bytes but shape [2] of INT32 needs 8");
  });
});
