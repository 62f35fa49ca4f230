/**
 * Turns the fields a config sets into a complete ModelConfig in Triton's JSON form: every scalar,
 * list and map present with its proto default, keys in proto declaration order, and the defaults
 * Triton's core adds on load (version policy, pinned memory, preferred batch size, sequence idle
 * time, instance groups). Accepts the parser's output or a JSON object (load API overrides).
 * It checks field names and JSON value shapes but no cross-field rules (validate-model-config.ts).
 */

import type { InstanceGroup, ModelConfig } from '../protocol/index.js';
import { invalidConfig, showValue } from './config-error.js';
import {
  type FieldSpec,
  hasPresence,
  type MessageSpec,
  MODEL_CONFIG_SPEC,
  type ValueType,
} from './config-schema.js';

/** A deeply partial version of T (what a config file or JSON override may leave out). */
export type DeepPartial<T> = T extends readonly (infer U)[]
  ? DeepPartial<U>[]
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/** The fields a config sets, in Triton's JSON form. */
export type PartialModelConfig = DeepPartial<ModelConfig>;

/** Options of normalizeModelConfig. */
export interface NormalizeOptions {
  /** Model (directory) name, used when `name` is empty; default: leave `name` empty. */
  modelName?: string;
}

/** Default `max_sequence_idle_microseconds` (1 s), as Triton's SEQUENCE_IDLE_DEFAULT_MICROSECONDS. */
export const SEQUENCE_IDLE_DEFAULT_US = 1_000_000;

/** Backends for which Triton creates 2 instances per KIND_CPU group by default (core SetDefaultInstanceCount). */
const TWO_CPU_INSTANCE_BACKENDS: ReadonlySet<string> = new Set(['onnxruntime', 'tensorflow']);

/** Backend that Triton's core infers from a platform when `backend` is empty (AutoCompleteBackendFields). */
const PLATFORM_BACKENDS: Readonly<Record<string, string>> = {
  onnxruntime_onnx: 'onnxruntime',
  tensorflow_graphdef: 'tensorflow',
  tensorflow_savedmodel: 'tensorflow',
  tensorrt_plan: 'tensorrt',
  pytorch_libtorch: 'pytorch',
};

/** Instance groups whose count normalizeModelConfig chose because the config left it unset. */
const defaultedCounts = new WeakSet<object>();

/** Whether normalizeModelConfig chose `group.count` (the config left it 0), so it may follow a later backend change. */
export function hasDefaultedCount(group: object): boolean {
  return defaultedCounts.has(group);
}

type Obj = Record<string, unknown>;

/** Fills every default; idempotent. Throws ERR_INVALID_CONFIG on unknown fields or ill-shaped JSON values. */
export function normalizeModelConfig(
  partial: PartialModelConfig | ModelConfig,
  options: NormalizeOptions = {},
): ModelConfig {
  if (partial === null || typeof partial !== 'object' || Array.isArray(partial)) {
    throw invalidConfig(`A model config must be an object: received ${showValue(partial)}`);
  }
  const config = fillMessage(MODEL_CONFIG_SPEC, partial as Obj, '') as unknown as ModelConfig;
  const defaulted = applyTritonDefaults(config, options);
  // Defaults added above were appended; rebuilding restores the declaration order of every key.
  const result = fillMessage(MODEL_CONFIG_SPEC, config as unknown as Obj, '') as unknown as ModelConfig;
  for (const i of defaulted) defaultedCounts.add(result.instance_group[i]);
  const given = (partial as Obj).instance_group;
  if (Array.isArray(given)) {
    given.forEach((g, i) => {
      if (g !== null && typeof g === 'object' && defaultedCounts.has(g))
        defaultedCounts.add(result.instance_group[i]);
    });
  }
  return result;
}

/** Whether the config describes an ensemble (platform "ensemble" or an ensemble_scheduling block). */
export function isEnsemble(config: Pick<ModelConfig, 'platform' | 'ensemble_scheduling'>): boolean {
  return config.platform === 'ensemble' || config.ensemble_scheduling !== undefined;
}

/** Triton's default instance count for a group of `kind` in a model of `backend`. */
export function defaultInstanceCount(kind: string, backend: string): number {
  return kind === 'KIND_CPU' && TWO_CPU_INSTANCE_BACKENDS.has(backend) ? 2 : 1;
}

/** Applies Triton's load-time defaults in place; returns the indices of groups whose count was defaulted. */
function applyTritonDefaults(c: ModelConfig, options: NormalizeOptions): number[] {
  if (c.name === '' && options.modelName !== undefined) c.name = options.modelName;
  if (c.backend === '' && PLATFORM_BACKENDS[c.platform] !== undefined)
    c.backend = PLATFORM_BACKENDS[c.platform];
  const vp = c.version_policy;
  if (vp === undefined || (vp.latest === undefined && vp.all === undefined && vp.specific === undefined)) {
    c.version_policy = { latest: { num_versions: 1 } };
  }
  const db = c.dynamic_batching;
  if (db !== undefined && db.preferred_batch_size.length === 0 && c.max_batch_size > 0) {
    db.preferred_batch_size.push(c.max_batch_size);
  }
  const sb = c.sequence_batching;
  if (sb !== undefined) {
    if (sb.max_sequence_idle_microseconds === 0) sb.max_sequence_idle_microseconds = SEQUENCE_IDLE_DEFAULT_US;
    if (sb.oldest !== undefined && sb.oldest.preferred_batch_size.length === 0 && c.max_batch_size > 0) {
      sb.oldest.preferred_batch_size.push(c.max_batch_size);
    }
  }
  if (c.optimization === undefined)
    c.optimization = fillMessage(OPTIMIZATION_SPEC, {}, 'optimization') as never;
  c.optimization.input_pinned_memory ??= { enable: true };
  c.optimization.output_pinned_memory ??= { enable: true };
  const defaulted = isEnsemble(c) ? [] : normalizeInstanceGroups(c);
  c.model_transaction_policy ??= { decoupled: false };
  c.response_cache ??= { enable: false };
  return defaulted;
}

const OPTIMIZATION_SPEC = (MODEL_CONFIG_SPEC.byName.get('optimization')!.type as { message: MessageSpec })
  .message;
const GROUP_SPEC = (MODEL_CONFIG_SPEC.byName.get('instance_group')!.type as { message: MessageSpec }).message;

/** Core NormalizeInstanceGroup on a server without GPUs: default group, names, KIND_AUTO → KIND_CPU, counts. */
function normalizeInstanceGroups(c: ModelConfig): number[] {
  if (c.instance_group.length === 0) {
    const group = fillMessage(GROUP_SPEC, {}, 'instance_group[0]') as unknown as InstanceGroup;
    group.name = c.name;
    c.instance_group.push(group);
  }
  const backend = c.backend;
  const defaulted: number[] = [];
  c.instance_group.forEach((group, i) => {
    if (group.name === '') group.name = `${c.name}_${i}`;
    if (group.kind === 'KIND_AUTO') group.kind = 'KIND_CPU';
    if (group.count < 1) {
      group.count = defaultInstanceCount(group.kind, backend);
      defaulted.push(i);
    }
  });
  return defaulted;
}

/** Builds a message in declaration order: given fields copied (filled recursively), the rest defaulted. */
export function fillMessage(spec: MessageSpec, value: Obj, path: string): Obj {
  for (const key of Object.keys(value)) {
    if (!spec.byName.has(key) && value[key] !== undefined) {
      throw invalidConfig(`${join(path, key)}: unknown field of ${spec.name}`);
    }
  }
  const out: Obj = {};
  for (const field of spec.fields) {
    const v = value[field.name];
    const fieldPath = join(path, field.name);
    if (v === undefined || v === null) {
      if (!hasPresence(field))
        out[field.name] = field.repeated ? [] : field.mapKey !== null ? {} : zeroValue(field.type);
      continue;
    }
    out[field.name] = fillField(field, v, fieldPath);
  }
  return out;
}

function fillField(field: FieldSpec, v: unknown, path: string): unknown {
  if (field.mapKey !== null) {
    if (typeof v !== 'object' || Array.isArray(v))
      throw invalidConfig(`${path} must be an object: received ${showValue(v)}`);
    const out: Obj = {};
    for (const [k, item] of Object.entries(v as Obj))
      out[k] = fillValue(field.type, item, `${path}[${JSON.stringify(k)}]`);
    return out;
  }
  if (field.repeated) {
    if (!Array.isArray(v)) throw invalidConfig(`${path} must be a list: received ${showValue(v)}`);
    return v.map((item, i) => fillValue(field.type, item, `${path}[${i}]`));
  }
  return fillValue(field.type, v, path);
}

function fillValue(type: ValueType, v: unknown, path: string): unknown {
  if (type.kind === 'message') {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      throw invalidConfig(`${path} must be an object: received ${showValue(v)}`);
    }
    return fillMessage(type.message, v as Obj, path);
  }
  if (
    type.kind === 'enum' &&
    typeof v === 'number' &&
    Number.isInteger(v) &&
    v >= 0 &&
    v < type.values.length
  ) {
    return type.values[v];
  }
  if (
    type.kind === 'scalar' &&
    typeof v === 'string' &&
    /^-?[0-9]+$/.test(v) &&
    type.scalar.includes('int')
  ) {
    return Number(v);
  }
  return v;
}

/** The proto zero value of a type (`''`, `false`, `0`, the first enum name, `{}` for messages). */
export function zeroValue(type: ValueType): unknown {
  if (type.kind === 'enum') return type.values[0];
  if (type.kind === 'scalar') return type.scalar === 'string' ? '' : type.scalar === 'bool' ? false : 0;
  return {};
}

function join(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}
