import { describe, expect, it } from 'vitest';
import {
  bytesElements,
  checkTensor,
  createTensor,
  renameTensor,
  stringElements,
  tensorFromBytes,
  toArray,
  toFloat32Array,
  toTypedArray,
} from '../../../../src/backends/js/api.js';
import { ModelError } from '../../../../src/backends/js/model-error.js';
import type { DataType } from '../../../../src/protocol/datatypes.js';

const SAMPLES: Record<DataType, unknown[]> = {
  BOOL: [true, false, true],
  UINT8: [0, 7, 255],
  UINT16: [0, 7, 65535],
  UINT32: [0, 7, 4294967295],
  UINT64: [0n, 7n, 18446744073709551615n],
  INT8: [-128, 0, 127],
  INT16: [-32768, 0, 32767],
  INT32: [-2147483648, 0, 2147483647],
  INT64: [-9223372036854775808n, 0n, 9223372036854775807n],
  FP16: [0.5, -2, 65504],
  FP32: [0.25, -1.5, 3],
  FP64: [Math.PI, -1e300, 0],
  BYTES: [new Uint8Array([0, 1, 0]), new Uint8Array([0xff]), new Uint8Array(0)],
  BF16: [1, -0.5, 256],
};

describe('JS model tensor helpers', () => {
  it('createTensor builds every datatype from plain arrays and toArray reads the same values back', () => {
    for (const [datatype, values] of Object.entries(SAMPLES) as [DataType, never[]][]) {
      const t = createTensor('T', datatype, [3], values);
      expect(() => checkTensor(t)).not.toThrow();
      expect(toArray(t)).toEqual(values);
    }
  });

  it('createTensor takes the matching typed array without copying it', () => {
    const values = new Int32Array([1, 2, 3, 4]);
    const t = createTensor('T', 'INT32', [2, 2], values);
    expect(t.data.buffer).toBe(values.buffer);
    expect(t.shape).toEqual([2, 2]);
  });

  it('createTensor rejects a typed array of another datatype, naming both', () => {
    expect(() => createTensor('T', 'INT32', [2], new Float32Array(2))).toThrow(
      "Tensor 'T' is INT32: pass a Int32Array or a plain array, not a Float32Array",
    );
  });

  it('createTensor rejects an integer outside its datatype range, naming the element', () => {
    expect(() => createTensor('T', 'UINT8', [2], [1, 256])).toThrow(
      "Tensor 'T' is UINT8: element 1 (256) is not an integer in [0, 255]",
    );
  });

  it('createTensor rejects an element count the shape does not hold with INTERNAL (the model is at fault)', () => {
    const err = (() => {
      try {
        createTensor('T', 'FP32', [2, 2], [1, 2, 3]);
      } catch (e) {
        return e as ModelError;
      }
      throw new Error('no error');
    })();
    expect(err).toBeInstanceOf(ModelError);
    expect(err.status).toBe('INTERNAL');
    expect(err.message).toBe("Tensor 'T' has 3 elements but shape [2,2] needs 4");
  });

  it('tensorFromBytes rejects fixed-size data of the wrong length and BYTES data that overruns', () => {
    expect(() => tensorFromBytes('T', 'INT16', [3], new Uint8Array(4))).toThrow(
      "Tensor 'T' has 4 bytes but shape [3] of INT16 needs 6",
    );
    expect(() => tensorFromBytes('T', 'BYTES', [1], new Uint8Array([9, 0, 0, 0, 1]))).toThrow(ModelError);
  });

  it('toTypedArray views aligned bytes in place and refuses BYTES tensors', () => {
    const t = createTensor('T', 'FP64', [2], [1, 2]);
    expect(toTypedArray(t).buffer).toBe(t.data.buffer);
    expect(() => toTypedArray(createTensor('S', 'BYTES', [1], ['x']))).toThrow(
      "Tensor 'S' is BYTES: read it with bytesElements or stringElements",
    );
  });

  it('toFloat32Array decodes FP16 and BF16 bit patterns and widens integers', () => {
    expect(Array.from(toFloat32Array(createTensor('H', 'FP16', [2], new Float32Array([1.5, -3]))))).toEqual([
      1.5, -3,
    ]);
    expect(Array.from(toFloat32Array(createTensor('B', 'BF16', [2], [2, -0.25])))).toEqual([2, -0.25]);
    expect(Array.from(toFloat32Array(createTensor('I', 'INT64', [2], [5n, -6n])))).toEqual([5, -6]);
  });

  it('bytesElements keeps NUL bytes exactly and stringElements decodes UTF-8', () => {
    const t = createTensor('S', 'BYTES', [2], ['a\u0000b', 'é']);
    expect(bytesElements(t).map((e) => Array.from(e))).toEqual([
      [97, 0, 98],
      [0xc3, 0xa9],
    ]);
    expect(stringElements(t)).toEqual(['a\u0000b', 'é']);
  });

  it('renameTensor shares the data under the new name', () => {
    const t = createTensor('A', 'UINT8', [1], [3]);
    const r = renameTensor(t, 'B');
    expect(r.name).toBe('B');
    expect(r.data).toBe(t.data);
  });
});
