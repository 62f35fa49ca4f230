import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ServerError } from '../../../src/common/errors.js';
import {
  normalizeModelConfig,
  type PartialModelConfig,
  parseModelConfig,
  validateModelConfig,
} from '../../../src/config/index.js';
import type { ModelConfig } from '../../../src/protocol/index.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/configs');
const FIXTURE_NAMES = [
  'simple',
  'simple_string',
  'simple_sequence',
  'simple_dyna_sequence',
  'ensemble_image',
  'ort_tensorrt',
  'dynamic_priority',
  'versions_warmup',
];

function fixture(name: string): ModelConfig {
  return parseModelConfig(readFileSync(join(FIXTURES, `${name}.pbtxt`), 'utf8'));
}

const BASE =
  'name: "m" max_batch_size: 8 input [ { name: "x" data_type: TYPE_FP32 dims: [ 4 ] } ] output [ { name: "y" data_type: TYPE_FP32 dims: [ 4 ] } ]';

/** The validation message for `text` appended to a valid base config. */
function issues(text: string, base = BASE): string {
  return issuesOf(parseModelConfig(`${base}\n${text}`));
}

function issuesOf(config: ModelConfig, modelName = 'm'): string {
  try {
    validateModelConfig(config, { modelName });
  } catch (err) {
    expect(err).toBeInstanceOf(ServerError);
    expect((err as ServerError).code).toBe('ERR_INVALID_CONFIG');
    expect((err as ServerError).status).toBe('INVALID_ARG');
    return (err as ServerError).message;
  }
  throw new Error('expected the config to be rejected');
}

function withChanges(change: (c: ModelConfig) => void, base = BASE): ModelConfig {
  const c = parseModelConfig(base);
  change(c);
  return c;
}

describe('validateModelConfig', () => {
  it('validateModelConfig accepts every fixture config', () => {
    for (const name of FIXTURE_NAMES) {
      expect(() => validateModelConfig(fixture(name), { modelName: name }), name).not.toThrow();
    }
  });

  it('validateModelConfig returns a deep-frozen copy', () => {
    const c = fixture('dynamic_priority');
    const v = validateModelConfig(c, { modelName: 'dynamic_priority' });
    expect(v).not.toBe(c);
    expect(v).toEqual(c);
    expect(Object.isFrozen(v)).toBe(true);
    expect(Object.isFrozen(v.input[0].dims)).toBe(true);
    expect(Object.isFrozen(v.dynamic_batching!.priority_queue_policy['1'])).toBe(true);
    expect(Object.isFrozen(c)).toBe(false);
  });

  it('validateModelConfig requires the name to equal the model directory', () => {
    expect(issuesOf(parseModelConfig(BASE), 'other')).toMatch(
      /^Invalid configuration for model "other": name must equal the model directory name "other": received "m"$/,
    );
  });

  it('validateModelConfig reports every violation at once, joined by "; "', () => {
    const message = issues(
      'dynamic_batching { preferred_batch_size: [ 16 ] } version_policy { latest { num_versions: 0 } }',
    );
    expect(message).toContain('version_policy.latest.num_versions must be >= 1: received 0; ');
    expect(message).toContain(
      'dynamic_batching.preferred_batch_size[0] must be <= max_batch_size (8): received 16',
    );
  });

  it('validateModelConfig checks JSON values against the schema with path and value', () => {
    const c = normalizeModelConfig({
      name: 'm',
      dynamic_batching: { max_queue_delay_microseconds: -5 },
    } as PartialModelConfig);
    expect(issuesOf(c)).toBe(
      'Invalid configuration for model "m": dynamic_batching.max_queue_delay_microseconds must be >= 0: received -5',
    );
    expect(issuesOf(normalizeModelConfig({ name: 'm', max_batch_size: -1 }))).toContain(
      'max_batch_size must be >= 0: received -1',
    );
    const typed = issuesOf(
      normalizeModelConfig({ name: 'm', input: [{ name: 'x', data_type: 'FP32' as never, dims: [1.5] }] }),
    );
    expect(typed).toContain('input[0].data_type must be one of TYPE_INVALID');
    expect(typed).toContain('received "FP32"');
    expect(typed).toContain('input[0].dims[0] must be an integer: received 1.5');
  });

  it('validateModelConfig rejects two scheduling choices given as JSON', () => {
    const c = normalizeModelConfig({ name: 'm', dynamic_batching: {}, sequence_batching: {} });
    expect(issuesOf(c)).toContain(
      'dynamic_batching and sequence_batching are both set but belong to oneof "scheduling_choice"',
    );
  });

  it('validateModelConfig requires tensor names, data types and dims of rank >= 1', () => {
    const message = issues(
      '',
      'name: "m" input [ { dims: [ 1 ] data_type: TYPE_FP32 }, { name: "a" dims: [ 2 ] }, { name: "b" data_type: TYPE_INT8 } ]',
    );
    expect(message).toContain('input[0].name must not be empty');
    expect(message).toContain('input[1].data_type of "a" must be set: received TYPE_INVALID');
    expect(message).toContain('input[2].dims of "b" must have at least one dimension');
  });

  it('validateModelConfig requires each dim to be -1 or >= 1', () => {
    expect(
      issues('', 'name: "m" output [ { name: "y" data_type: TYPE_FP32 dims: [ 3, 0, -2 ] } ]'),
    ).toContain('output[0].dims of "y" must be -1 or >= 1: received [3, 0, -2]');
  });

  it('validateModelConfig rejects duplicate tensor names', () => {
    expect(
      issues(
        '',
        'name: "m" input [ { name: "x" data_type: TYPE_FP32 dims: [ 1 ] }, { name: "x" data_type: TYPE_FP32 dims: [ 2 ] } ]',
      ),
    ).toContain('input[1].name "x" is also used by input[0]');
  });

  it("validateModelConfig checks reshape element counts with Triton's variable-dim rule", () => {
    const ok = (dims: string, shape: string, mbs = 8) =>
      validateModelConfig(
        parseModelConfig(
          `name: "m" max_batch_size: ${mbs} input [ { name: "x" data_type: TYPE_FP32 dims: ${dims} reshape { shape: ${shape} } } ]`,
        ),
        { modelName: 'm' },
      );
    expect(() => ok('[ 2, 4, -1, 6 ]', '[ 8, -1, 1, 6 ]')).not.toThrow();
    expect(() => ok('[ 1 ]', '[ ]')).not.toThrow();
    expect(() => ok('[ 4 ]', '[ 2, 3 ]')).toThrow(
      'input[0].reshape.shape of "x" must hold the same elements as dims [4]: received [2, 3]',
    );
    expect(() => ok('[ 4, -1 ]', '[ 2, 2 ]')).toThrow(
      /must hold the same elements as dims \[4, -1\]: received \[2, 2\]/,
    );
    expect(() => ok('[ 1 ]', '[ ]', 0)).toThrow(
      /input\[0\]\.reshape of "x" must not be empty for a model with max_batch_size 0/,
    );
  });

  it('validateModelConfig requires 3 dims for NCHW and NHWC inputs', () => {
    expect(
      issues(
        '',
        'name: "m" input [ { name: "x" data_type: TYPE_FP32 format: FORMAT_NHWC dims: [ 224, 224 ] } ]',
      ),
    ).toContain('input[0].dims must have 3 dimensions for format FORMAT_NHWC: received [224, 224]');
  });

  it('validateModelConfig keeps preferred batch sizes in 1..max_batch_size', () => {
    expect(issues('dynamic_batching { preferred_batch_size: [ 0, 4 ] }')).toContain(
      'dynamic_batching.preferred_batch_size[0] must be >= 1: received 0',
    );
    expect(issues('sequence_batching { oldest { preferred_batch_size: [ 9 ] } }')).toContain(
      'sequence_batching.oldest.preferred_batch_size[0] must be <= max_batch_size (8): received 9',
    );
  });

  it('validateModelConfig allows dynamic and sequence batching on a model with max_batch_size 0, as Triton does', () => {
    const base = 'name: "m" input [ { name: "x" data_type: TYPE_FP32 dims: [ 4 ] } ]';
    expect(() =>
      validateModelConfig(parseModelConfig(`${base} dynamic_batching { }`), { modelName: 'm' }),
    ).not.toThrow();
    expect(() =>
      validateModelConfig(parseModelConfig(`${base} sequence_batching { }`), { modelName: 'm' }),
    ).not.toThrow();
  });

  it('validateModelConfig keeps default_priority_level and queue policy keys in 1..priority_levels', () => {
    const message = issues(
      'dynamic_batching { priority_levels: 3 priority_queue_policy { key: 5 value { } } }',
    );
    expect(message).toContain(
      'dynamic_batching.default_priority_level must be in 1..3 (priority_levels): received 0',
    );
    expect(message).toContain(
      'dynamic_batching.priority_queue_policy key must be in 1..3 (priority_levels): received 5',
    );
  });

  it('validateModelConfig forbids several priority levels and DELAY timeouts with preserve_ordering', () => {
    const message = issues(
      'dynamic_batching { preserve_ordering: true priority_levels: 2 default_priority_level: 1 default_queue_policy { timeout_action: DELAY default_timeout_microseconds: 10 } }',
    );
    expect(message).toContain(
      'dynamic_batching.priority_levels must be <= 1 when preserve_ordering is true: received 2',
    );
    expect(message).toContain(
      'dynamic_batching.default_queue_policy.timeout_action must not be DELAY when preserve_ordering is true',
    );
  });

  it('validateModelConfig rejects the response cache with sequence batching but accepts it for a decoupled model', () => {
    expect(issues('sequence_batching { } response_cache { enable: true }')).toContain(
      'response_cache.enable must be false for a model with sequence_batching: received true',
    );
    const decoupled = parseModelConfig(
      `${BASE}\nmodel_transaction_policy { decoupled: true } response_cache { enable: true }`,
    );
    expect(() => validateModelConfig(decoupled, { modelName: 'm' })).not.toThrow();
  });

  it('validateModelConfig checks sequence control tensors as Triton does', () => {
    const message = issues(`sequence_batching { control_input [
      { name: "S" control [ { kind: CONTROL_SEQUENCE_START int32_false_true: [ 0, 1, 2 ] } ] },
      { name: "S2" control [ { kind: CONTROL_SEQUENCE_START bool_false_true: [ false, true ] } ] },
      { name: "C" control [ { kind: CONTROL_SEQUENCE_CORRID data_type: TYPE_FP32 } ] },
      { name: "R" control [ { kind: CONTROL_SEQUENCE_READY } ] } ] }`);
    expect(message).toContain(
      'sequence_batching.control_input[0].control[0].int32_false_true must have exactly 2 entries (false, true): received [0, 1, 2]',
    );
    expect(message).toContain(
      'sequence_batching.control_input[1].control[0].kind CONTROL_SEQUENCE_START is already given by sequence_batching.control_input[0].control[0]',
    );
    expect(message).toContain(
      'sequence_batching.control_input[2].control[0].data_type must be one of TYPE_UINT64, TYPE_INT64, TYPE_UINT32, TYPE_INT32, TYPE_STRING for CONTROL_SEQUENCE_CORRID: received TYPE_FP32',
    );
    expect(message).toContain(
      'sequence_batching.control_input[3].control[0] must set exactly one of int32_false_true, fp32_false_true, bool_false_true for CONTROL_SEQUENCE_READY: received none',
    );
  });

  it('validateModelConfig keeps minimum_slot_utilization in 0..1', () => {
    expect(issues('sequence_batching { direct { minimum_slot_utilization: 1.5 } }')).toContain(
      'sequence_batching.direct.minimum_slot_utilization must be in 0..1: received 1.5',
    );
  });

  it('validateModelConfig checks the version policy', () => {
    expect(issues('version_policy { specific { versions: [ 2, 0 ] } }')).toContain(
      'version_policy.specific.versions[1] must be >= 1: received 0',
    );
    expect(issues('version_policy { specific { } }')).toContain(
      'version_policy.specific.versions must list at least one version',
    );
  });

  it('validateModelConfig rejects instance counts below 1 and GPUs on CPU groups, and leaves KIND_GPU to the backend', () => {
    const c = withChanges((m) => {
      m.instance_group[0].count = 0;
      m.instance_group.push({ ...m.instance_group[0], name: 'g', kind: 'KIND_GPU', count: 1 });
      m.instance_group.push({ ...m.instance_group[0], name: 'c', count: 1, gpus: [0] });
    });
    const message = issuesOf(c);
    expect(message).toContain('instance_group[0].count must be >= 1: received 0');
    // Whether a GPU group can load (CUDA present, or `nereid.cpu_fallback`) is the backend's decision.
    expect(message).not.toContain('instance_group[1]');
    expect(message).toContain('instance_group[2].gpus must be empty for kind KIND_CPU: received [0]');
  });

  it('validateModelConfig requires ensemble_scheduling for platform "ensemble" and the reverse', () => {
    expect(issues('platform: "ensemble"')).toContain(
      'ensemble_scheduling must be set for platform "ensemble"',
    );
    expect(
      issues(
        'platform: "onnxruntime_onnx" ensemble_scheduling { step [ { model_name: "a" input_map { key: "i" value: "x" } output_map { key: "o" value: "y" } } ] }',
      ),
    ).toContain(
      'platform must be "ensemble" for a model with ensemble_scheduling: received "onnxruntime_onnx"',
    );
  });

  it('validateModelConfig refuses an ensemble step whose model name could leave the repository', () => {
    const message = issues(
      'platform: "ensemble" ensemble_scheduling { step [ { model_name: "../x" input_map { key: "i" value: "x" } output_map { key: "o" value: "y" } } ] }',
    );
    expect(message).toContain(
      `ensemble_scheduling.step[0].model_name must be a valid model name: received "../x" (it starts with '.')`,
    );
  });

  it('validateModelConfig forbids instance groups and warmup on an ensemble and requires steps', () => {
    const message = issues(
      'platform: "ensemble" ensemble_scheduling { } instance_group [ { kind: KIND_CPU } ] model_warmup [ { batch_size: 1 } ]',
    );
    expect(message).toContain('instance_group must not be set for an ensemble: received 1 group(s)');
    expect(message).toContain('model_warmup must not be set for an ensemble');
    expect(message).toContain('ensemble_scheduling.step must list at least one step');
  });

  it('validateModelConfig checks the ensemble data flow', () => {
    const message = issues(`platform: "ensemble" ensemble_scheduling { step [
      { model_name: "a" input_map { key: "i" value: "x" } output_map { key: "o" value: "t" } },
      { model_name: "b" input_map { key: "i" value: "missing" } output_map { key: "o" value: "y" } },
      { model_name: "c" input_map { key: "i" value: "t" } output_map { key: "o" value: "t" } } ] }`);
    expect(message).toContain('ensemble output "y" is not written by any step reachable from the inputs');
    expect(message).toContain(
      'ensemble_scheduling.step[1] can never run: its inputs ["missing"] are not connected',
    );
    expect(message).toContain(
      'ensemble_scheduling.step[2].output_map writes ensemble tensor "t", which step[0] already writes',
    );
  });

  it('validateModelConfig keeps warmup batch sizes in 1..max_batch_size and requires a data source', () => {
    const message = issues(
      'model_warmup [ { name: "w" batch_size: 16 inputs { key: "x" value { data_type: TYPE_FP32 dims: [ 4 ] } } } ]',
    );
    expect(message).toContain('model_warmup[0].batch_size must be in 1..8 (max_batch_size): received 16');
    expect(message).toContain(
      'model_warmup[0].inputs["x"] must set one of zero_data, random_data, input_data_file',
    );
  });

  it('validateModelConfig checks batch inputs and outputs against the tensors', () => {
    const message = issues(
      'batch_input [ { kind: BATCH_ELEMENT_COUNT target_name: "n" data_type: TYPE_INT64 source_input: "nope" } ] batch_output [ { target_name: [ "y", "z" ] source_input: "x" } ]',
    );
    expect(message).toContain(
      'batch_input[0].data_type must be TYPE_INT32 or TYPE_FP32: received TYPE_INT64',
    );
    expect(message).toContain('batch_input[0].source_input names an unknown input: received "nope"');
    expect(message).toContain('batch_output[0].target_name names an unknown output: received "z"');
  });

  it('validateModelConfig allows shape tensors only for TensorRT plans', () => {
    expect(
      issues('', 'name: "m" input [ { name: "x" data_type: TYPE_INT32 dims: [ 2 ] is_shape_tensor: true } ]'),
    ).toContain('input[0].is_shape_tensor is only supported for platform "tensorrt_plan": received true');
  });
});
