/** Unit: building one request's response from the tensors its execution produced. */
import { describe, expect, it } from 'vitest';
import type { ServerError } from '../../../src/common/errors.js';
import { parseModelConfig, validateModelConfig } from '../../../src/config/index.js';
import {
  buildExecutionResponse,
  OWN_OUTPUTS,
  type ResponseContext,
} from '../../../src/core/execution-response.js';
import { InferenceRequest, type RequestedOutput } from '../../../src/core/inference-request.js';
import { ModelPlan } from '../../../src/core/model-plan.js';
import { decodeBytesStrings } from '../../../src/protocol/bytes-tensor.js';
import type { Tensor } from '../../../src/protocol/tensor.js';

const TIMING = { computeInputNs: 10, computeInferNs: 20, computeOutputNs: 30 };

/** A context for model "m": OUTPUT0 FP32 [2], OUTPUT1 FP32 [1, 2] reshaped to [2]. */
function context(head = 'max_batch_size: 4'): ResponseContext {
  const text = `name: "m"
backend: "onnxruntime"
${head}
input [ { name: "INPUT0" data_type: TYPE_FP32 dims: [ 2 ] } ]
output [
  { name: "OUTPUT0" data_type: TYPE_FP32 dims: [ 2 ] },
  { name: "OUTPUT1" data_type: TYPE_FP32 dims: [ 2 ] reshape: { shape: [ 1, 2 ] } }
]`;
  const config = validateModelConfig(parseModelConfig(text), { modelName: 'm' });
  return { modelName: 'm', versionString: '1', plan: new ModelPlan(config, new Map()) };
}

function request(outputs: RequestedOutput[] | null, batchSize = 1): InferenceRequest {
  const r = new InferenceRequest({
    modelName: 'm',
    id: 'r1',
    inputs: [],
    outputs,
    sink: { onResponse() {}, onError() {} },
    arrivalNs: 100,
  });
  r.batchSize = batchSize;
  r.startNs = 150;
  return r;
}

function f32(name: string, shape: number[], values: number[]): Tensor {
  return { name, datatype: 'FP32', shape, data: new Uint8Array(new Float32Array(values).buffer) };
}

function values(t: Tensor): number[] {
  return [...new Float32Array(t.data.slice().buffer)];
}

describe('buildExecutionResponse', () => {
  it('fills the model, id and timing from the request, the execution and the end time', () => {
    const out = [f32('OUTPUT0', [1, 2], [1, 2])];
    const response = buildExecutionResponse(context(), request(null), out, OWN_OUTPUTS, TIMING, 400);
    expect(response).toMatchObject({ modelName: 'm', modelVersion: '1', id: 'r1', parameters: null });
    expect(response.timing).toEqual({ queueNs: 50, ...TIMING, totalNs: 300 });
  });

  it('returns every produced tensor, in order, when the request names no outputs and there are no defaults', () => {
    const out = [f32('OUTPUT1', [1, 1, 2], [3, 4]), f32('STATE', [1, 2], [5, 6])];
    const response = buildExecutionResponse(context(), request(null), out, OWN_OUTPUTS, TIMING, 400);
    expect(response.outputs.map((t) => t.name)).toEqual(['OUTPUT1', 'STATE']);
  });

  it('returns the default outputs in their order and never the other tensors', () => {
    const out = [
      f32('STATE', [1, 2], [5, 6]),
      f32('OUTPUT1', [1, 1, 2], [3, 4]),
      f32('OUTPUT0', [1, 2], [1, 2]),
    ];
    const ctx = context();
    const response = buildExecutionResponse(
      ctx,
      request(null),
      out,
      { row: 0, rows: 0, defaultOutputs: ctx.plan.allOutputNames },
      TIMING,
      400,
    );
    expect(response.outputs.map((t) => t.name)).toEqual(['OUTPUT0', 'OUTPUT1']);
  });

  it("slices the request's rows out of a batch and applies the output reshape with the request's rows", () => {
    const out = [f32('OUTPUT1', [3, 1, 2], [1, 2, 3, 4, 5, 6])];
    const response = buildExecutionResponse(
      context(),
      request(null, 2),
      out,
      { row: 1, rows: 3, defaultOutputs: null },
      TIMING,
      400,
    );
    expect(response.outputs[0]!.shape).toEqual([2, 2]);
    expect(values(response.outputs[0]!)).toEqual([3, 4, 5, 6]);
  });

  it('reshapes without a batch dimension for a model that does not batch', () => {
    const out = [f32('OUTPUT1', [1, 2], [7, 8])];
    const response = buildExecutionResponse(
      context('max_batch_size: 0'),
      request(null),
      out,
      OWN_OUTPUTS,
      TIMING,
      400,
    );
    expect(response.outputs[0]!.shape).toEqual([2]);
  });

  it('classifies a requested output when a class count is asked for', () => {
    const out = [f32('OUTPUT0', [2, 2], [0.1, 0.9, 0.8, 0.2])];
    const req = request([{ name: 'OUTPUT0', classCount: 1 }]);
    const response = buildExecutionResponse(
      context(),
      req,
      out,
      { row: 1, rows: 2, defaultOutputs: null },
      TIMING,
      400,
    );
    expect(response.outputs[0]!.datatype).toBe('BYTES');
    expect(decodeBytesStrings(response.outputs[0]!.data)).toEqual(['0.800000:0']);
  });

  it('fails with ERR_BACKEND when the model did not produce a requested output', () => {
    const out = [f32('OUTPUT0', [1, 2], [1, 2])];
    const req = request([{ name: 'OUTPUT1', classCount: 0 }]);
    let error: ServerError | undefined;
    try {
      buildExecutionResponse(context(), req, out, OWN_OUTPUTS, TIMING, 400);
    } catch (err) {
      error = err as ServerError;
    }
    expect(error?.code).toBe('ERR_BACKEND');
    expect(error?.message).toBe("Model 'm' did not produce output 'OUTPUT1'");
  });
});
