import { describe, expect, it } from 'vitest';
import { createTensor, stringElements, toArray } from '../../../../src/backends/js/api.js';
import { splitRows } from '../../../../src/backends/js/split-rows.js';

describe('splitRows', () => {
  it('splitRows gives each request its rows of a fixed-size tensor as views', () => {
    const t = createTensor('X', 'INT32', [4, 2], [1, 2, 3, 4, 5, 6, 7, 8]);
    const parts = splitRows(t, [1, 2, 1]);
    expect(parts.map((p) => p.shape)).toEqual([
      [1, 2],
      [2, 2],
      [1, 2],
    ]);
    expect(parts.map((p) => toArray(p))).toEqual([
      [1, 2],
      [3, 4, 5, 6],
      [7, 8],
    ]);
    expect(parts[1]!.data.buffer).toBe(t.data.buffer);
  });

  it('splitRows walks BYTES elements once and keeps their exact bytes', () => {
    const t = createTensor('S', 'BYTES', [3, 2], ['a', '', 'b\u0000c', 'dd', 'e', 'fff']);
    const parts = splitRows(t, [2, 1]);
    expect(parts.map((p) => stringElements(p))).toEqual([
      ['a', '', 'b\u0000c', 'dd'],
      ['e', 'fff'],
    ]);
  });

  it('splitRows refuses rows that do not add up to the batch dimension', () => {
    const t = createTensor('X', 'FP32', [3], [1, 2, 3]);
    expect(() => splitRows(t, [1, 1])).toThrow(
      "Cannot split input 'X' of shape [3] into requests of 1+1 rows",
    );
  });
});
