/**
 * model_config.proto as data: every message of inference.ModelConfig with its fields in
 * declaration order (the order Triton's JSON printer uses), scalar types, enums, repetition, maps
 * and oneofs. The parser, the defaults, the validator's type checks and the text writer all walk
 * this one description; nothing here parses or validates by itself.
 */
import { CONFIG_DATATYPES } from '../protocol/index.js';

/** Scalar field types of model_config.proto. */
export type ScalarType = 'string' | 'bool' | 'int32' | 'uint32' | 'int64' | 'uint64' | 'float' | 'double';

/** The type of a field's value (or of each element / map value). */
export type ValueType =
  | { kind: 'scalar'; scalar: ScalarType }
  | { kind: 'enum'; name: string; values: readonly string[] }
  | { kind: 'message'; message: MessageSpec };

/** One field of a message. */
export interface FieldSpec {
  /** Field name as in the .proto and the JSON form. */
  readonly name: string;
  /** Type of the value (of each element when repeated, of the value when a map). */
  readonly type: ValueType;
  /** `repeated` field. */
  readonly repeated: boolean;
  /** Key type when the field is a map (JSON keys are always strings). */
  readonly mapKey: 'string' | 'uint64' | null;
  /** Name of the oneof the field belongs to, or null. */
  readonly oneof: string | null;
}

/** A message: its name and fields in declaration order. */
export interface MessageSpec {
  /** Message name (for error messages). */
  readonly name: string;
  /** Fields in declaration order. */
  readonly fields: readonly FieldSpec[];
  /** Fields by name. */
  readonly byName: ReadonlyMap<string, FieldSpec>;
}

/** Whether a field is absent from the JSON form until set (singular message or oneof member). */
export function hasPresence(field: FieldSpec): boolean {
  return !field.repeated && field.mapKey === null && (field.type.kind === 'message' || field.oneof !== null);
}

function message(name: string, fields: FieldSpec[]): MessageSpec {
  return { name, fields, byName: new Map(fields.map((f) => [f.name, f])) };
}

function field(name: string, type: ValueType | ScalarType, extra: Partial<FieldSpec> = {}): FieldSpec {
  const t: ValueType = typeof type === 'string' ? { kind: 'scalar', scalar: type } : type;
  return { name, type: t, repeated: false, mapKey: null, oneof: null, ...extra };
}

function repeated(name: string, type: ValueType | ScalarType): FieldSpec {
  return field(name, type, { repeated: true });
}

function map(name: string, key: 'string' | 'uint64', value: ValueType | ScalarType): FieldSpec {
  return field(name, value, { mapKey: key });
}

function oneof(group: string, f: FieldSpec): FieldSpec {
  return { ...f, oneof: group };
}

function enumType(name: string, values: readonly string[]): ValueType {
  return { kind: 'enum', name, values };
}

function msg(m: MessageSpec): ValueType {
  return { kind: 'message', message: m };
}

const DATA_TYPE = enumType('DataType', CONFIG_DATATYPES);

const RESOURCE = message('ModelRateLimiter.Resource', [
  field('name', 'string'),
  field('global', 'bool'),
  field('count', 'uint32'),
]);
const RATE_LIMITER = message('ModelRateLimiter', [
  repeated('resources', msg(RESOURCE)),
  field('priority', 'uint32'),
]);
const SECONDARY_DEVICE = message('ModelInstanceGroup.SecondaryDevice', [
  field('kind', enumType('SecondaryDeviceKind', ['KIND_NVDLA'])),
  field('device_id', 'int64'),
]);
const INSTANCE_GROUP = message('ModelInstanceGroup', [
  field('name', 'string'),
  field('kind', enumType('Kind', ['KIND_AUTO', 'KIND_GPU', 'KIND_CPU', 'KIND_MODEL'])),
  field('count', 'int32'),
  field('rate_limiter', msg(RATE_LIMITER)),
  repeated('gpus', 'int32'),
  repeated('secondary_devices', msg(SECONDARY_DEVICE)),
  repeated('profile', 'string'),
  field('passive', 'bool'),
  field('host_policy', 'string'),
]);
const RESHAPE = message('ModelTensorReshape', [repeated('shape', 'int64')]);
const INPUT = message('ModelInput', [
  field('name', 'string'),
  field('data_type', DATA_TYPE),
  field('format', enumType('Format', ['FORMAT_NONE', 'FORMAT_NHWC', 'FORMAT_NCHW'])),
  repeated('dims', 'int64'),
  field('reshape', msg(RESHAPE)),
  field('is_shape_tensor', 'bool'),
  field('allow_ragged_batch', 'bool'),
  field('optional', 'bool'),
  field('is_non_linear_format_io', 'bool'),
]);
const OUTPUT = message('ModelOutput', [
  field('name', 'string'),
  field('data_type', DATA_TYPE),
  repeated('dims', 'int64'),
  field('reshape', msg(RESHAPE)),
  field('label_filename', 'string'),
  field('is_shape_tensor', 'bool'),
  field('is_non_linear_format_io', 'bool'),
]);
const BATCH_INPUT = message('BatchInput', [
  field(
    'kind',
    enumType('BatchInput.Kind', [
      'BATCH_ELEMENT_COUNT',
      'BATCH_ACCUMULATED_ELEMENT_COUNT',
      'BATCH_ACCUMULATED_ELEMENT_COUNT_WITH_ZERO',
      'BATCH_MAX_ELEMENT_COUNT_AS_SHAPE',
      'BATCH_ITEM_SHAPE',
      'BATCH_ITEM_SHAPE_FLATTEN',
    ]),
  ),
  repeated('target_name', 'string'),
  field('data_type', DATA_TYPE),
  repeated('source_input', 'string'),
]);
const BATCH_OUTPUT = message('BatchOutput', [
  repeated('target_name', 'string'),
  field('kind', enumType('BatchOutput.Kind', ['BATCH_SCATTER_WITH_INPUT_SHAPE'])),
  repeated('source_input', 'string'),
]);
const VERSION_POLICY = message('ModelVersionPolicy', [
  oneof('policy_choice', field('latest', msg(message('Latest', [field('num_versions', 'uint32')])))),
  oneof('policy_choice', field('all', msg(message('All', [])))),
  oneof('policy_choice', field('specific', msg(message('Specific', [repeated('versions', 'int64')])))),
]);
const SHAPE = message('GraphSpec.Shape', [repeated('dim', 'int64')]);
const GRAPH_SPEC = message('GraphSpec', [
  field('batch_size', 'int32'),
  map('input', 'string', msg(SHAPE)),
  field(
    'graph_lower_bound',
    msg(message('GraphSpec.LowerBound', [field('batch_size', 'int32'), map('input', 'string', msg(SHAPE))])),
  ),
]);
const ACCELERATOR = message('Accelerator', [field('name', 'string'), map('parameters', 'string', 'string')]);
const PINNED = message('PinnedMemoryBuffer', [field('enable', 'bool')]);
const OPTIMIZATION = message('ModelOptimizationPolicy', [
  field('graph', msg(message('Graph', [field('level', 'int32')]))),
  field('priority', enumType('ModelPriority', ['PRIORITY_DEFAULT', 'PRIORITY_MAX', 'PRIORITY_MIN'])),
  field(
    'cuda',
    msg(
      message('Cuda', [
        field('graphs', 'bool'),
        field('busy_wait_events', 'bool'),
        repeated('graph_spec', msg(GRAPH_SPEC)),
        field('output_copy_stream', 'bool'),
      ]),
    ),
  ),
  field(
    'execution_accelerators',
    msg(
      message('ExecutionAccelerators', [
        repeated('gpu_execution_accelerator', msg(ACCELERATOR)),
        repeated('cpu_execution_accelerator', msg(ACCELERATOR)),
      ]),
    ),
  ),
  field('input_pinned_memory', msg(PINNED)),
  field('output_pinned_memory', msg(PINNED)),
  field('gather_kernel_buffer_threshold', 'uint32'),
  field('eager_batching', 'bool'),
]);
const QUEUE_POLICY = message('ModelQueuePolicy', [
  field('timeout_action', enumType('TimeoutAction', ['REJECT', 'DELAY'])),
  field('default_timeout_microseconds', 'uint64'),
  field('allow_timeout_override', 'bool'),
  field('max_queue_size', 'uint32'),
]);
const DYNAMIC_BATCHING = message('ModelDynamicBatching', [
  repeated('preferred_batch_size', 'int32'),
  field('max_queue_delay_microseconds', 'uint64'),
  field('preserve_ordering', 'bool'),
  field('priority_levels', 'uint64'),
  field('default_priority_level', 'uint64'),
  field('default_queue_policy', msg(QUEUE_POLICY)),
  map('priority_queue_policy', 'uint64', msg(QUEUE_POLICY)),
]);
const CONTROL = message('ModelSequenceBatching.Control', [
  field(
    'kind',
    enumType('Control.Kind', [
      'CONTROL_SEQUENCE_START',
      'CONTROL_SEQUENCE_READY',
      'CONTROL_SEQUENCE_END',
      'CONTROL_SEQUENCE_CORRID',
    ]),
  ),
  repeated('int32_false_true', 'int32'),
  repeated('fp32_false_true', 'float'),
  repeated('bool_false_true', 'bool'),
  field('data_type', DATA_TYPE),
]);
const INITIAL_STATE = message('ModelSequenceBatching.InitialState', [
  field('data_type', DATA_TYPE),
  repeated('dims', 'int64'),
  oneof('state_data', field('zero_data', 'bool')),
  oneof('state_data', field('data_file', 'string')),
  field('name', 'string'),
]);
const SEQUENCE_BATCHING = message('ModelSequenceBatching', [
  oneof(
    'strategy_choice',
    field(
      'direct',
      msg(
        message('StrategyDirect', [
          field('max_queue_delay_microseconds', 'uint64'),
          field('minimum_slot_utilization', 'float'),
        ]),
      ),
    ),
  ),
  oneof(
    'strategy_choice',
    field(
      'oldest',
      msg(
        message('StrategyOldest', [
          field('max_candidate_sequences', 'int32'),
          repeated('preferred_batch_size', 'int32'),
          field('max_queue_delay_microseconds', 'uint64'),
          field('preserve_ordering', 'bool'),
        ]),
      ),
    ),
  ),
  field('max_sequence_idle_microseconds', 'uint64'),
  repeated(
    'control_input',
    msg(
      message('ModelSequenceBatching.ControlInput', [
        field('name', 'string'),
        repeated('control', msg(CONTROL)),
      ]),
    ),
  ),
  repeated(
    'state',
    msg(
      message('ModelSequenceBatching.State', [
        field('input_name', 'string'),
        field('output_name', 'string'),
        field('data_type', DATA_TYPE),
        repeated('dims', 'int64'),
        repeated('initial_state', msg(INITIAL_STATE)),
        field('use_same_buffer_for_input_output', 'bool'),
        field('use_growable_memory', 'bool'),
      ]),
    ),
  ),
  field('iterative_sequence', 'bool'),
]);
const STEP = message('ModelEnsembling.Step', [
  field('model_name', 'string'),
  field('model_version', 'int64'),
  map('input_map', 'string', 'string'),
  map('output_map', 'string', 'string'),
  field('model_namespace', 'string'),
]);
const ENSEMBLING = message('ModelEnsembling', [
  repeated('step', msg(STEP)),
  field('max_inflight_requests', 'uint32'),
]);
const WARMUP_INPUT = message('ModelWarmup.Input', [
  field('data_type', DATA_TYPE),
  repeated('dims', 'int64'),
  oneof('input_data_type', field('zero_data', 'bool')),
  oneof('input_data_type', field('random_data', 'bool')),
  oneof('input_data_type', field('input_data_file', 'string')),
]);
const WARMUP = message('ModelWarmup', [
  field('name', 'string'),
  field('batch_size', 'uint32'),
  map('inputs', 'string', msg(WARMUP_INPUT)),
  field('count', 'uint32'),
]);
const METRIC_CONTROL = message('ModelMetrics.MetricControl', [
  field('metric_identifier', msg(message('MetricIdentifier', [field('family', 'string')]))),
  oneof(
    'metric_options',
    field('histogram_options', msg(message('HistogramOptions', [repeated('buckets', 'double')]))),
  ),
]);

/** inference.ModelConfig. */
export const MODEL_CONFIG_SPEC: MessageSpec = message('ModelConfig', [
  field('name', 'string'),
  field('platform', 'string'),
  field('backend', 'string'),
  field('runtime', 'string'),
  field('version_policy', msg(VERSION_POLICY)),
  field('max_batch_size', 'int32'),
  repeated('input', msg(INPUT)),
  repeated('output', msg(OUTPUT)),
  repeated('batch_input', msg(BATCH_INPUT)),
  repeated('batch_output', msg(BATCH_OUTPUT)),
  field('optimization', msg(OPTIMIZATION)),
  oneof('scheduling_choice', field('dynamic_batching', msg(DYNAMIC_BATCHING))),
  oneof('scheduling_choice', field('sequence_batching', msg(SEQUENCE_BATCHING))),
  oneof('scheduling_choice', field('ensemble_scheduling', msg(ENSEMBLING))),
  repeated('instance_group', msg(INSTANCE_GROUP)),
  field('default_model_filename', 'string'),
  map('cc_model_filenames', 'string', 'string'),
  map('metric_tags', 'string', 'string'),
  map('parameters', 'string', msg(message('ModelParameter', [field('string_value', 'string')]))),
  repeated('model_warmup', msg(WARMUP)),
  field('model_operations', msg(message('ModelOperations', [repeated('op_library_filename', 'string')]))),
  field('model_transaction_policy', msg(message('ModelTransactionPolicy', [field('decoupled', 'bool')]))),
  field(
    'model_repository_agents',
    msg(
      message('ModelRepositoryAgents', [
        repeated(
          'agents',
          msg(
            message('ModelRepositoryAgents.Agent', [
              field('name', 'string'),
              map('parameters', 'string', 'string'),
            ]),
          ),
        ),
      ]),
    ),
  ),
  field('response_cache', msg(message('ModelResponseCache', [field('enable', 'bool')]))),
  field('model_metrics', msg(message('ModelMetrics', [repeated('metric_control', msg(METRIC_CONTROL))]))),
]);
