import { describe, expect, it } from 'vitest';
import { ServerError } from '../../../src/common/errors.js';
import type { Tensor } from '../../../src/protocol/index.js';
import {
  classify,
  decodeBytesStrings,
  encodeBytesElements,
  formatFixed6,
  toFp16Array,
} from '../../../src/protocol/index.js';
import { bytesOf } from './request-builder.js';

function fp32(name: string, shape: number[], values: number[]): Tensor {
  return { name, datatype: 'FP32', shape, data: bytesOf(new Float32Array(values)) };
}

describe('classify', () => {
  it('returns the top-N classes with labels as BYTES, values printed like printf %f', () => {
    const out = classify(fp32('PROB', [4], [0.1, 0.7, 0.05, 0.15]), 2, {
      labels: ['cat', 'dog', 'fox', 'owl'],
    });
    expect(out.name).toBe('PROB');
    expect(out.datatype).toBe('BYTES');
    expect(out.shape).toEqual([2]);
    expect(decodeBytesStrings(out.data)).toEqual(['0.700000:1:dog', '0.150000:3:owl']);
  });

  it('omits the label part when there are no labels or the index has none', () => {
    const out = classify(fp32('P', [3], [1, 3, 2]), 3, { labels: ['zero'] });
    expect(decodeBytesStrings(out.data)).toEqual(['3.000000:1', '2.000000:2', '1.000000:0:zero']);
  });

  it('breaks ties by the lower index and puts NaN last', () => {
    const out = classify(fp32('P', [5], [0.5, 0.9, Number.NaN, 0.9, 0.5]), 5);
    expect(decodeBytesStrings(out.data)).toEqual([
      '0.900000:1',
      '0.900000:3',
      '0.500000:0',
      '0.500000:4',
      'nan:2',
    ]);
  });

  it('classifies each batch row separately with shape [batch, N] for batched models', () => {
    const out = classify(fp32('P', [2, 3], [0.2, 0.5, 0.3, 0.9, 0.05, 0.05]), 2, { batched: true });
    expect(out.shape).toEqual([2, 2]);
    expect(decodeBytesStrings(out.data)).toEqual(['0.500000:1', '0.300000:2', '0.900000:0', '0.050000:1']);
  });

  it('treats the whole tensor as one row for non-batched models', () => {
    const out = classify(fp32('P', [2, 2], [0.1, 0.4, 0.3, 0.2]), 1);
    expect(out.shape).toEqual([1]);
    expect(decodeBytesStrings(out.data)).toEqual(['0.400000:1']);
  });

  it('caps N at the number of classes per row', () => {
    const out = classify(fp32('P', [1, 3], [3, 1, 2]), 10, { batched: true });
    expect(out.shape).toEqual([1, 3]);
    expect(decodeBytesStrings(out.data)).toEqual(['3.000000:0', '2.000000:2', '1.000000:1']);
  });

  it('prints integer datatypes in decimal, including 64-bit values beyond 2^53', () => {
    const i64: Tensor = {
      name: 'I',
      datatype: 'INT64',
      shape: [3],
      data: bytesOf(new BigInt64Array([5n, 2n ** 62n + 1n, -3n])),
    };
    expect(decodeBytesStrings(classify(i64, 2).data)).toEqual(['4611686018427387905:1', '5:0']);
    const u8: Tensor = { name: 'U', datatype: 'UINT8', shape: [3], data: new Uint8Array([9, 200, 17]) };
    expect(decodeBytesStrings(classify(u8, 1).data)).toEqual(['200:1']);
    const i8: Tensor = { name: 'S', datatype: 'INT8', shape: [2], data: bytesOf(new Int8Array([-5, -2])) };
    expect(decodeBytesStrings(classify(i8, 2).data)).toEqual(['-2:1', '-5:0']);
  });

  it('accepts FP16 outputs by widening them to float32', () => {
    const h: Tensor = { name: 'H', datatype: 'FP16', shape: [2], data: bytesOf(toFp16Array([0.25, 0.75])) };
    expect(decodeBytesStrings(classify(h, 1).data)).toEqual(['0.750000:1']);
  });

  it('refuses BYTES and BOOL outputs with Triton message', () => {
    const s: Tensor = { name: 'S', datatype: 'BYTES', shape: [1], data: encodeBytesElements(['x']) };
    try {
      classify(s, 1);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ServerError);
      expect((err as ServerError).code).toBe('ERR_CLASSIFICATION_DATATYPE');
      expect((err as ServerError).message).toBe(
        "Class result not available for output 'S' due to unsupported type 'BYTES'",
      );
    }
  });
});

describe('formatFixed6', () => {
  it('matches printf %f for ordinary values, large values and non-finite values', () => {
    expect(formatFixed6(Math.fround(0.7))).toBe('0.700000');
    expect(formatFixed6(1.5e-6)).toBe('0.000002');
    expect(formatFixed6(2.5e-7)).toBe('0.000000');
    expect(formatFixed6(123456.0000005)).toBe('123456.000001');
    expect(formatFixed6(1e22)).toBe('10000000000000000000000.000000');
    expect(formatFixed6(3.4028234663852886e38)).toBe('340282346638528859811704183484516925440.000000');
    expect(formatFixed6(-0)).toBe('-0.000000');
    expect(formatFixed6(Number.POSITIVE_INFINITY)).toBe('inf');
    expect(formatFixed6(Number.NEGATIVE_INFINITY)).toBe('-inf');
    expect(formatFixed6(Number.NaN)).toBe('nan');
  });

  it('rounds exact halfway values to even as glibc printf does', () => {
    expect(formatFixed6(0.0078125)).toBe('0.007812');
    expect(formatFixed6(0.0234375)).toBe('0.023438');
    expect(formatFixed6(-0.0078125)).toBe('-0.007812');
  });
});
