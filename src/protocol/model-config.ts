/**
 * `inference.ModelConfig` as TypeScript types in Triton's JSON form: snake_case field names, enums
 * as their names, 64-bit integers as numbers, and (after `normalizeModelConfig`) every field
 * present with its default. This is what `GET /v2/models/{m}/config` emits and what the rest of
 * the server reads. The text-format parser and the validator live beside it.
 */
import type { ConfigDataType } from './datatypes.js';

/** ModelInput.Format. */
export type InputFormat = 'FORMAT_NONE' | 'FORMAT_NHWC' | 'FORMAT_NCHW';

/** ModelTensorReshape. */
export interface TensorReshape {
  shape: number[];
}

/** ModelInput. */
export interface ModelInput {
  name: string;
  data_type: ConfigDataType;
  format: InputFormat;
  /** Non-batch dims; -1 is variable. */
  dims: number[];
  reshape?: TensorReshape;
  is_shape_tensor: boolean;
  allow_ragged_batch: boolean;
  optional: boolean;
  is_non_linear_format_io: boolean;
}

/** ModelOutput. */
export interface ModelOutput {
  name: string;
  data_type: ConfigDataType;
  dims: number[];
  reshape?: TensorReshape;
  /** File in the model directory with one class label per line (classification). */
  label_filename: string;
  is_shape_tensor: boolean;
  is_non_linear_format_io: boolean;
}

/** ModelVersionPolicy (exactly one of the three is set). */
export interface VersionPolicy {
  latest?: { num_versions: number };
  all?: Record<string, never>;
  specific?: { versions: number[] };
}

/** ModelInstanceGroup.Kind. */
export type InstanceKind = 'KIND_AUTO' | 'KIND_GPU' | 'KIND_CPU' | 'KIND_MODEL';

/** ModelRateLimiter. */
export interface RateLimiter {
  resources: { name: string; global: boolean; count: number }[];
  priority: number;
}

/** ModelInstanceGroup. */
export interface InstanceGroup {
  name: string;
  kind: InstanceKind;
  count: number;
  gpus: number[];
  rate_limiter?: RateLimiter;
  secondary_devices: { kind: 'KIND_NVDLA'; device_id: number }[];
  profile: string[];
  passive: boolean;
  host_policy: string;
}

/** ModelQueuePolicy. */
export interface QueuePolicy {
  timeout_action: 'REJECT' | 'DELAY';
  default_timeout_microseconds: number;
  allow_timeout_override: boolean;
  max_queue_size: number;
}

/** ModelDynamicBatching. */
export interface DynamicBatching {
  preferred_batch_size: number[];
  max_queue_delay_microseconds: number;
  preserve_ordering: boolean;
  priority_levels: number;
  default_priority_level: number;
  default_queue_policy?: QueuePolicy;
  /** Keys are priority levels as decimal strings. */
  priority_queue_policy: Record<string, QueuePolicy>;
}

/** ModelSequenceBatching.Control.Kind. */
export type ControlKind =
  | 'CONTROL_SEQUENCE_START'
  | 'CONTROL_SEQUENCE_READY'
  | 'CONTROL_SEQUENCE_END'
  | 'CONTROL_SEQUENCE_CORRID';

/** ModelSequenceBatching.Control. */
export interface SequenceControl {
  kind: ControlKind;
  int32_false_true: number[];
  fp32_false_true: number[];
  bool_false_true: boolean[];
  data_type: ConfigDataType;
}

/** ModelSequenceBatching.ControlInput. */
export interface SequenceControlInput {
  name: string;
  control: SequenceControl[];
}

/** ModelSequenceBatching.InitialState. */
export interface InitialState {
  data_type: ConfigDataType;
  dims: number[];
  zero_data?: boolean;
  data_file?: string;
  name: string;
}

/** ModelSequenceBatching.State (implicit state). */
export interface SequenceState {
  input_name: string;
  output_name: string;
  data_type: ConfigDataType;
  dims: number[];
  initial_state: InitialState[];
  use_same_buffer_for_input_output: boolean;
  use_growable_memory: boolean;
}

/** ModelSequenceBatching. */
export interface SequenceBatching {
  max_sequence_idle_microseconds: number;
  control_input: SequenceControlInput[];
  state: SequenceState[];
  iterative_sequence: boolean;
  direct?: { max_queue_delay_microseconds: number; minimum_slot_utilization: number };
  oldest?: {
    max_candidate_sequences: number;
    preferred_batch_size: number[];
    max_queue_delay_microseconds: number;
    preserve_ordering: boolean;
  };
}

/** ModelEnsembling.Step. */
export interface EnsembleStep {
  model_name: string;
  /** -1 = latest. */
  model_version: number;
  /** model input name → ensemble tensor name. */
  input_map: Record<string, string>;
  /** model output name → ensemble tensor name. */
  output_map: Record<string, string>;
  model_namespace: string;
}

/** ModelEnsembling. */
export interface EnsembleScheduling {
  step: EnsembleStep[];
  max_inflight_requests: number;
}

/** ModelOptimizationPolicy.ExecutionAccelerators.Accelerator. */
export interface Accelerator {
  name: string;
  parameters: Record<string, string>;
}

/** ModelOptimizationPolicy. */
export interface OptimizationPolicy {
  /** ORT: 0/unset all, -1 basic, 1 basic+extended, 2 disabled (Triton's ORT backend). */
  graph?: { level: number };
  priority: 'PRIORITY_DEFAULT' | 'PRIORITY_MAX' | 'PRIORITY_MIN';
  cuda?: {
    graphs: boolean;
    busy_wait_events: boolean;
    graph_spec: unknown[];
    output_copy_stream: boolean;
  };
  execution_accelerators?: {
    gpu_execution_accelerator: Accelerator[];
    cpu_execution_accelerator: Accelerator[];
  };
  input_pinned_memory: { enable: boolean };
  output_pinned_memory: { enable: boolean };
  gather_kernel_buffer_threshold: number;
  eager_batching: boolean;
}

/** ModelWarmup.Input. */
export interface WarmupInput {
  data_type: ConfigDataType;
  dims: number[];
  zero_data?: boolean;
  random_data?: boolean;
  input_data_file?: string;
}

/** ModelWarmup. */
export interface ModelWarmup {
  name: string;
  batch_size: number;
  inputs: Record<string, WarmupInput>;
  count: number;
}

/** BatchInput. */
export interface BatchInput {
  kind: string;
  target_name: string[];
  data_type: ConfigDataType;
  source_input: string[];
}

/** BatchOutput. */
export interface BatchOutput {
  target_name: string[];
  kind: string;
  source_input: string[];
}

/** inference.ModelConfig in Triton's JSON form. */
export interface ModelConfig {
  name: string;
  platform: string;
  backend: string;
  runtime: string;
  version_policy: VersionPolicy;
  max_batch_size: number;
  input: ModelInput[];
  output: ModelOutput[];
  batch_input: BatchInput[];
  batch_output: BatchOutput[];
  optimization: OptimizationPolicy;
  dynamic_batching?: DynamicBatching;
  sequence_batching?: SequenceBatching;
  ensemble_scheduling?: EnsembleScheduling;
  instance_group: InstanceGroup[];
  default_model_filename: string;
  cc_model_filenames: Record<string, string>;
  metric_tags: Record<string, string>;
  parameters: Record<string, { string_value: string }>;
  model_warmup: ModelWarmup[];
  model_operations?: { op_library_filename: string[] };
  model_transaction_policy: { decoupled: boolean };
  model_repository_agents?: { agents: { name: string; parameters: Record<string, string> }[] };
  response_cache: { enable: boolean };
  model_metrics?: { metric_control: unknown[] };
}
