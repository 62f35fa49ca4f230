// ModelConfig (Triton JSON form) → inference.ModelConfig protobuf bytes → back, with every
// sub-message filled, so the gRPC ModelConfig RPC answers what GET .../config answers.
import { describe, expect, it } from 'vitest';
import {
  longMapKeyToString,
  messageType,
  modelConfigFromMessage,
  modelConfigToMessage,
} from '../../../src/protocol/grpc/index.js';
import type { ModelConfig, QueuePolicy } from '../../../src/protocol/model-config.js';

const configCodec = messageType('inference.ModelConfig');
const responseCodec = messageType('inference.ModelConfigResponse');

/** The decoded message after serializing the converted config to bytes and parsing them back. */
function overTheWire(config: ModelConfig): Record<string, any> {
  return configCodec.deserialize(configCodec.serialize(modelConfigToMessage(config))) as Record<string, any>;
}

const queue = (maxQueueSize: number, action: 'REJECT' | 'DELAY'): QueuePolicy => ({
  timeout_action: action,
  default_timeout_microseconds: 5000,
  allow_timeout_override: true,
  max_queue_size: maxQueueSize,
});

/** A config in Triton's JSON form with every field and sub-message of ModelConfig set. */
function fullConfig(): ModelConfig {
  return {
    name: 'everything',
    platform: 'onnxruntime_onnx',
    backend: 'onnxruntime',
    runtime: 'libtriton_onnxruntime.so',
    version_policy: { latest: { num_versions: 2 } },
    max_batch_size: 8,
    input: [
      {
        name: 'IMAGE',
        data_type: 'TYPE_FP32',
        format: 'FORMAT_NCHW',
        dims: [3, -1, 224],
        reshape: { shape: [3, 224, 224] },
        is_shape_tensor: false,
        allow_ragged_batch: true,
        optional: true,
        is_non_linear_format_io: false,
      },
    ],
    output: [
      {
        name: 'PROBS',
        data_type: 'TYPE_FP16',
        dims: [1000],
        reshape: { shape: [1, 1000] },
        label_filename: 'labels.txt',
        is_shape_tensor: false,
        is_non_linear_format_io: true,
      },
    ],
    batch_input: [
      {
        kind: 'BATCH_ACCUMULATED_ELEMENT_COUNT',
        target_name: ['OFFSETS'],
        data_type: 'TYPE_INT32',
        source_input: ['IMAGE'],
      },
    ],
    batch_output: [
      { target_name: ['PROBS'], kind: 'BATCH_SCATTER_WITH_INPUT_SHAPE', source_input: ['IMAGE'] },
    ],
    optimization: {
      graph: { level: -1 },
      priority: 'PRIORITY_MAX',
      cuda: {
        graphs: true,
        busy_wait_events: true,
        graph_spec: [
          {
            batch_size: 4,
            input: { IMAGE: { dim: [3, 224, 224] } },
            graph_lower_bound: { batch_size: 1, input: { IMAGE: { dim: [3, 16, 16] } } },
          },
        ],
        output_copy_stream: true,
      },
      execution_accelerators: {
        gpu_execution_accelerator: [{ name: 'tensorrt', parameters: { precision_mode: 'FP16' } }],
        cpu_execution_accelerator: [{ name: 'openvino', parameters: {} }],
      },
      input_pinned_memory: { enable: false },
      output_pinned_memory: { enable: true },
      gather_kernel_buffer_threshold: 16,
      eager_batching: true,
    },
    dynamic_batching: {
      preferred_batch_size: [4, 8],
      max_queue_delay_microseconds: 100,
      preserve_ordering: true,
      priority_levels: 2,
      default_priority_level: 1,
      default_queue_policy: queue(16, 'REJECT'),
      priority_queue_policy: { '1': queue(4, 'DELAY'), '2': queue(32, 'REJECT') },
    },
    instance_group: [
      {
        name: 'everything_0',
        kind: 'KIND_CPU',
        count: 2,
        gpus: [0, 1],
        rate_limiter: { resources: [{ name: 'R1', global: true, count: 3 }], priority: 2 },
        secondary_devices: [{ kind: 'KIND_NVDLA', device_id: 1 }],
        profile: ['0'],
        passive: true,
        host_policy: 'cpu',
      },
    ],
    default_model_filename: 'model.onnx',
    cc_model_filenames: { '8.6': 'model_86.onnx' },
    metric_tags: { team: 'vision' },
    parameters: { intra_op_thread_count: { string_value: '2' } },
    model_warmup: [
      {
        name: 'zeros',
        batch_size: 2,
        inputs: {
          IMAGE: { data_type: 'TYPE_FP32', dims: [3, 224, 224], zero_data: true },
          OTHER: { data_type: 'TYPE_STRING', dims: [1], input_data_file: 'raw.bin' },
        },
        count: 3,
      },
    ],
    model_operations: { op_library_filename: ['libcustom.so'] },
    model_transaction_policy: { decoupled: true },
    model_repository_agents: { agents: [{ name: 'checksum', parameters: { MD5: 'abc' } }] },
    response_cache: { enable: true },
    model_metrics: {
      metric_control: [
        {
          metric_identifier: { family: 'nv_inference_first_response_histogram_ms' },
          histogram_options: { buckets: [1, 2.5, 10] },
        },
      ],
    },
  };
}

/** A sequence-batching config with implicit state, control inputs and the given strategy. */
function sequenceConfig(strategy: 'direct' | 'oldest'): ModelConfig {
  const config = fullConfig();
  delete config.dynamic_batching;
  config.sequence_batching = {
    max_sequence_idle_microseconds: 5_000_000,
    control_input: [
      {
        name: 'START',
        control: [
          {
            kind: 'CONTROL_SEQUENCE_START',
            int32_false_true: [0, 1],
            fp32_false_true: [],
            bool_false_true: [],
            data_type: 'TYPE_INVALID',
          },
          {
            kind: 'CONTROL_SEQUENCE_CORRID',
            int32_false_true: [],
            fp32_false_true: [0, 1.5],
            bool_false_true: [false, true],
            data_type: 'TYPE_UINT64',
          },
        ],
      },
    ],
    state: [
      {
        input_name: 'STATE_IN',
        output_name: 'STATE_OUT',
        data_type: 'TYPE_FP32',
        dims: [-1, 4],
        initial_state: [
          { data_type: 'TYPE_FP32', dims: [1, 4], zero_data: true, name: 'zeros' },
          { data_type: 'TYPE_FP32', dims: [1, 4], data_file: 'state.bin', name: 'file' },
        ],
        use_same_buffer_for_input_output: true,
        use_growable_memory: true,
      },
    ],
    iterative_sequence: true,
  };
  if (strategy === 'direct') {
    config.sequence_batching.direct = { max_queue_delay_microseconds: 10, minimum_slot_utilization: 0.5 };
  } else {
    config.sequence_batching.oldest = {
      max_candidate_sequences: 4,
      preferred_batch_size: [2, 4],
      max_queue_delay_microseconds: 20,
      preserve_ordering: true,
    };
  }
  return config;
}

describe('modelConfigToMessage', () => {
  it('A ModelConfig with every sub-message survives protobuf serialization and parsing', () => {
    const config = fullConfig();
    expect(modelConfigFromMessage(overTheWire(config))).toEqual(config);
  });

  it('Sequence batching with direct or oldest strategy and implicit state survives serialization', () => {
    for (const strategy of ['direct', 'oldest'] as const) {
      const config = sequenceConfig(strategy);
      const back = overTheWire(config);
      expect(back.scheduling_choice).toBe('sequence_batching');
      expect(back.sequence_batching.strategy_choice).toBe(strategy);
      expect(back.sequence_batching.state[0].initial_state.map((s: any) => s.state_data)).toEqual([
        'zero_data',
        'data_file',
      ]);
      expect(modelConfigFromMessage(back)).toEqual(config);
    }
  });

  it('Ensemble scheduling and every version policy survive serialization', () => {
    const config = fullConfig();
    delete config.dynamic_batching;
    config.ensemble_scheduling = {
      step: [
        {
          model_name: 'pre',
          model_version: -1,
          input_map: { RAW: 'IMAGE' },
          output_map: { OUT: 'preprocessed' },
          model_namespace: '',
        },
      ],
      max_inflight_requests: 4,
    };
    for (const policy of [
      { latest: { num_versions: 1 } },
      { all: {} },
      { specific: { versions: [1, 3, 2 ** 40] } },
    ]) {
      config.version_policy = policy;
      const back = overTheWire(config);
      expect(back.scheduling_choice).toBe('ensemble_scheduling');
      expect(back.version_policy.policy_choice).toBe(Object.keys(policy)[0]);
      expect(modelConfigFromMessage(back)).toEqual(config);
    }
  });

  it('The decoded message names the oneofs Triton declares', () => {
    const back = overTheWire(fullConfig());
    expect(back.scheduling_choice).toBe('dynamic_batching');
    expect(back.version_policy.policy_choice).toBe('latest');
    expect(back.model_warmup[0].inputs.IMAGE.input_data_type).toBe('zero_data');
    expect(back.model_warmup[0].inputs.OTHER.input_data_type).toBe('input_data_file');
    expect(back.model_metrics.metric_control[0].metric_options).toBe('histogram_options');
  });

  it('priority_queue_policy keys travel as uint64 map keys', () => {
    const back = overTheWire(fullConfig());
    const keys = Object.keys(back.dynamic_batching.priority_queue_policy).map((k) =>
      longMapKeyToString(k, true),
    );
    expect(keys.sort()).toEqual(['1', '2']);
    const bad = fullConfig();
    bad.dynamic_batching!.priority_queue_policy = { high: queue(1, 'REJECT') };
    expect(() => modelConfigToMessage(bad)).toThrow(
      'dynamic_batching.priority_queue_policy key must be a non-negative integer: received "high"',
    );
  });

  it('modelConfigToMessage keeps one member per oneof when the config sets several', () => {
    const config = fullConfig();
    config.model_warmup[0]!.inputs.IMAGE = {
      data_type: 'TYPE_FP32',
      dims: [1],
      zero_data: true,
      random_data: true,
    };
    config.sequence_batching = sequenceConfig('direct').sequence_batching;
    const back = overTheWire(config);
    expect(back.scheduling_choice).toBe('dynamic_batching');
    expect(back.sequence_batching).toBeUndefined();
    expect(back.model_warmup[0].inputs.IMAGE.input_data_type).toBe('zero_data');
    expect(back.model_warmup[0].inputs.IMAGE.random_data).toBeUndefined();
  });

  it('A ModelConfigResponse carries the converted config', () => {
    const config = fullConfig();
    const bytes = responseCodec.serialize({ config: modelConfigToMessage(config) });
    const back = responseCodec.deserialize(bytes) as { config: Record<string, unknown> };
    expect(modelConfigFromMessage(back.config)).toEqual(config);
  });
});
