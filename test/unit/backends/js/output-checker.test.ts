import { describe, expect, it } from 'vitest';
import { createTensor } from '../../../../src/backends/js/api.js';
import { OutputChecker } from '../../../../src/backends/js/output-checker.js';
import { testConfig } from '../../../conformance/execute.js';

const config = testConfig('m', {
  backend: 'javascript',
  output: [
    { name: 'A', data_type: 'TYPE_INT32', dims: [1] },
    { name: 'B', data_type: 'TYPE_STRING', dims: [1] },
  ] as never,
});
const checker = new OutputChecker(config);
const a = createTensor('A', 'INT32', [1], [1]);
const b = createTensor('B', 'BYTES', [1], ['x']);

describe('OutputChecker', () => {
  it('OutputChecker returns the tensors in the config output order', () => {
    expect(checker.check([b, a]).map((t) => t.name)).toEqual(['A', 'B']);
  });

  it('OutputChecker rejects an output the config does not declare, naming the declared ones', () => {
    expect(() => checker.check([createTensor('C', 'INT32', [1], [1])])).toThrow(
      "Model returned output 'C', which the config does not declare: declared 'A', 'B'",
    );
  });

  it('OutputChecker rejects an output of another datatype than the config', () => {
    expect(() => checker.check([createTensor('A', 'INT64', [1], [1n])])).toThrow(
      "Model returned output 'A' as INT64 but the config declares INT32",
    );
  });

  it('OutputChecker rejects a repeated output and a response that is not an array', () => {
    expect(() => checker.check([a, a])).toThrow("Model returned output 'A' twice");
    expect(() => checker.check({ A: a } as never)).toThrow(
      'A response must be an array of tensors or an Error: received Object',
    );
  });

  it('OutputChecker rejects a tensor whose bytes do not match its shape with INTERNAL, not INVALID_ARG', () => {
    const bad = { name: 'A', datatype: 'INT32', shape: [2], data: new Uint8Array(4) } as const;
    expect(() => checker.check([bad])).toThrow("Tensor 'A' has 4 bytes but shape [2] of INT32 needs 8");
    expect(() => checker.check([bad])).toThrow(expect.objectContaining({ status: 'INTERNAL' }));
  });
});
