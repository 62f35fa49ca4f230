/**
 * Config auto-complete from a model file's tensor metadata, as Triton's core
 * (AutoCompleteBackendFields) and ONNX Runtime backend (AutoCompleteConfig) do when config.pbtxt
 * is missing or partial: backend/platform/default file name, max_batch_size and an empty
 * dynamic_batching block for batchable models, the input and output lists, and (beyond Triton) a
 * given tensor's missing data_type or dims. With strict it fills nothing from the file and only
 * checks that the config's tensors exist in the file with the same types and compatible shapes.
 */

import type { ModelConfig, ModelInput, ModelOutput } from '../protocol/index.js';
import { wireToConfig } from '../protocol/index.js';
import { invalidConfig, showValue } from './config-error.js';
import type { ModelFileMetadata, TensorMetadata } from './model-file-metadata.js';
import {
  hasDefaultedCount,
  normalizeModelConfig,
  type PartialModelConfig,
} from './normalize-model-config.js';

/** The backend facts auto-complete fills in; a `Backend` object fits. */
export interface AutoCompleteBackend {
  /** Backend name (`onnxruntime`). */
  readonly name: string;
  /** Platform names of the backend, the first used when `platform` is empty (`onnxruntime_onnx`). */
  readonly platforms: readonly string[];
  /** Model file name used when `default_model_filename` is empty (`model.onnx`). */
  readonly defaultModelFilename: string;
}

/** Options of autoCompleteConfig. */
export interface AutoCompleteOptions {
  /** max_batch_size given to a batchable model whose config leaves it 0 (Triton's default-max-batch-size, 4). */
  defaultMaxBatchSize: number;
  /** Fill nothing from the file, only check (Triton's --disable-auto-complete-config). */
  strict: boolean;
  /** Model directory name, used when `name` is empty; default: leave it. */
  modelName?: string;
  /** Backend facts; default ONNX Runtime (`onnxruntime`, `onnxruntime_onnx`, `model.onnx`). */
  backend?: AutoCompleteBackend;
}

/** What auto-complete produced. */
export interface AutoCompleteResult {
  /** The completed, normalized (not yet validated) config. */
  config: ModelConfig;
  /** Paths of the fields that were filled in, for a log line (empty when nothing was). */
  completed: string[];
}

const ORT_BACKEND: AutoCompleteBackend = {
  name: 'onnxruntime',
  platforms: ['onnxruntime_onnx'],
  defaultModelFilename: 'model.onnx',
};

/**
 * Completes `config` from `metadata`. Pass the parser's partial output (parsePartialModelConfig)
 * so that defaults depending on the backend, such as the instance count, follow the filled backend.
 * Throws ERR_INVALID_CONFIG when the config contradicts the file.
 */
export function autoCompleteConfig(
  config: PartialModelConfig | ModelConfig,
  metadata: ModelFileMetadata,
  options: AutoCompleteOptions,
): AutoCompleteResult {
  const backend = options.backend ?? ORT_BACKEND;
  // Counts that normalization defaulted are recomputed at the end, once the backend is known.
  const defaultedCounts = (config.instance_group ?? []).map((g) => g != null && hasDefaultedCount(g));
  const partial = structuredClone(config) as PartialModelConfig;
  partial.instance_group?.forEach((g, i) => {
    if (g != null && defaultedCounts[i]) g.count = 0;
  });
  const completed: string[] = [];
  const modelName = partial.name || options.modelName || '';
  const fail = (message: string): never => {
    throw invalidConfig(
      `Cannot use the config of model ${JSON.stringify(modelName)} with its model file: ${message}`,
    );
  };

  // Core AutoCompleteBackendFields: runs even when auto-complete is disabled.
  if (!partial.name && options.modelName !== undefined) set(partial, 'name', options.modelName, completed);
  if (!partial.backend && (!partial.platform || backend.platforms.includes(partial.platform))) {
    set(partial, 'backend', backend.name, completed);
  }
  if (!partial.platform && partial.backend === backend.name && backend.platforms.length > 0) {
    set(partial, 'platform', backend.platforms[0], completed);
  }
  if (!partial.default_model_filename)
    set(partial, 'default_model_filename', backend.defaultModelFilename, completed);

  const inputs = (partial.input ??= []) as Partial<ModelInput>[];
  const outputs = (partial.output ??= []) as Partial<ModelOutput>[];
  const sb = partial.sequence_batching;
  const controlNames = new Set((sb?.control_input ?? []).map((c) => c?.name ?? ''));
  const stateInputs = new Set((sb?.state ?? []).map((s) => s?.input_name ?? ''));
  const stateOutputs = new Set((sb?.state ?? []).map((s) => s?.output_name ?? ''));
  for (const name of controlNames) {
    if (!metadata.inputs.some((t) => t.name === name)) {
      fail(
        `sequence_batching control input ${JSON.stringify(name)} is not an input of the model file (${names(metadata.inputs)})`,
      );
    }
  }

  const ioGiven = inputs.length + (partial.batch_input?.length ?? 0) > 0 && outputs.length > 0;
  if (!options.strict && !ioGiven) {
    const all = [...metadata.inputs, ...metadata.outputs];
    const canBatch = all.every((t) => t.shape.length > 0 && t.shape[0] === -1);
    const mbs = partial.max_batch_size ?? 0;
    if (canBatch && mbs === 0 && options.defaultMaxBatchSize > 0) {
      set(partial, 'max_batch_size', options.defaultMaxBatchSize, completed);
    } else if (!canBatch && mbs !== 0) {
      fail(
        `max_batch_size is ${mbs} but the model does not support batching (every input and output needs a variable first dimension)`,
      );
    }
    const hasScheduler = partial.dynamic_batching || partial.sequence_batching || partial.ensemble_scheduling;
    if ((partial.max_batch_size ?? 0) > 1 && !hasScheduler) set(partial, 'dynamic_batching', {}, completed);
  }
  const batching = (partial.max_batch_size ?? 0) > 0;

  if (!options.strict && inputs.length === 0) {
    for (const t of metadata.inputs)
      if (!controlNames.has(t.name) && !stateInputs.has(t.name))
        inputs.push(tensorFromFile(t, batching, fail));
    if (inputs.length > 0) completed.push('input');
  }
  if (!options.strict && outputs.length === 0) {
    for (const t of metadata.outputs)
      if (!stateOutputs.has(t.name)) outputs.push(tensorFromFile(t, batching, fail));
    if (outputs.length > 0) completed.push('output');
  }
  for (let i = 0; i < inputs.length; i++) {
    completeTensor(
      inputs[i],
      `input[${i}]`,
      'input',
      metadata.inputs,
      batching,
      options.strict,
      completed,
      fail,
    );
  }
  for (let i = 0; i < outputs.length; i++) {
    completeTensor(
      outputs[i],
      `output[${i}]`,
      'output',
      metadata.outputs,
      batching,
      options.strict,
      completed,
      fail,
    );
  }

  const required = new Set([...inputs.map((i) => i.name), ...controlNames, ...stateInputs]);
  for (const t of partial.batch_input ?? []) for (const n of t?.target_name ?? []) required.add(n ?? '');
  const missing = metadata.inputs.filter((t) => !required.has(t.name)).map((t) => t.name);
  if (missing.length > 0) {
    fail(`the model file has inputs the config does not list: ${showValue(missing)}`);
  }
  return { config: normalizeModelConfig(partial, { modelName: options.modelName }), completed };
}

function set(partial: PartialModelConfig, key: keyof ModelConfig, value: unknown, completed: string[]): void {
  (partial as Record<string, unknown>)[key] = value;
  completed.push(key);
}

function names(tensors: readonly TensorMetadata[]): string {
  return tensors.length === 0
    ? 'it has none'
    : `it has ${tensors.map((t) => JSON.stringify(t.name)).join(', ')}`;
}

/** A config tensor from file metadata: the batch dim dropped when batching, a scalar as dims [1] + empty reshape. */
function tensorFromFile(
  t: TensorMetadata,
  batching: boolean,
  fail: (m: string) => never,
): Partial<ModelInput> {
  if (t.datatype === null) fail(`tensor ${JSON.stringify(t.name)} has a type with no Triton equivalent`);
  const dims = batching ? t.shape.slice(1) : [...t.shape];
  if (dims.length > 0) return { name: t.name, data_type: wireToConfig(t.datatype!), dims };
  return batching
    ? { name: t.name, data_type: wireToConfig(t.datatype!), dims: [1], reshape: { shape: [] } }
    : { name: t.name, data_type: wireToConfig(t.datatype!), dims: [1] };
}

/** Checks one config tensor against the file and fills its missing data_type and dims (unless strict). */
function completeTensor(
  io: Partial<ModelInput | ModelOutput>,
  path: string,
  role: 'input' | 'output',
  fileTensors: readonly TensorMetadata[],
  batching: boolean,
  strict: boolean,
  completed: string[],
  fail: (m: string) => never,
): void {
  const t = fileTensors.find((f) => f.name === io.name);
  if (t === undefined) {
    fail(
      `${path} ${JSON.stringify(io.name ?? '')} is not an ${role} of the model file (${names(fileTensors)})`,
    );
    return;
  }
  const fileType = t.datatype === null ? null : wireToConfig(t.datatype);
  const given = io.data_type !== undefined && io.data_type !== 'TYPE_INVALID';
  if (given && fileType !== null && io.data_type !== fileType) {
    fail(
      `${path}.data_type of ${JSON.stringify(t.name)} is ${io.data_type} in the config but ${fileType} in the model file`,
    );
  }
  if (!given && !strict) {
    if (fileType === null) fail(`${role} ${JSON.stringify(t.name)} has a type with no Triton equivalent`);
    io.data_type = fileType!;
    completed.push(`${path}.data_type`);
  }
  if (batching && (t.shape.length === 0 || t.shape[0] !== -1)) {
    fail(
      `${role} ${JSON.stringify(t.name)} has shape ${showValue(t.shape)} in the model file, which has no variable first (batch) dimension, but max_batch_size is > 0`,
    );
  }
  const fileDims = batching ? t.shape.slice(1) : t.shape;
  if ((io.dims === undefined || io.dims.length === 0) && !strict) {
    const filled = tensorFromFile(t, batching, fail);
    io.dims = filled.dims;
    if (filled.reshape !== undefined && io.reshape === undefined) io.reshape = filled.reshape;
    completed.push(`${path}.dims`);
    return;
  }
  const dims = (io.reshape?.shape ?? io.dims ?? []) as number[];
  if (dims.length === 0 || fileDims.length === 0) {
    if (fileDims.length === 0 && dims.some((d) => d !== 1)) {
      fail(
        `${path} ${JSON.stringify(t.name)} is a scalar in the model file, so its dims must all be 1: received ${showValue(dims)}`,
      );
    }
    return;
  }
  const compatible =
    dims.length === fileDims.length &&
    dims.every((d, k) => d === fileDims[k] || (role === 'input' && fileDims[k] === -1));
  if (!compatible) {
    fail(
      `${path}.${io.reshape ? 'reshape.shape' : 'dims'} of ${JSON.stringify(t.name)} is ${showValue(dims)} in the config but the model file has ${showValue(fileDims)}${batching ? ' (without the batch dimension)' : ''}`,
    );
  }
}
