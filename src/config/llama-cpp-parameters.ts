/**
 * The config of a llama.cpp (GGUF) model: its backend name, the tensor interface of Triton's vLLM
 * backend that auto-complete gives it, and its `parameters` (context length, sequence slots,
 * threads, prefill chunk, GPU layers, default sampling, request bounds) read into a frozen
 * LlamaCppParameters with path + value errors. The backend, the generation scheduler and the
 * docs (docs/llm.md) all read the defaults from here. It loads no model.
 */

import type { ModelConfig } from '../protocol/index.js';
import { invalidConfig } from './config-error.js';
import type { TensorMetadata } from './model-file-metadata.js';
import type { PartialModelConfig } from './normalize-model-config.js';
import {
  DEFAULT_SAMPLING_PARAMETERS,
  parseSamplingJson,
  type SamplingParameters,
  type StopLimits,
} from './sampling-parameters.js';

/** `backend:` of llama.cpp models in config.pbtxt. */
export const LLAMA_CPP_BACKEND = 'llamacpp';

/** Model file of a llama.cpp model in its version directory. */
export const LLAMA_CPP_MODEL_FILENAME = 'model.gguf';

/** Parameter keys (`parameters { key: ... value: { string_value: ... } }`). */
export const LlamaCppParameter = {
  CONTEXT_LENGTH: 'context_length',
  MAX_NUM_SEQS: 'max_num_seqs',
  THREADS: 'threads',
  PREFILL_CHUNK_TOKENS: 'prefill_chunk_tokens',
  GPU_LAYERS: 'gpu_layers',
  DEFAULT_SAMPLING: 'default_sampling_parameters',
  MAX_PROMPT_BYTES: 'max_prompt_bytes',
  MAX_STOP_STRINGS: 'max_stop_strings',
  MAX_STOP_STRING_BYTES: 'max_stop_string_bytes',
  CPU_FALLBACK: 'nereid.cpu_fallback',
} as const;

/** Default context length cap: a model trained on a longer context gets this many tokens per sequence. */
export const DEFAULT_CONTEXT_LENGTH_CAP = 2048;
/** Largest context length per sequence accepted. */
export const MAX_CONTEXT_LENGTH = 131_072;
/** Default number of sequence slots (requests decoded together) per instance. */
export const DEFAULT_MAX_NUM_SEQS = 8;
/** Largest number of sequence slots per instance. */
export const MAX_NUM_SEQS = 256;
/**
 * Default llama.cpp threads per instance. Measured on a loaded 2-core machine: 1 thread decodes
 * stories260K at ~0.5 ms per token, 2 threads collapse to ~100 tokens/s and llama.cpp's own
 * default stalled (docs/llm.md, BENCHMARKS.md).
 */
export const DEFAULT_THREADS = 1;
/** Largest thread count accepted. */
export const MAX_THREADS = 256;
/** Default prompt tokens prefilled per decode step: short prompts whole, a longer one cut into chunks (vLLM's chunked prefill). */
export const DEFAULT_PREFILL_CHUNK_TOKENS = 256;
/** Largest prefill chunk accepted. */
export const MAX_PREFILL_CHUNK_TOKENS = 8192;
/** Tokens generated when neither the request nor default_sampling_parameters says (vLLM's default). */
export const DEFAULT_MAX_TOKENS = 16;
/** Default limit of a prompt's size in UTF-8 bytes (text_input, or the chat messages). */
export const DEFAULT_MAX_PROMPT_BYTES = 1024 * 1024;
/** Largest max_prompt_bytes accepted. */
export const MAX_PROMPT_BYTES_LIMIT = 64 * 1024 * 1024;
/** Default limit of stop strings per request. */
export const DEFAULT_MAX_STOP_STRINGS = 16;
/** Default limit of one stop string's size in UTF-8 bytes. */
export const DEFAULT_MAX_STOP_STRING_BYTES = 256;
/**
 * Queue bound of a generation model whose config sets no `max_queue_size` (or 0, which Triton reads
 * as unbounded): requests beyond it are refused with 503 and Retry-After.
 */
export const DEFAULT_GENERATION_MAX_QUEUE_SIZE = 1024;

/** A llama.cpp model's parameters, checked and defaulted. */
export interface LlamaCppParameters {
  /** Tokens per sequence (prompt + output); 0 = the model's training context, at most DEFAULT_CONTEXT_LENGTH_CAP. */
  readonly contextLength: number;
  /** Sequence slots per instance: the continuous batch width. Default 8. */
  readonly maxNumSeqs: number;
  /** llama.cpp threads per instance. Default 1. */
  readonly threads: number;
  /** Prompt tokens prefilled per decode step at most (short prompts whole, one cut at most). Default 256. */
  readonly prefillChunkTokens: number;
  /** Layers offloaded to the GPU: a count, or -1 for all. Default 0 (KIND_CPU), -1 (KIND_GPU). */
  readonly gpuLayers: number;
  /** Whether a model that wants a GPU may run on the CPU when none is usable. Default false. */
  readonly cpuFallback: boolean;
  /** Sampling parameters of requests that set none (max_tokens resolved). */
  readonly defaultSampling: SamplingParameters;
  /** Largest prompt in UTF-8 bytes. Default 1 MiB. */
  readonly maxPromptBytes: number;
  /** Request stop-string bounds. Defaults 16 strings of 256 bytes. */
  readonly stopLimits: StopLimits;
}

/** Whether `config` selects the llama.cpp backend. */
export function isLlamaCppConfig(config: Pick<ModelConfig, 'backend'>): boolean {
  return config.backend === LLAMA_CPP_BACKEND;
}

function parameter(config: ModelConfig, key: string): string | undefined {
  return config.parameters?.[key]?.string_value;
}

function badValue(config: ModelConfig, key: string, rule: string, raw: string): never {
  throw invalidConfig(
    `parameters["${key}"] of model ${JSON.stringify(config.name)} must be ${rule}: received ${JSON.stringify(raw)}`,
  );
}

function readCount(config: ModelConfig, key: string, min: number, max: number, fallback: number): number {
  const raw = parameter(config, key);
  if (raw === undefined) return fallback;
  const text = raw.trim();
  const n = /^[0-9]+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max)
    badValue(config, key, `an integer in [${min}, ${max}]`, raw);
  return n;
}

function readFlag(config: ModelConfig, key: string): boolean {
  const raw = parameter(config, key);
  if (raw === undefined) return false;
  const text = raw.trim().toLowerCase();
  if (text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0') return false;
  return badValue(config, key, '"true" or "false"', raw);
}

/** Whether any instance group asks for a GPU. */
function wantsGpuKind(config: ModelConfig): boolean {
  return config.instance_group.some((g) => g.kind === 'KIND_GPU');
}

/**
 * Reads the llama.cpp parameters of a validated config.
 * @throws ServerError INVALID_ARG (ERR_INVALID_CONFIG) naming the parameter, the rule and the value
 */
export function resolveLlamaCppParameters(config: ModelConfig): LlamaCppParameters {
  const P = LlamaCppParameter;
  const gpuRaw = parameter(config, P.GPU_LAYERS);
  let gpuLayers = wantsGpuKind(config) ? -1 : 0;
  if (gpuRaw !== undefined) {
    const text = gpuRaw.trim();
    if (text === 'max' || text === '-1') gpuLayers = -1;
    else gpuLayers = readCount(config, P.GPU_LAYERS, 0, 100_000, 0);
  }
  const stopLimits: StopLimits = Object.freeze({
    maxStopStrings: readCount(config, P.MAX_STOP_STRINGS, 0, 1024, DEFAULT_MAX_STOP_STRINGS),
    maxStopStringBytes: readCount(config, P.MAX_STOP_STRING_BYTES, 1, 65_536, DEFAULT_MAX_STOP_STRING_BYTES),
  });
  const samplingRaw = parameter(config, P.DEFAULT_SAMPLING);
  let defaultSampling = DEFAULT_SAMPLING_PARAMETERS;
  if (samplingRaw !== undefined) {
    try {
      defaultSampling = parseSamplingJson(
        samplingRaw,
        `parameters["${P.DEFAULT_SAMPLING}"] of model ${JSON.stringify(config.name)}`,
        DEFAULT_SAMPLING_PARAMETERS,
        stopLimits,
      );
    } catch (err) {
      throw invalidConfig((err as Error).message);
    }
  }
  if (defaultSampling.maxTokens === null) {
    defaultSampling = Object.freeze({ ...defaultSampling, maxTokens: DEFAULT_MAX_TOKENS });
  }
  return Object.freeze({
    contextLength: readCount(config, P.CONTEXT_LENGTH, 0, MAX_CONTEXT_LENGTH, 0),
    maxNumSeqs: readCount(config, P.MAX_NUM_SEQS, 1, MAX_NUM_SEQS, DEFAULT_MAX_NUM_SEQS),
    threads: readCount(config, P.THREADS, 1, MAX_THREADS, DEFAULT_THREADS),
    prefillChunkTokens: readCount(
      config,
      P.PREFILL_CHUNK_TOKENS,
      1,
      MAX_PREFILL_CHUNK_TOKENS,
      DEFAULT_PREFILL_CHUNK_TOKENS,
    ),
    gpuLayers,
    cpuFallback: readFlag(config, P.CPU_FALLBACK),
    defaultSampling,
    maxPromptBytes: readCount(
      config,
      P.MAX_PROMPT_BYTES,
      1,
      MAX_PROMPT_BYTES_LIMIT,
      DEFAULT_MAX_PROMPT_BYTES,
    ),
    stopLimits,
  });
}

/** Names of the generation tensors (Triton's vLLM backend, plus Nereid's `messages`). */
export const GenerationTensor = {
  TEXT_INPUT: 'text_input',
  MESSAGES: 'messages',
  STREAM: 'stream',
  SAMPLING_PARAMETERS: 'sampling_parameters',
  EXCLUDE_INPUT_IN_OUTPUT: 'exclude_input_in_output',
  RETURN_FINISH_REASON: 'return_finish_reason',
  RETURN_NUM_INPUT_TOKENS: 'return_num_input_tokens',
  RETURN_NUM_OUTPUT_TOKENS: 'return_num_output_tokens',
  TEXT_OUTPUT: 'text_output',
  FINISH_REASON: 'finish_reason',
  NUM_INPUT_TOKENS: 'num_input_tokens',
  NUM_OUTPUT_TOKENS: 'num_output_tokens',
} as const;

type IoSpec = {
  name: string;
  data_type: ModelConfig['input'][number]['data_type'];
  dims: number[];
  optional?: boolean;
};

const T = GenerationTensor;
const GENERATION_INPUTS: readonly IoSpec[] = [
  { name: T.TEXT_INPUT, data_type: 'TYPE_STRING', dims: [1] },
  { name: T.MESSAGES, data_type: 'TYPE_STRING', dims: [1], optional: true },
  { name: T.STREAM, data_type: 'TYPE_BOOL', dims: [1], optional: true },
  { name: T.SAMPLING_PARAMETERS, data_type: 'TYPE_STRING', dims: [1], optional: true },
  { name: T.EXCLUDE_INPUT_IN_OUTPUT, data_type: 'TYPE_BOOL', dims: [1], optional: true },
  { name: T.RETURN_FINISH_REASON, data_type: 'TYPE_BOOL', dims: [1], optional: true },
  { name: T.RETURN_NUM_INPUT_TOKENS, data_type: 'TYPE_BOOL', dims: [1], optional: true },
  { name: T.RETURN_NUM_OUTPUT_TOKENS, data_type: 'TYPE_BOOL', dims: [1], optional: true },
];
const GENERATION_OUTPUTS: readonly IoSpec[] = [
  { name: T.TEXT_OUTPUT, data_type: 'TYPE_STRING', dims: [-1] },
  { name: T.FINISH_REASON, data_type: 'TYPE_STRING', dims: [-1] },
  { name: T.NUM_INPUT_TOKENS, data_type: 'TYPE_UINT32', dims: [1] },
  { name: T.NUM_OUTPUT_TOKENS, data_type: 'TYPE_UINT32', dims: [-1] },
];

function metadataOf(spec: IoSpec): TensorMetadata {
  return {
    name: spec.name,
    datatype: spec.data_type === 'TYPE_STRING' ? 'BYTES' : spec.data_type === 'TYPE_BOOL' ? 'BOOL' : 'UINT32',
    shape: [...spec.dims],
  };
}

/** The generation tensors as model-file metadata (what `inspect` reports for a GGUF). */
export function generationTensorMetadata(): { inputs: TensorMetadata[]; outputs: TensorMetadata[] } {
  return { inputs: GENERATION_INPUTS.map(metadataOf), outputs: GENERATION_OUTPUTS.map(metadataOf) };
}

/**
 * Completes a llama.cpp model's config as Triton's vLLM backend does: every generation input and
 * output the config does not list is added, the model is decoupled and does not batch (the
 * backend batches sequences itself). The result is partial; the loader normalizes it.
 */
export function completeLlamaCppConfig(config: PartialModelConfig | ModelConfig): PartialModelConfig {
  const out = structuredClone(config) as PartialModelConfig;
  out.backend ||= LLAMA_CPP_BACKEND;
  const inputs = (out.input ??= []);
  const outputs = (out.output ??= []);
  for (const spec of GENERATION_INPUTS) {
    if (!inputs.some((i) => i?.name === spec.name)) inputs.push({ ...spec, dims: [...spec.dims] });
  }
  for (const spec of GENERATION_OUTPUTS) {
    if (!outputs.some((o) => o?.name === spec.name)) outputs.push({ ...spec, dims: [...spec.dims] });
  }
  out.model_transaction_policy = { decoupled: true };
  out.max_batch_size = 0;
  return out;
}
