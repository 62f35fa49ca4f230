/**
 * cacheKey: equal for requests that must share an answer (inputs in any order, equal bytes in
 * different buffers) and different whenever the answer could differ — bytes, shape, datatype,
 * input names, model, version, requested outputs and classification.
 */
import { describe, expect, it } from 'vitest';
import { CACHE_KEY_LENGTH, cacheKey } from '../../../src/core/cache/index.js';
import type { RequestedOutput } from '../../../src/core/index.js';
import type { DataType } from '../../../src/protocol/datatypes.js';
import type { Tensor } from '../../../src/protocol/tensor.js';

function tensor(name: string, datatype: DataType, shape: number[], bytes: number[]): Tensor {
  return { name, datatype, shape, data: new Uint8Array(bytes) };
}

const BYTES16 = Array.from({ length: 16 }, (_, i) => i);
const A = tensor('A', 'INT32', [1, 4], BYTES16);
const B = tensor(
  'B',
  'INT32',
  [1, 4],
  BYTES16.map((x) => 255 - x),
);

function key(inputs: Tensor[], outputs: RequestedOutput[] | null = null, model = 'm', version = '1'): string {
  return cacheKey(model, version, inputs, outputs);
}

describe('cacheKey', () => {
  it('cacheKey is 32 lowercase hex characters', () => {
    expect(key([A, B])).toMatch(new RegExp(`^[0-9a-f]{${CACHE_KEY_LENGTH}}$`));
  });

  it('cacheKey is the same for the same inputs in any order and in different buffers', () => {
    const copy = tensor('A', 'INT32', [1, 4], BYTES16);
    expect(key([B, A])).toBe(key([A, B]));
    expect(key([copy, B])).toBe(key([A, B]));
  });

  it('cacheKey changes when one input byte changes', () => {
    const changed = tensor('A', 'INT32', [1, 4], [...BYTES16.slice(0, 15), 99]);
    expect(key([changed, B])).not.toBe(key([A, B]));
  });

  it('cacheKey changes with the shape of the same bytes', () => {
    const flat = tensor('A', 'INT32', [4], BYTES16);
    const square = tensor('A', 'INT32', [2, 2], BYTES16);
    const keys = new Set([key([A]), key([flat]), key([square])]);
    expect(keys.size).toBe(3);
  });

  it('cacheKey changes with the datatype of the same bytes', () => {
    const asFloat = tensor('A', 'FP32', [1, 4], BYTES16);
    const asUint = tensor('A', 'UINT32', [1, 4], BYTES16);
    expect(new Set([key([A]), key([asFloat]), key([asUint])]).size).toBe(3);
  });

  it('cacheKey changes with the model name and the version', () => {
    expect(key([A], null, 'm2')).not.toBe(key([A]));
    expect(key([A], null, 'm', '2')).not.toBe(key([A]));
  });

  it('cacheKey changes with the requested outputs, their order and their classification', () => {
    const all = key([A]);
    const one = key([A], [{ name: 'OUT0', classCount: 0 }]);
    const two = key(
      [A],
      [
        { name: 'OUT0', classCount: 0 },
        { name: 'OUT1', classCount: 0 },
      ],
    );
    const swapped = key(
      [A],
      [
        { name: 'OUT1', classCount: 0 },
        { name: 'OUT0', classCount: 0 },
      ],
    );
    const top3 = key([A], [{ name: 'OUT0', classCount: 3 }]);
    expect(new Set([all, one, two, swapped, top3]).size).toBe(5);
  });

  it('cacheKey does not confuse where a name ends and the data begins', () => {
    const left = [tensor('a', 'UINT8', [2], [1, 2])];
    const right = [tensor('a\u0001', 'UINT8', [1], [2])];
    expect(key(left)).not.toBe(key(right));
    const split1 = [tensor('x', 'UINT8', [1], [1]), tensor('y', 'UINT8', [2], [2, 3])];
    const split2 = [tensor('x', 'UINT8', [2], [1, 2]), tensor('y', 'UINT8', [1], [3])];
    expect(key(split1)).not.toBe(key(split2));
  });

  it('cacheKey handles requests whose metadata outgrow the scratch buffer', () => {
    const longName = 'n'.repeat(5000);
    const big = tensor(longName, 'UINT8', [1], [1]);
    expect(key([big])).not.toBe(key([tensor(`${longName}x`, 'UINT8', [1], [1])]));
  });
});
