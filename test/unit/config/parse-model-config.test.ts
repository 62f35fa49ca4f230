import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ServerError } from '../../../src/common/errors.js';
import { parseModelConfig, parsePartialModelConfig } from '../../../src/config/index.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/configs');

function fixture(name: string): string {
  return readFileSync(join(FIXTURES, `${name}.pbtxt`), 'utf8');
}

function configError(text: string): ServerError {
  try {
    parsePartialModelConfig(text, 'bad/config.pbtxt');
  } catch (err) {
    expect(err).toBeInstanceOf(ServerError);
    expect((err as ServerError).code).toBe('ERR_INVALID_CONFIG');
    expect((err as ServerError).status).toBe('INVALID_ARG');
    return err as ServerError;
  }
  throw new Error('expected a config error');
}

describe('parseModelConfig on real Triton configs', () => {
  it('parseModelConfig reads Triton\'s "simple" inputs and outputs', () => {
    const c = parseModelConfig(fixture('simple'));
    expect(c.name).toBe('simple');
    expect(c.platform).toBe('tensorflow_graphdef');
    expect(c.max_batch_size).toBe(8);
    expect(c.input.map((i) => [i.name, i.data_type, i.dims])).toEqual([
      ['INPUT0', 'TYPE_INT32', [16]],
      ['INPUT1', 'TYPE_INT32', [16]],
    ]);
    expect(c.output.map((o) => o.name)).toEqual(['OUTPUT0', 'OUTPUT1']);
  });

  it('parseModelConfig reads TYPE_STRING tensors of "simple_string"', () => {
    const c = parseModelConfig(fixture('simple_string'));
    expect(new Set([...c.input, ...c.output].map((t) => t.data_type))).toEqual(new Set(['TYPE_STRING']));
  });

  it('parseModelConfig reads the int32_false_true controls of "simple_sequence"', () => {
    const sb = parseModelConfig(fixture('simple_sequence')).sequence_batching!;
    expect(sb.max_sequence_idle_microseconds).toBe(5_000_000);
    expect(
      sb.control_input.map((ci) => [ci.name, ci.control[0].kind, ci.control[0].int32_false_true]),
    ).toEqual([
      ['START', 'CONTROL_SEQUENCE_START', [0, 1]],
      ['READY', 'CONTROL_SEQUENCE_READY', [0, 1]],
    ]);
  });

  it('parseModelConfig reads the oldest strategy and the TYPE_UINT64 CORRID of "simple_dyna_sequence"', () => {
    const sb = parseModelConfig(fixture('simple_dyna_sequence')).sequence_batching!;
    expect(sb.oldest).toEqual({
      max_candidate_sequences: 4,
      preferred_batch_size: [2, 4],
      max_queue_delay_microseconds: 1000,
      preserve_ordering: false,
    });
    expect(sb.direct).toBeUndefined();
    const corrid = sb.control_input.find((ci) => ci.name === 'CORRID')!.control[0];
    expect(corrid).toMatchObject({
      kind: 'CONTROL_SEQUENCE_CORRID',
      data_type: 'TYPE_UINT64',
      int32_false_true: [],
    });
    expect(sb.control_input.find((ci) => ci.name === 'END')!.control[0].fp32_false_true).toEqual([0, 1]);
  });

  it('parseModelConfig reads ensemble steps with input_map and output_map', () => {
    const es = parseModelConfig(fixture('ensemble_image')).ensemble_scheduling!;
    expect(es.step).toEqual([
      {
        model_name: 'preprocess',
        model_version: -1,
        input_map: { INPUT: 'IMAGE' },
        output_map: { OUTPUT: 'preprocessed_image' },
        model_namespace: '',
      },
      {
        model_name: 'densenet_onnx',
        model_version: -1,
        input_map: { data_0: 'preprocessed_image' },
        output_map: { fc6_1: 'CLASSIFICATION' },
        model_namespace: '',
      },
    ]);
  });

  it('parseModelConfig reads execution accelerators, their parameters and model parameters', () => {
    const c = parseModelConfig(fixture('ort_tensorrt'));
    const ea = c.optimization.execution_accelerators!;
    expect(ea.gpu_execution_accelerator).toEqual([
      { name: 'tensorrt', parameters: { precision_mode: 'FP16', max_workspace_size_bytes: '1073741824' } },
    ]);
    expect(ea.cpu_execution_accelerator).toEqual([{ name: 'openvino', parameters: {} }]);
    expect(c.parameters).toEqual({
      intra_op_thread_count: { string_value: '2' },
      execution_mode: { string_value: '0' },
    });
    expect(c.input[0].format).toBe('FORMAT_NCHW');
    expect(c.output[0].reshape).toEqual({ shape: [1, 1000, 1, 1] });
    expect(c.output[0].label_filename).toBe('densenet_labels.txt');
  });

  it('parseModelConfig reads priority levels, the default queue policy and the priority_queue_policy map', () => {
    const db = parseModelConfig(fixture('dynamic_priority')).dynamic_batching!;
    expect(db).toMatchObject({
      preferred_batch_size: [4, 8],
      max_queue_delay_microseconds: 100,
      priority_levels: 3,
    });
    expect(db.default_priority_level).toBe(2);
    expect(db.default_queue_policy).toEqual({
      timeout_action: 'REJECT',
      default_timeout_microseconds: 100000,
      allow_timeout_override: true,
      max_queue_size: 64,
    });
    expect(db.priority_queue_policy).toEqual({
      1: {
        timeout_action: 'DELAY',
        default_timeout_microseconds: 50000,
        allow_timeout_override: false,
        max_queue_size: 8,
      },
      3: {
        timeout_action: 'REJECT',
        default_timeout_microseconds: 0,
        allow_timeout_override: false,
        max_queue_size: 2,
      },
    });
  });

  it('parseModelConfig reads a specific version policy and warmup samples with each data source', () => {
    const c = parseModelConfig(fixture('versions_warmup'));
    expect(c.version_policy).toEqual({ specific: { versions: [1, 3] } });
    expect(c.model_warmup).toHaveLength(2);
    expect(c.model_warmup[0].inputs.INPUT0).toEqual({ data_type: 'TYPE_FP32', dims: [4], zero_data: true });
    expect(c.model_warmup[0].inputs.INPUT1).toEqual({
      data_type: 'TYPE_STRING',
      dims: [1],
      input_data_file: 'raw_string',
    });
    expect(c.model_warmup[1]).toMatchObject({ name: 'random', batch_size: 1, count: 3 });
    expect(c.model_warmup[1].inputs.INPUT0.random_data).toBe(true);
  });

  it('parseModelConfig reads latest and all version policies', () => {
    expect(parseModelConfig('version_policy: { latest: { num_versions: 2 } }').version_policy).toEqual({
      latest: { num_versions: 2 },
    });
    expect(parseModelConfig('version_policy { all { } }').version_policy).toEqual({ all: {} });
  });

  it('parseModelConfig accepts every boolean spelling and integers for enums', () => {
    const c = parseModelConfig(
      'input [ { name: "a" allow_ragged_batch: t optional: True is_shape_tensor: 1 data_type: 11 } ] response_cache { enable: f }',
    );
    expect(c.input[0]).toMatchObject({
      allow_ragged_batch: true,
      optional: true,
      is_shape_tensor: true,
      data_type: 'TYPE_FP32',
    });
    expect(c.response_cache.enable).toBe(false);
  });

  it('parsePartialModelConfig returns only the fields the text sets', () => {
    expect(parsePartialModelConfig('max_batch_size: 4 dynamic_batching { }')).toEqual({
      max_batch_size: 4,
      dynamic_batching: {},
    });
  });
});

describe('parseModelConfig rejects bad configs naming the path and the value', () => {
  const cases: [string, string, RegExp][] = [
    [
      'a misspelt field',
      'dynamic_batching {\n  prefered_batch_size: [ 4 ]\n}',
      /^dynamic_batching\.prefered_batch_size: unknown field \(did you mean "preferred_batch_size"\?\) \(at bad\/config\.pbtxt:2:3\)$/,
    ],
    ['an unknown top-level field', 'model_name: "x"', /^model_name: unknown field/],
    ['a quoted integer', 'max_batch_size: "8"', /^max_batch_size must be an integer: received "8"/],
    ['a float for an integer', 'max_batch_size: 8.5', /^max_batch_size must be an integer: received 8\.5/],
    [
      'an int32 overflow',
      'max_batch_size: 3000000000',
      /^max_batch_size must be <= 2147483647 \(int32\): received 3000000000/,
    ],
    [
      'a negative uint64',
      'dynamic_batching { max_queue_delay_microseconds: -5 }',
      /^dynamic_batching\.max_queue_delay_microseconds must be >= 0: received -5/,
    ],
    [
      'an unknown enum name',
      'input [ { name: "x" data_type: TYPE_FLOAT32 } ]',
      /^input\[0\]\.data_type must be one of TYPE_INVALID, TYPE_BOOL, .*TYPE_BF16: received TYPE_FLOAT32/,
    ],
    [
      'an unknown instance kind',
      'instance_group [ { }, { kind: KIND_TPU } ]',
      /^instance_group\[1\]\.kind must be one of KIND_AUTO, KIND_GPU, KIND_CPU, KIND_MODEL: received KIND_TPU/,
    ],
    [
      'a scalar given twice',
      'max_batch_size: 4\nmax_batch_size: 8',
      /^max_batch_size is specified more than once .*\(at bad\/config\.pbtxt:2:1\)/,
    ],
    [
      'a message given twice',
      'optimization { graph { level: 1 } graph { level: 2 } }',
      /^optimization\.graph is specified more than once/,
    ],
    [
      'two version policies',
      'version_policy { latest { num_versions: 2 } all { } }',
      /^version_policy\.all and version_policy\.latest are both set but belong to oneof "policy_choice"/,
    ],
    [
      'two schedulers',
      'dynamic_batching { }\nsequence_batching { }',
      /^sequence_batching and dynamic_batching are both set but belong to oneof "scheduling_choice"/,
    ],
    [
      'two sequence strategies',
      'sequence_batching { direct { } oldest { } }',
      /^sequence_batching\.oldest and sequence_batching\.direct are both set/,
    ],
    ['an unquoted string', 'name: simple', /^name must be a quoted string: received simple/],
    ['a string for a message', 'input: "x"', /^input\[0\] must be a message \{ \.\.\. \}: received "x"/],
    [
      'a word for a boolean',
      'response_cache { enable: yes }',
      /^response_cache\.enable must be true or false: received yes/,
    ],
    [
      'a list for a singular message',
      'dynamic_batching: [ { } ]',
      /^dynamic_batching is not a repeated field: received a list/,
    ],
    [
      'a number for a string map value',
      'parameters { key: "a" value: { string_value: 3 } }',
      /^parameters\["a"\]\.string_value must be a quoted string: received 3/,
    ],
    [
      'an unknown map entry field',
      'parameters { key: "a" val: { } }',
      /^parameters\.val: unknown field \(map entries have only "key" and "value"\)/,
    ],
    [
      'a negative uint64 map key',
      'dynamic_batching { priority_queue_policy { key: -1 value { } } }',
      /^dynamic_batching\.priority_queue_policy\.key must be >= 0: received -1/,
    ],
    [
      'a quoted dim',
      'input [ { name: "x" dims: [ 1, "2" ] } ]',
      /^input\[0\]\.dims\[1\] must be an integer: received "2"/,
    ],
    ['a message for a scalar', 'max_batch_size { }', /^max_batch_size must be a single value, not a message/],
    [
      'a string for a float',
      'sequence_batching { direct { minimum_slot_utilization: "half" } }',
      /^sequence_batching\.direct\.minimum_slot_utilization must be a number: received "half"/,
    ],
  ];
  for (const [what, text, expected] of cases) {
    it(`parseModelConfig rejects ${what}`, () => {
      expect(configError(text).message).toMatch(expected);
    });
  }
});
