// The .proto files load through @grpc/proto-loader and carry Triton's service names, method paths
// and field numbers (checked against the protocol reference, triton-protocol.md §2 and §3).
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadProtos, messageType, protoDirectory } from '../../../src/protocol/grpc/index.js';

interface FieldDescriptor {
  name: string;
  number: number;
  type: string;
  label: string;
}

interface MessageDescriptor {
  name: string;
  field: FieldDescriptor[];
  nestedType: MessageDescriptor[];
}

/** The descriptor of a loaded message, nested ones included (`inference.A.B`). */
function descriptor(fullName: string): MessageDescriptor {
  const defs = loadProtos().packageDefinition;
  const parts = fullName.split('.');
  for (let cut = parts.length; cut > 0; cut--) {
    const def = defs[parts.slice(0, cut).join('.')];
    if (def === undefined || !('type' in def)) continue;
    let message = def.type as MessageDescriptor;
    for (const nested of parts.slice(cut)) {
      const next = message.nestedType.find((n) => n.name === nested);
      if (next === undefined) throw new Error(`No nested message ${nested} in ${message.name}`);
      message = next;
    }
    return message;
  }
  throw new Error(`No message ${fullName}`);
}

/** Field name → number of a loaded message, read from its descriptor. */
function fieldNumbers(fullName: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of descriptor(fullName).field) out[f.name] = f.number;
  return out;
}

const SAMPLE_VALUE: Record<string, unknown> = {
  TYPE_BOOL: true,
  TYPE_INT64: 7,
  TYPE_UINT64: 7,
  TYPE_UINT32: 7,
  TYPE_INT32: 7,
  TYPE_BYTES: Buffer.from('x'),
  TYPE_STRING: 'x',
  TYPE_DOUBLE: 1.5,
  TYPE_MESSAGE: {},
};

/**
 * The oneof a field belongs to, seen through the wire: the field alone is serialized and parsed
 * back, and proto-loader names the oneof that holds it (undefined when it is in none).
 */
function oneofOf(messageName: string, oneofName: string, field: string): string | undefined {
  const f = descriptor(messageName).field.find((x) => x.name === field)!;
  const codec = messageType(messageName);
  const back = codec.deserialize(codec.serialize({ [field]: SAMPLE_VALUE[f.type] })) as Record<
    string,
    unknown
  >;
  return back[oneofName] as string | undefined;
}

/** Asserts that exactly `members` of the message's singular fields belong to the named oneof. */
function expectOneof(messageName: string, oneofName: string, members: string[]): void {
  for (const f of descriptor(messageName).field) {
    if (f.label === 'LABEL_REPEATED') continue; // repeated fields and maps cannot be oneof members
    const expected = members.includes(f.name) ? f.name : undefined;
    expect({ field: f.name, oneof: oneofOf(messageName, oneofName, f.name) }).toEqual({
      field: f.name,
      oneof: expected,
    });
  }
}

// Rows of the reference tables: message → field → number.
const REFERENCE_FIELDS: Record<string, Record<string, number>> = {
  'inference.InferParameter': {
    bool_param: 1,
    int64_param: 2,
    string_param: 3,
    double_param: 4,
    uint64_param: 5,
  },
  'inference.InferTensorContents': {
    bool_contents: 1,
    int_contents: 2,
    int64_contents: 3,
    uint_contents: 4,
    uint64_contents: 5,
    fp32_contents: 6,
    fp64_contents: 7,
    bytes_contents: 8,
  },
  'inference.ModelInferRequest.InferInputTensor': {
    name: 1,
    datatype: 2,
    shape: 3,
    parameters: 4,
    contents: 5,
  },
  'inference.ModelInferRequest.InferRequestedOutputTensor': { name: 1, parameters: 2 },
  'inference.ModelInferRequest': {
    model_name: 1,
    model_version: 2,
    id: 3,
    parameters: 4,
    inputs: 5,
    outputs: 6,
    raw_input_contents: 7,
  },
  'inference.ModelInferResponse.InferOutputTensor': {
    name: 1,
    datatype: 2,
    shape: 3,
    parameters: 4,
    contents: 5,
  },
  'inference.ModelInferResponse': {
    model_name: 1,
    model_version: 2,
    id: 3,
    parameters: 4,
    outputs: 5,
    raw_output_contents: 6,
  },
  'inference.ModelStreamInferResponse': { error_message: 1, infer_response: 2 },
  'inference.ModelMetadataResponse': { name: 1, versions: 2, platform: 3, inputs: 4, outputs: 5 },
  'inference.ModelMetadataResponse.TensorMetadata': { name: 1, datatype: 2, shape: 3 },
  'inference.ServerMetadataResponse': { name: 1, version: 2, extensions: 3 },
  'inference.ModelConfigResponse': { config: 1 },
  'inference.ModelStatistics': {
    name: 1,
    version: 2,
    last_inference: 3,
    inference_count: 4,
    execution_count: 5,
    inference_stats: 6,
    batch_stats: 7,
    memory_usage: 8,
    response_stats: 9,
  },
  'inference.CudaSharedMemoryRegisterRequest': { name: 1, raw_handle: 2, device_id: 3, byte_size: 4 },
  'inference.ModelConfig': {
    name: 1,
    platform: 2,
    backend: 17,
    runtime: 25,
    version_policy: 3,
    max_batch_size: 4,
    input: 5,
    output: 6,
    batch_input: 20,
    batch_output: 21,
    optimization: 12,
    dynamic_batching: 11,
    sequence_batching: 13,
    ensemble_scheduling: 15,
    instance_group: 7,
    default_model_filename: 8,
    cc_model_filenames: 9,
    metric_tags: 10,
    parameters: 14,
    model_warmup: 16,
    model_operations: 18,
    model_transaction_policy: 19,
    model_repository_agents: 23,
    response_cache: 24,
    model_metrics: 26,
  },
  'inference.ModelInput': {
    name: 1,
    data_type: 2,
    format: 3,
    dims: 4,
    reshape: 5,
    is_shape_tensor: 6,
    allow_ragged_batch: 7,
    optional: 8,
    is_non_linear_format_io: 9,
  },
  'inference.ModelInstanceGroup': {
    name: 1,
    kind: 4,
    count: 2,
    rate_limiter: 6,
    gpus: 3,
    secondary_devices: 8,
    profile: 5,
    passive: 7,
    host_policy: 9,
  },
  'inference.ModelDynamicBatching': {
    preferred_batch_size: 1,
    max_queue_delay_microseconds: 2,
    preserve_ordering: 3,
    priority_levels: 4,
    default_priority_level: 5,
    default_queue_policy: 6,
    priority_queue_policy: 7,
  },
  'inference.ModelSequenceBatching': {
    max_sequence_idle_microseconds: 1,
    control_input: 2,
    direct: 3,
    oldest: 4,
    state: 5,
    iterative_sequence: 6,
  },
};

describe('loadProtos', () => {
  it('loadProtos finds the proto directory next to the module and caches the result', () => {
    const dir = protoDirectory();
    expect(existsSync(`${dir}grpc_service.proto`)).toBe(true);
    expect(existsSync(`${dir}model_config.proto`)).toBe(true);
    expect(existsSync(`${dir}health.proto`)).toBe(true);
    expect(loadProtos()).toBe(loadProtos());
  });

  it('loadProtos exposes inference.GRPCInferenceService with Triton method paths and stream kinds', () => {
    const { inferenceService } = loadProtos();
    const rpcs = [
      'ServerLive',
      'ServerReady',
      'ModelReady',
      'ServerMetadata',
      'ModelMetadata',
      'ModelInfer',
      'ModelStreamInfer',
      'ModelConfig',
      'ModelStatistics',
      'RepositoryIndex',
      'RepositoryModelLoad',
      'RepositoryModelUnload',
      'SystemSharedMemoryStatus',
      'SystemSharedMemoryRegister',
      'SystemSharedMemoryUnregister',
      'CudaSharedMemoryStatus',
      'CudaSharedMemoryRegister',
      'CudaSharedMemoryUnregister',
      'TraceSetting',
      'LogSettings',
    ];
    expect(Object.keys(inferenceService).sort()).toEqual([...rpcs].sort());
    for (const rpc of rpcs) {
      expect(inferenceService[rpc]!.path).toBe(`/inference.GRPCInferenceService/${rpc}`);
      const streaming = rpc === 'ModelStreamInfer';
      expect(inferenceService[rpc]!.requestStream).toBe(streaming);
      expect(inferenceService[rpc]!.responseStream).toBe(streaming);
    }
  });

  it('loadProtos exposes grpc.health.v1.Health with Check and Watch', () => {
    const { healthService } = loadProtos();
    expect(healthService.Check!.path).toBe('/grpc.health.v1.Health/Check');
    expect(healthService.Watch!.path).toBe('/grpc.health.v1.Health/Watch');
    expect(healthService.Watch!.responseStream).toBe(true);
    const bytes = healthService.Check!.responseSerialize({ status: 'SERVING' });
    expect(healthService.Check!.responseDeserialize(bytes)).toEqual({ status: 'SERVING' });
    expect(fieldNumbers('grpc.health.v1.HealthCheckRequest')).toEqual({ service: 1 });
    expect(fieldNumbers('grpc.health.v1.HealthCheckResponse')).toEqual({ status: 1 });
  });

  it('The loaded messages carry the field numbers of the protocol reference', () => {
    for (const [message, fields] of Object.entries(REFERENCE_FIELDS)) {
      expect({ message, fields: fieldNumbers(message) }).toEqual({ message, fields });
    }
  });

  it('The loaded messages declare the oneofs Triton names', () => {
    expectOneof('inference.InferParameter', 'parameter_choice', [
      'bool_param',
      'int64_param',
      'string_param',
      'double_param',
      'uint64_param',
    ]);
    expectOneof('inference.ModelConfig', 'scheduling_choice', [
      'dynamic_batching',
      'sequence_batching',
      'ensemble_scheduling',
    ]);
    expectOneof('inference.ModelVersionPolicy', 'policy_choice', ['latest', 'all', 'specific']);
    expectOneof('inference.ModelSequenceBatching', 'strategy_choice', ['direct', 'oldest']);
    expectOneof('inference.ModelRepositoryParameter', 'parameter_choice', [
      'bool_param',
      'int64_param',
      'string_param',
      'bytes_param',
    ]);
  });

  it('The DataType enum of model_config.proto has Triton values', () => {
    const def = loadProtos().packageDefinition['inference.DataType'] as {
      type: { value: { name: string; number: number }[] };
    };
    const values = Object.fromEntries(def.type.value.map((v) => [v.name, v.number]));
    expect(values).toEqual({
      TYPE_INVALID: 0,
      TYPE_BOOL: 1,
      TYPE_UINT8: 2,
      TYPE_UINT16: 3,
      TYPE_UINT32: 4,
      TYPE_UINT64: 5,
      TYPE_INT8: 6,
      TYPE_INT16: 7,
      TYPE_INT32: 8,
      TYPE_INT64: 9,
      TYPE_FP16: 10,
      TYPE_FP32: 11,
      TYPE_FP64: 12,
      TYPE_STRING: 13,
      TYPE_BF16: 14,
    });
  });
});
