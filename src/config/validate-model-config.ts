/**
 * Triton's load-time config rules (core ValidateModelConfig, ValidateModelIOConfig,
 * ValidateInstanceGroup, warmup and cache rules) on a normalized ModelConfig. Every violation is
 * collected and reported at once in one ERR_INVALID_CONFIG error, issues joined by "; ". Rules
 * that need the model file (names and types of tensors) live in auto-complete-config.ts; the
 * scheduling and ensemble rules live in validate-scheduling.ts.
 */

import type { ModelConfig, ModelInput, ModelOutput } from '../protocol/index.js';
import { checkConfigTypes } from './check-config-types.js';
import { invalidConfig, showValue } from './config-error.js';
import { isEnsemble } from './normalize-model-config.js';
import { checkDynamicBatching, checkEnsemble, checkSequenceBatching } from './validate-scheduling.js';

/** Where the config comes from. */
export interface ValidateContext {
  /** The model (directory) name; a non-empty `name` must equal it. */
  modelName: string;
}

const TENSORRT_PLATFORM = 'tensorrt_plan';

/**
 * Checks `config` (normalized) against Triton's rules and returns a deep-frozen copy. Throws one
 * ServerError INVALID_ARG / ERR_INVALID_CONFIG listing every violation with its path and value.
 */
export function validateModelConfig(config: ModelConfig, context: ValidateContext): ModelConfig {
  const issues: string[] = [];
  checkConfigTypes(config, issues);
  if (issues.length === 0) checkRules(config, context, issues);
  if (issues.length > 0) {
    throw invalidConfig(`Invalid configuration for model "${context.modelName}": ${issues.join('; ')}`);
  }
  return deepFreeze(structuredClone(config));
}

function checkRules(c: ModelConfig, context: ValidateContext, issues: string[]): void {
  if (c.name !== '' && c.name !== context.modelName) {
    issues.push(
      `name must equal the model directory name ${JSON.stringify(context.modelName)}: received ${JSON.stringify(c.name)}`,
    );
  }
  if (c.max_batch_size < 0) issues.push(`max_batch_size must be >= 0: received ${c.max_batch_size}`);
  checkVersionPolicy(c, issues);
  checkTensors(c, issues);
  checkBatchIo(c, issues);
  checkDynamicBatching(c, issues);
  checkSequenceBatching(c, issues);
  checkEnsemble(c, issues);
  if (!isEnsemble(c)) checkInstanceGroups(c, issues);
  // Unlike Triton, a decoupled model may enable response_cache: Nereid caches the whole stream.
  checkWarmup(c, issues);
  c.model_metrics?.metric_control.forEach((mc, i) => {
    const m = mc as { metric_identifier?: { family: string }; histogram_options?: { buckets: number[] } };
    const path = `model_metrics.metric_control[${i}]`;
    if (m.metric_identifier === undefined || m.metric_identifier.family === '') {
      issues.push(`${path}.metric_identifier.family must not be empty`);
    }
    if (m.histogram_options === undefined || m.histogram_options.buckets.length === 0) {
      issues.push(`${path}.histogram_options.buckets must list at least one bucket`);
    }
  });
}

function checkVersionPolicy(c: ModelConfig, issues: string[]): void {
  const vp = c.version_policy;
  const latest = vp.latest?.num_versions;
  if (latest !== undefined && latest < 1)
    issues.push(`version_policy.latest.num_versions must be >= 1: received ${latest}`);
  if (vp.specific !== undefined) {
    if (vp.specific.versions.length === 0)
      issues.push('version_policy.specific.versions must list at least one version');
    vp.specific.versions.forEach((v, i) => {
      if (v < 1) issues.push(`version_policy.specific.versions[${i}] must be >= 1: received ${v}`);
    });
  }
}

function checkTensors(c: ModelConfig, issues: string[]): void {
  const seen = new Map<string, string>();
  const check = (io: ModelInput | ModelOutput, path: string) => {
    checkTensorShape(io, path, c.max_batch_size, issues);
    if (io.is_shape_tensor && c.platform !== TENSORRT_PLATFORM) {
      issues.push(
        `${path}.is_shape_tensor is only supported for platform "${TENSORRT_PLATFORM}": received true`,
      );
    }
    if (io.is_non_linear_format_io && c.platform !== TENSORRT_PLATFORM) {
      issues.push(
        `${path}.is_non_linear_format_io is only supported for platform "${TENSORRT_PLATFORM}": received true`,
      );
    }
  };
  c.input.forEach((io, i) => {
    const path = `input[${i}]`;
    check(io, path);
    if ((io.format === 'FORMAT_NHWC' || io.format === 'FORMAT_NCHW') && io.dims.length !== 3) {
      issues.push(
        `${path}.dims must have 3 dimensions for format ${io.format}: received ${showValue(io.dims)}`,
      );
    }
    const other = seen.get(`i:${io.name}`);
    if (io.name !== '' && other !== undefined)
      issues.push(`${path}.name ${JSON.stringify(io.name)} is also used by ${other}`);
    seen.set(`i:${io.name}`, path);
  });
  c.output.forEach((io, i) => {
    const path = `output[${i}]`;
    check(io, path);
    const other = seen.get(`o:${io.name}`);
    if (io.name !== '' && other !== undefined)
      issues.push(`${path}.name ${JSON.stringify(io.name)} is also used by ${other}`);
    seen.set(`o:${io.name}`, path);
  });
}

/** Core ValidateIOShape: name, data type, dims, reshape and their element counts. */
function checkTensorShape(
  io: ModelInput | ModelOutput,
  path: string,
  maxBatchSize: number,
  issues: string[],
): void {
  if (io.name === '') issues.push(`${path}.name must not be empty`);
  const label = io.name === '' ? '' : ` of ${JSON.stringify(io.name)}`;
  if (io.data_type === 'TYPE_INVALID')
    issues.push(`${path}.data_type${label} must be set: received TYPE_INVALID`);
  if (io.dims.length === 0) {
    issues.push(
      `${path}.dims${label} must have at least one dimension (write dims: [ 1 ] and reshape: { shape: [ ] } for a scalar): received []`,
    );
  } else if (io.dims.some((d) => d < 1 && d !== -1)) {
    issues.push(`${path}.dims${label} must be -1 or >= 1: received ${showValue(io.dims)}`);
  }
  if (io.reshape === undefined) return;
  const shape = io.reshape.shape;
  if (shape.length === 0 && maxBatchSize === 0) {
    issues.push(
      `${path}.reshape${label} must not be empty for a model with max_batch_size 0 (scalar tensors are not supported)`,
    );
  }
  if (shape.some((d) => d < 1 && d !== -1)) {
    issues.push(`${path}.reshape.shape${label} must be -1 or >= 1: received ${showValue(shape)}`);
    return;
  }
  if (io.dims.length === 0 || io.dims.some((d) => d < 1 && d !== -1)) return;
  // Between variable dims, each run of fixed dims must hold the same element count (Triton's rule).
  const dimRuns = runs(io.dims);
  const shapeRuns = runs(shape);
  const sameSize =
    shape.length === 0 ? dimRuns.length === 1 && dimRuns[0] === 1 : dimRuns.join() === shapeRuns.join();
  if (!sameSize) {
    issues.push(
      `${path}.reshape.shape${label} must hold the same elements as dims ${showValue(io.dims)}: received ${showValue(shape)}`,
    );
  }
}

/** Element counts of the fixed-size runs between -1 dims: [2,4,-1,6] → [8,6]. */
function runs(dims: readonly number[]): number[] {
  const out: number[] = [];
  let count = 1;
  for (const d of dims) {
    if (d === -1) {
      out.push(count);
      count = 1;
    } else {
      count *= d;
    }
  }
  out.push(count);
  return out;
}

function checkBatchIo(c: ModelConfig, issues: string[]): void {
  const inputs = new Set(c.input.map((i) => i.name));
  const outputs = new Set(c.output.map((o) => o.name));
  c.batch_input.forEach((b, i) => {
    const path = `batch_input[${i}]`;
    if (b.source_input.length !== 1)
      issues.push(`${path}.source_input must list exactly 1 input: received ${showValue(b.source_input)}`);
    if (b.data_type !== 'TYPE_INT32' && b.data_type !== 'TYPE_FP32') {
      issues.push(`${path}.data_type must be TYPE_INT32 or TYPE_FP32: received ${b.data_type}`);
    }
    for (const s of b.source_input)
      if (!inputs.has(s))
        issues.push(`${path}.source_input names an unknown input: received ${JSON.stringify(s)}`);
  });
  c.batch_output.forEach((b, i) => {
    const path = `batch_output[${i}]`;
    if (b.source_input.length !== 1)
      issues.push(`${path}.source_input must list exactly 1 input: received ${showValue(b.source_input)}`);
    for (const s of b.source_input)
      if (!inputs.has(s))
        issues.push(`${path}.source_input names an unknown input: received ${JSON.stringify(s)}`);
    const targets = new Set<string>();
    for (const t of b.target_name) {
      if (!outputs.has(t))
        issues.push(`${path}.target_name names an unknown output: received ${JSON.stringify(t)}`);
      if (targets.has(t)) issues.push(`${path}.target_name lists ${JSON.stringify(t)} more than once`);
      targets.add(t);
    }
  });
}

function checkInstanceGroups(c: ModelConfig, issues: string[]): void {
  if (c.instance_group.length === 0) issues.push('instance_group must list at least one group');
  c.instance_group.forEach((g, i) => {
    const path = `instance_group[${i}]`;
    if (g.count < 1) issues.push(`${path}.count must be >= 1: received ${g.count}`);
    // KIND_GPU is the backend's to accept or refuse (it knows whether CUDA is there and whether
    // the config asks for CPU fallback), so it is not a config error.
    if (g.kind !== 'KIND_GPU' && g.gpus.length > 0) {
      issues.push(`${path}.gpus must be empty for kind ${g.kind}: received ${showValue(g.gpus)}`);
    }
    if (g.profile.length > 0 && c.platform !== TENSORRT_PLATFORM) {
      issues.push(
        `${path}.profile is only supported for platform "${TENSORRT_PLATFORM}": received ${showValue(g.profile)}`,
      );
    }
  });
}

function checkWarmup(c: ModelConfig, issues: string[]): void {
  const max = Math.max(1, c.max_batch_size);
  c.model_warmup.forEach((w, i) => {
    const path = `model_warmup[${i}]`;
    if (w.batch_size < 1 || w.batch_size > max) {
      const why = c.max_batch_size > 0 ? 'max_batch_size' : '1 for a model with max_batch_size 0';
      issues.push(`${path}.batch_size must be in 1..${max} (${why}): received ${w.batch_size}`);
    }
    for (const [name, input] of Object.entries(w.inputs)) {
      const inputPath = `${path}.inputs[${JSON.stringify(name)}]`;
      if (input.data_type === 'TYPE_INVALID')
        issues.push(`${inputPath}.data_type must be set: received TYPE_INVALID`);
      const sources = [input.zero_data, input.random_data, input.input_data_file].filter(
        (s) => s !== undefined,
      );
      if (sources.length !== 1)
        issues.push(`${inputPath} must set one of zero_data, random_data, input_data_file`);
    }
  });
}

/** Freezes `value` and everything reachable from it. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
