/** Unit: validateRequest checks requests against a model plan with Triton's messages. */
import { describe, expect, it } from 'vitest';
import { normalizeModelConfig } from '../../../src/config/index.js';
import { InferenceRequest, type ResponseSink } from '../../../src/core/inference-request.js';
import { ModelPlan } from '../../../src/core/model-plan.js';
import { validateRequest } from '../../../src/core/request-validator.js';
import type { Tensor } from '../../../src/protocol/tensor.js';

const sink: ResponseSink = { onResponse() {}, onError() {} };

function plan(maxBatchSize: number, optional = false): ModelPlan {
  const config = normalizeModelConfig({
    name: 'm',
    backend: 'onnxruntime',
    max_batch_size: maxBatchSize,
    input: [
      { name: 'A', data_type: 'TYPE_FP32', dims: [-1, 4] },
      { name: 'B', data_type: 'TYPE_INT32', dims: [2], optional },
    ],
    output: [{ name: 'Y', data_type: 'TYPE_FP32', dims: [4] }],
  });
  return new ModelPlan(config, new Map());
}

function t(name: string, datatype: Tensor['datatype'], shape: number[]): Tensor {
  return { name, datatype, shape, data: new Uint8Array(0) };
}

function req(
  inputs: Tensor[],
  outputs: { name: string; classCount: number }[] | null = null,
  id = '',
): InferenceRequest {
  return new InferenceRequest({ modelName: 'm', inputs, outputs, sink, id });
}

describe('validateRequest', () => {
  it('sets the batch size from the first dim of batching models', () => {
    const r = req([t('A', 'FP32', [3, 5, 4]), t('B', 'INT32', [3, 2])]);
    validateRequest(r, plan(8));
    expect(r.batchSize).toBe(3);
  });

  it('uses batch size 1 for models that do not batch', () => {
    const r = req([t('A', 'FP32', [5, 4]), t('B', 'INT32', [2])]);
    validateRequest(r, plan(0));
    expect(r.batchSize).toBe(1);
  });

  it('rejects a batch larger than max_batch_size', () => {
    expect(() => validateRequest(req([t('A', 'FP32', [9, 1, 4]), t('B', 'INT32', [9, 2])]), plan(8))).toThrow(
      /inference request batch-size must be <= 8 for 'm': received 9/,
    );
  });

  it('rejects a shape that misses the batch dim, with the NOTE about max_batch_size', () => {
    expect(() => validateRequest(req([t('A', 'FP32', [5, 4]), t('B', 'INT32', [1, 2])]), plan(8))).toThrow(
      /unexpected shape for input 'A' for model 'm'\. Expected \[-1,-1,4\], got \[5,4\]\. NOTE: Setting a non-zero max_batch_size/,
    );
  });

  it('rejects wrong datatypes naming both types', () => {
    expect(() => validateRequest(req([t('A', 'FP64', [1, 1, 4]), t('B', 'INT32', [1, 2])]), plan(8))).toThrow(
      "inference input 'A' data-type is 'FP64', but model 'm' expects 'FP32'",
    );
  });

  it('lists missing required inputs and accepts a missing optional one', () => {
    expect(() => validateRequest(req([t('A', 'FP32', [1, 1, 4])]), plan(8))).toThrow(
      "expected 2 inputs but got 1 inputs for model 'm'. Got input(s) ['A'], but missing required input(s) ['B']",
    );
    const r = req([t('A', 'FP32', [1, 1, 4])]);
    validateRequest(r, plan(8, true));
    expect(r.batchSize).toBe(1);
  });

  it('rejects unknown and duplicate inputs, unknown outputs, and inconsistent batch sizes', () => {
    const p = plan(8);
    expect(() => validateRequest(req([t('Z', 'FP32', [1])]), p)).toThrow("unexpected inference input 'Z'");
    expect(() => validateRequest(req([t('A', 'FP32', [1, 1, 4]), t('A', 'FP32', [1, 1, 4])]), p)).toThrow(
      "input 'A' was given more than once",
    );
    expect(() =>
      validateRequest(
        req([t('A', 'FP32', [1, 1, 4]), t('B', 'INT32', [1, 2])], [{ name: 'Q', classCount: 0 }]),
        p,
      ),
    ).toThrow("unexpected inference output 'Q'");
    expect(() => validateRequest(req([t('A', 'FP32', [2, 1, 4]), t('B', 'INT32', [1, 2])]), p)).toThrow(
      "input 'B' batch size 1 does not match batch size 2",
    );
  });

  it('prefixes messages with the request id', () => {
    expect(() => validateRequest(req([t('Z', 'FP32', [1])], null, 'abc'), plan(8))).toThrow(
      /^\[request id: abc\]/,
    );
    expect(() => validateRequest(req([t('Z', 'FP32', [1])]), plan(8))).toThrow(
      /^\[request id: <id_unknown>\]/,
    );
  });
});
