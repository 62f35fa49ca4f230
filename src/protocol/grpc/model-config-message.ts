/**
 * Converts between a ModelConfig in Triton's JSON form (src/protocol/model-config.ts) and the
 * object proto-loader serializes as `inference.ModelConfig`, so the gRPC ModelConfig RPC can
 * answer and the gRPC client can read the answer. It settles the oneofs (version_policy,
 * scheduling_choice, strategy_choice, state_data, input_data_type, metric_options) and the
 * uint64-keyed priority_queue_policy map; it does not validate or default a config.
 */
import { invalidArg } from '../../common/index.js';
import type {
  DynamicBatching,
  InitialState,
  ModelConfig,
  ModelWarmup,
  SequenceBatching,
  SequenceState,
  VersionPolicy,
  WarmupInput,
} from '../model-config.js';
import { longMapKeyToString } from './load-protos.js';

/** An `inference.ModelConfig` object as proto-loader serializes it (snake_case, enum names). */
export type ModelConfigMessage = Record<string, unknown>;

/** The ModelConfig as the `config` of a ModelConfigResponse; at most one member per oneof is set. */
export function modelConfigToMessage(config: ModelConfig): ModelConfigMessage {
  const message: ModelConfigMessage = {
    ...config,
    version_policy: versionPolicy(config.version_policy),
    dynamic_batching: undefined,
    sequence_batching: undefined,
    ensemble_scheduling: undefined,
    model_warmup: config.model_warmup.map(warmup),
  };
  if (config.dynamic_batching !== undefined) {
    message.dynamic_batching = dynamicBatching(config.dynamic_batching);
  } else if (config.sequence_batching !== undefined) {
    message.sequence_batching = sequenceBatching(config.sequence_batching);
  } else if (config.ensemble_scheduling !== undefined) {
    message.ensemble_scheduling = config.ensemble_scheduling;
  }
  return message;
}

function versionPolicy(policy: VersionPolicy | undefined): VersionPolicy | undefined {
  if (policy === undefined) return undefined;
  if (policy.latest !== undefined) return { latest: policy.latest };
  if (policy.all !== undefined) return { all: {} };
  if (policy.specific !== undefined) return { specific: policy.specific };
  return undefined;
}

function dynamicBatching(db: DynamicBatching): Record<string, unknown> {
  const queues: Record<string, unknown> = {};
  for (const level in db.priority_queue_policy) {
    if (!/^\d+$/.test(level)) {
      throw invalidArg(
        'ERR_CONFIG_PRIORITY_LEVEL',
        `dynamic_batching.priority_queue_policy key must be a non-negative integer: received "${level}"`,
      );
    }
    queues[BigInt(level).toString()] = db.priority_queue_policy[level];
  }
  return { ...db, priority_queue_policy: queues };
}

function sequenceBatching(sb: SequenceBatching): Record<string, unknown> {
  const out: Record<string, unknown> = {
    ...sb,
    direct: undefined,
    oldest: undefined,
    state: sb.state.map(state),
  };
  if (sb.direct !== undefined) out.direct = sb.direct;
  else if (sb.oldest !== undefined) out.oldest = sb.oldest;
  return out;
}

function state(s: SequenceState): Record<string, unknown> {
  return { ...s, initial_state: s.initial_state.map(initialState) };
}

function initialState(s: InitialState): Record<string, unknown> {
  const out: Record<string, unknown> = { ...s, zero_data: undefined, data_file: undefined };
  if (s.zero_data !== undefined) out.zero_data = s.zero_data;
  else if (s.data_file !== undefined) out.data_file = s.data_file;
  return out;
}

function warmup(w: ModelWarmup): Record<string, unknown> {
  const inputs: Record<string, unknown> = {};
  for (const name in w.inputs) inputs[name] = warmupInput(w.inputs[name]!);
  return { ...w, inputs };
}

function warmupInput(input: WarmupInput): Record<string, unknown> {
  const out: Record<string, unknown> = {
    ...input,
    zero_data: undefined,
    random_data: undefined,
    input_data_file: undefined,
  };
  if (input.zero_data !== undefined) out.zero_data = input.zero_data;
  else if (input.random_data !== undefined) out.random_data = input.random_data;
  else if (input.input_data_file !== undefined) out.input_data_file = input.input_data_file;
  return out;
}

// Virtual properties proto-loader adds for a set oneof (oneofs: true); dropped when reading back.
const ONEOF_NAMES: ReadonlySet<string> = new Set([
  'policy_choice',
  'scheduling_choice',
  'strategy_choice',
  'state_data',
  'input_data_type',
  'metric_options',
]);

/**
 * A decoded `inference.ModelConfig` (as proto-loader hands it out) back in Triton's JSON form:
 * int64 → number, unset sub-messages and oneof markers dropped, priority levels as decimal keys.
 * Sub-messages the sender left unset stay absent; the config module's normalizer fills them.
 */
export function modelConfigFromMessage(message: ModelConfigMessage): ModelConfig {
  const config = plain(message) as Record<string, any>;
  const queues = config.dynamic_batching?.priority_queue_policy as Record<string, unknown> | undefined;
  if (queues !== undefined) {
    const fixed: Record<string, unknown> = {};
    for (const key in queues) fixed[longMapKeyToString(key, true)] = queues[key];
    config.dynamic_batching.priority_queue_policy = fixed;
  }
  return config as ModelConfig;
}

function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(plain);
  if (value === null || typeof value !== 'object') return value;
  const src = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key in src) {
    const v = src[key];
    if (v === null || v === undefined) continue;
    if (ONEOF_NAMES.has(key) && typeof v === 'string' && src[v] !== undefined && src[v] !== null) continue;
    out[key] = plain(v);
  }
  return out;
}
