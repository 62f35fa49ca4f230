import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ServerError } from '../../../src/common/errors.js';
import {
  modelConfigToJson,
  normalizeModelConfig,
  parseModelConfig,
  parsePartialModelConfig,
} from '../../../src/config/index.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/configs');

function fixture(name: string): string {
  return readFileSync(join(FIXTURES, `${name}.pbtxt`), 'utf8');
}

describe('normalizeModelConfig', () => {
  it('normalizeModelConfig prints "simple" exactly as Triton\'s GET /v2/models/simple/config does', () => {
    const c = parseModelConfig(fixture('simple'));
    const io = (name: string) =>
      `{"name":"${name}","data_type":"TYPE_INT32","format":"FORMAT_NONE","dims":[16],"is_shape_tensor":false,"allow_ragged_batch":false,"optional":false,"is_non_linear_format_io":false}`;
    const out = (name: string) =>
      `{"name":"${name}","data_type":"TYPE_INT32","dims":[16],"label_filename":"","is_shape_tensor":false,"is_non_linear_format_io":false}`;
    expect(JSON.stringify(modelConfigToJson(c))).toBe(
      `{"name":"simple","platform":"tensorflow_graphdef","backend":"tensorflow","runtime":"","version_policy":{"latest":{"num_versions":1}},"max_batch_size":8,` +
        `"input":[${io('INPUT0')},${io('INPUT1')}],"output":[${out('OUTPUT0')},${out('OUTPUT1')}],"batch_input":[],"batch_output":[],` +
        `"optimization":{"priority":"PRIORITY_DEFAULT","input_pinned_memory":{"enable":true},"output_pinned_memory":{"enable":true},"gather_kernel_buffer_threshold":0,"eager_batching":false},` +
        `"instance_group":[{"name":"simple","kind":"KIND_CPU","count":2,"gpus":[],"secondary_devices":[],"profile":[],"passive":false,"host_policy":""}],` +
        `"default_model_filename":"","cc_model_filenames":{},"metric_tags":{},"parameters":{},"model_warmup":[]}`,
    );
  });

  it('normalizeModelConfig orders keys as model_config.proto declares them', () => {
    const c = normalizeModelConfig({ model_warmup: [], name: 'm', max_batch_size: 2, dynamic_batching: {} });
    expect(Object.keys(c).slice(0, 12)).toEqual([
      'name',
      'platform',
      'backend',
      'runtime',
      'version_policy',
      'max_batch_size',
      'input',
      'output',
      'batch_input',
      'batch_output',
      'optimization',
      'dynamic_batching',
    ]);
    const seq = normalizeModelConfig({
      sequence_batching: { state: [], direct: {}, max_sequence_idle_microseconds: 5 },
    });
    expect(Object.keys(seq.sequence_batching!)).toEqual([
      'direct',
      'max_sequence_idle_microseconds',
      'control_input',
      'state',
      'iterative_sequence',
    ]);
  });

  it('normalizeModelConfig fills proto zeros and leaves optional messages absent', () => {
    const c = normalizeModelConfig({ input: [{ name: 'x' }] });
    expect(c.input[0]).toEqual({
      name: 'x',
      data_type: 'TYPE_INVALID',
      format: 'FORMAT_NONE',
      dims: [],
      is_shape_tensor: false,
      allow_ragged_batch: false,
      optional: false,
      is_non_linear_format_io: false,
    });
    for (const key of [
      'dynamic_batching',
      'sequence_batching',
      'ensemble_scheduling',
      'model_operations',
      'model_metrics',
    ]) {
      expect(key in c).toBe(false);
    }
    expect('reshape' in c.input[0]).toBe(false);
    expect('graph' in c.optimization).toBe(false);
    expect(c.model_transaction_policy).toEqual({ decoupled: false });
    expect(c.response_cache).toEqual({ enable: false });
  });

  it('normalizeModelConfig defaults the version policy to the latest 1 version', () => {
    expect(normalizeModelConfig({}).version_policy).toEqual({ latest: { num_versions: 1 } });
    expect(normalizeModelConfig({ version_policy: {} }).version_policy).toEqual({
      latest: { num_versions: 1 },
    });
    expect(normalizeModelConfig({ version_policy: { all: {} } }).version_policy).toEqual({ all: {} });
  });

  it('normalizeModelConfig adds one CPU group named after the model, with 2 instances for onnxruntime', () => {
    expect(normalizeModelConfig({ name: 'm', backend: 'onnxruntime' }).instance_group).toEqual([
      {
        name: 'm',
        kind: 'KIND_CPU',
        count: 2,
        gpus: [],
        secondary_devices: [],
        profile: [],
        passive: false,
        host_policy: '',
      },
    ]);
    expect(normalizeModelConfig({ name: 'm', backend: 'python' }).instance_group[0].count).toBe(1);
  });

  it("normalizeModelConfig infers the backend from the platform for the default instance count, as Triton's core does", () => {
    expect(normalizeModelConfig({ name: 'm', platform: 'onnxruntime_onnx' }).instance_group[0].count).toBe(2);
    expect(normalizeModelConfig({ name: 'm', platform: 'tensorrt_plan' }).instance_group[0].count).toBe(1);
  });

  it('normalizeModelConfig names unnamed groups <model>_<index> and resolves KIND_AUTO to KIND_CPU', () => {
    const c = normalizeModelConfig({
      name: 'm',
      instance_group: [{ name: 'fast', count: 3 }, { kind: 'KIND_MODEL' }, {}],
    });
    expect(c.instance_group.map((g) => [g.name, g.kind, g.count])).toEqual([
      ['fast', 'KIND_CPU', 3],
      ['m_1', 'KIND_MODEL', 1],
      ['m_2', 'KIND_CPU', 1],
    ]);
  });

  it('normalizeModelConfig uses the model directory name when the config has none', () => {
    const c = normalizeModelConfig({}, { modelName: 'resnet' });
    expect(c.name).toBe('resnet');
    expect(c.instance_group[0].name).toBe('resnet');
  });

  it('normalizeModelConfig keeps an empty dynamic_batching block with zeros and max_batch_size as preferred size', () => {
    const c = parseModelConfig('max_batch_size: 8 dynamic_batching { }');
    expect(c.dynamic_batching).toEqual({
      preferred_batch_size: [8],
      max_queue_delay_microseconds: 0,
      preserve_ordering: false,
      priority_levels: 0,
      default_priority_level: 0,
      priority_queue_policy: {},
    });
    expect(parseModelConfig('dynamic_batching { }').dynamic_batching!.preferred_batch_size).toEqual([]);
  });

  it('normalizeModelConfig turns max_sequence_idle_microseconds 0 into 1000000', () => {
    const c = parseModelConfig('max_batch_size: 4 sequence_batching { oldest { } }');
    expect(c.sequence_batching!.max_sequence_idle_microseconds).toBe(1_000_000);
    expect(c.sequence_batching!.oldest!.preferred_batch_size).toEqual([4]);
    expect(
      parseModelConfig('sequence_batching { max_sequence_idle_microseconds: 7 }').sequence_batching!
        .max_sequence_idle_microseconds,
    ).toBe(7);
  });

  it('normalizeModelConfig keeps pinned memory settings that are given and enables them otherwise', () => {
    const c = parseModelConfig('optimization { input_pinned_memory { enable: false } graph { level: -1 } }');
    expect(c.optimization.input_pinned_memory).toEqual({ enable: false });
    expect(c.optimization.output_pinned_memory).toEqual({ enable: true });
    expect(c.optimization.graph).toEqual({ level: -1 });
  });

  it('normalizeModelConfig adds no instance group to an ensemble', () => {
    expect(parseModelConfig(fixture('ensemble_image')).instance_group).toEqual([]);
  });

  it('normalizeModelConfig is idempotent', () => {
    for (const name of [
      'simple',
      'simple_dyna_sequence',
      'ort_tensorrt',
      'dynamic_priority',
      'versions_warmup',
    ]) {
      const once = parseModelConfig(fixture(name));
      expect(normalizeModelConfig(once)).toEqual(once);
    }
  });

  it('normalizeModelConfig accepts Triton JSON with int64 strings and enum numbers', () => {
    const c = normalizeModelConfig({
      input: [{ name: 'x', data_type: 11 as never, dims: ['3', '-1'] as never }],
      dynamic_batching: { max_queue_delay_microseconds: '100' as never },
    });
    expect(c.input[0].data_type).toBe('TYPE_FP32');
    expect(c.input[0].dims).toEqual([3, -1]);
    expect(c.dynamic_batching!.max_queue_delay_microseconds).toBe(100);
  });

  it('normalizeModelConfig rejects unknown JSON fields naming their path', () => {
    expect(() => normalizeModelConfig({ dynamic_batching: { max_delay: 5 } } as never)).toThrow(
      /dynamic_batching\.max_delay: unknown field of ModelDynamicBatching/,
    );
    expect(() => normalizeModelConfig({ input: 'x' } as never)).toThrow(ServerError);
  });
});

describe('modelConfigToJson', () => {
  it('modelConfigToJson omits default transaction policy and response cache and keeps them when set', () => {
    const plain = modelConfigToJson(parseModelConfig('name: "m"'));
    expect('model_transaction_policy' in plain).toBe(false);
    expect('response_cache' in plain).toBe(false);
    const set = modelConfigToJson(
      parseModelConfig(
        'name: "m" model_transaction_policy { decoupled: true } response_cache { enable: true }',
      ),
    );
    expect(set.model_transaction_policy).toEqual({ decoupled: true });
    expect(set.response_cache).toEqual({ enable: true });
    expect(Object.keys(set).slice(-2)).toEqual(['model_transaction_policy', 'response_cache']);
  });

  it('modelConfigToJson omits optimization for an ensemble as Triton does', () => {
    const json = modelConfigToJson(parseModelConfig(fixture('ensemble_image')));
    expect('optimization' in json).toBe(false);
    expect(json.ensemble_scheduling).toBeDefined();
  });

  it('parsePartialModelConfig feeds normalizeModelConfig to the same result as parseModelConfig', () => {
    const text = fixture('ort_tensorrt');
    expect(normalizeModelConfig(parsePartialModelConfig(text))).toEqual(parseModelConfig(text));
  });
});
