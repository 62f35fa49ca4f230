/**
 * Between candidates and model configs: reads the candidate a config stands for, and writes a
 * candidate's settings into a copy of a config — Triton's JSON form as the server returns it, or
 * the partial form of a parsed config.pbtxt — leaving every other field as it was. It neither
 * loads nor validates; the server validates each config it is asked to load.
 */
import type { Candidate } from './candidate.js';

/** A model config as a plain JSON object (Triton's JSON form, complete or partial). */
export type ConfigObject = Record<string, unknown>;

/** The name of the ONNX Runtime parameter tune varies. */
export const INTRA_OP_PARAMETER = 'intra_op_thread_count';

type Obj = Record<string, unknown>;

function asObject(v: unknown): Obj | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
}

function numbers(v: unknown): number[] {
  return Array.isArray(v) ? v.map(Number) : [];
}

/** The intra-op threads a config sets (0 when it leaves the parameter out). */
function configThreads(config: ConfigObject): number {
  const param = asObject(asObject(config.parameters)?.[INTRA_OP_PARAMETER]);
  const n = Number(param?.string_value ?? 0);
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
}

/** The candidate a config stands for (instances summed over its instance groups). */
export function candidateFromConfig(config: ConfigObject): Candidate {
  const groups = Array.isArray(config.instance_group) ? (config.instance_group as Obj[]) : [];
  const instances = groups.length === 0 ? 1 : groups.reduce((n, g) => n + Number(g.count ?? 1), 0);
  const maxBatchSize = Number(config.max_batch_size ?? 0);
  const db = asObject(config.dynamic_batching);
  const preferred = numbers(db?.preferred_batch_size);
  return {
    instances,
    dynamicBatching: db !== undefined,
    maxBatchSize,
    maxQueueDelayUs: db === undefined ? 0 : Number(db.max_queue_delay_microseconds ?? 0),
    // Triton fills an empty list with [max_batch_size]: both spell the default.
    preferredBatchSizes: preferred.length === 1 && preferred[0] === maxBatchSize ? [] : preferred,
    intraOpThreads: configThreads(config),
  };
}

function instanceGroups(config: ConfigObject, count: number): Obj[] {
  const groups = Array.isArray(config.instance_group) ? (config.instance_group as Obj[]) : [];
  // One group keeps the first group's kind, name and other fields; only the count changes.
  return [{ ...(groups[0] ?? { kind: 'KIND_CPU' }), count }];
}

function sequenceBatching(sequence: Obj, maxBatchSize: number): Obj {
  const oldest = asObject(sequence.oldest);
  if (oldest === undefined) return sequence;
  const preferred = numbers(oldest.preferred_batch_size).filter((n) => n <= maxBatchSize);
  return { ...sequence, oldest: { ...oldest, preferred_batch_size: preferred } };
}

/**
 * A copy of `config` with the candidate's settings: max_batch_size, one instance group of
 * `instances`, dynamic_batching (kept fields such as priorities, or removed), the intra-op
 * parameter (set, or removed for 0). A sequence model's `oldest` preferred sizes above the new
 * max_batch_size are dropped.
 */
export function applyCandidate(config: ConfigObject, c: Candidate): ConfigObject {
  const out: ConfigObject = structuredClone(config);
  out.max_batch_size = c.maxBatchSize;
  out.instance_group = instanceGroups(config, c.instances);
  if (c.dynamicBatching) {
    out.dynamic_batching = {
      ...(asObject(config.dynamic_batching) ?? {}),
      max_queue_delay_microseconds: c.maxQueueDelayUs,
      preferred_batch_size: c.preferredBatchSizes.length > 0 ? [...c.preferredBatchSizes] : [c.maxBatchSize],
    };
  } else {
    delete out.dynamic_batching;
  }
  const sequence = asObject(config.sequence_batching);
  if (sequence !== undefined) out.sequence_batching = sequenceBatching(sequence, c.maxBatchSize);
  const parameters: Obj = { ...(asObject(config.parameters) ?? {}) };
  if (c.intraOpThreads > 0) parameters[INTRA_OP_PARAMETER] = { string_value: String(c.intraOpThreads) };
  else delete parameters[INTRA_OP_PARAMETER];
  if (Object.keys(parameters).length > 0 || config.parameters !== undefined) out.parameters = parameters;
  return out;
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  const obj = asObject(value);
  if (obj === undefined) return value;
  const out: Obj = {};
  for (const key of Object.keys(obj).sort()) out[key] = canonical(obj[key]);
  return out;
}

/** Whether two configs are equal field by field (key order ignored). */
export function sameConfig(a: ConfigObject, b: ConfigObject): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/** The top-level fields whose values differ between two configs, sorted. */
export function differingFields(a: ConfigObject, b: ConfigObject): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((k) => JSON.stringify(canonical(a[k])) !== JSON.stringify(canonical(b[k]))).sort();
}
