/**
 * Turns a model config (Triton's ONNX Runtime backend keys) into the ONNX Runtime session options
 * a worker loads with: graph optimization level, thread counts, memory options, execution
 * providers (TensorRT/CUDA accelerators with Triton's parameter names mapped to ORT's) and the
 * CPU fallback switch. Pure and main-thread safe: it imports ORT types only, never ORT itself.
 */
import { availableParallelism } from 'node:os';
import type * as ort from 'onnxruntime-node';
import { invalidArg, unsupported } from '../../common/index.js';
import type { InstanceContext } from '../backend.js';
import { DEFAULT_INPUT_SLAB_BYTES } from '../worker-ring.js';

/** Model parameter that lets a GPU instance run on the CPU when CUDA is unavailable. */
export const CPU_FALLBACK_PARAMETER = 'nereid.cpu_fallback';

/** Model parameter: executions one instance accepts at once (pipelining, ADR 0005/0007/0008); default 16. */
export const MAX_IN_FLIGHT_PARAMETER = 'nereid.max_in_flight';

/**
 * Executions an ONNX Runtime instance accepts at once by default: the later ones wait in the
 * worker's request ring, so the worker starts each as soon as the previous ends instead of
 * sleeping until the main thread has handled its result (only for short executions, see
 * InstancePool). With messages 4 was best (docs/adr/0005); with SharedRings (docs/adr/0007) a
 * queued execution costs nothing more. A depth below the client's concurrency makes the main and
 * model threads take turns: the worker runs a full ring, sleeps while the main thread answers it
 * and refills it (the others wait in the scheduler's queue meanwhile). Measured on `simple` over
 * HTTP (docs/adr/0008): at concurrency 16, depth 16 served 1.08x depth 8, ahead in 10 of 10
 * alternated pairs, and depth 32 or 64 no more; at concurrency 32, depth 8 / 16 / 32 gave
 * 0.53 / 0.67 / 0.69x the bare server. 16 keeps records of up to 29 KiB in the 1 MiB rings
 * (15 KiB at depth 32).
 */
export const DEFAULT_MAX_IN_FLIGHT = 16;

/**
 * Model parameter: µs the main thread may watch for the answer of a fast model's only execution
 * in flight (AnswerPollPolicy, docs/adr/0008 and 0017); 0 turns it off. Default 0.
 */
export const ANSWER_POLL_PARAMETER = 'nereid.answer_poll_us';

/**
 * Default of `nereid.answer_poll_us`: off. The watch helps only models whose runs take a few tens
 * of µs (`simple` at concurrency 1, docs/adr/0008); a real model such as text_orientation (~1.5 ms
 * per run) is never watched for, so no benchmark on it can show a win, and spinning is opt-in
 * (docs/adr/0017). 100 is the value measured on `simple`.
 */
export const DEFAULT_ANSWER_POLL_US = 0;

/**
 * Model parameter: bytes of each instance's input slab, where executions too large for a ring
 * record (a batch of images) write their inputs once instead of going over the port
 * (docs/adr/0025); 0 turns it off. Default DEFAULT_INPUT_SLAB_BYTES (2 MiB), at most 1 GiB.
 */
export const INPUT_SLAB_PARAMETER = 'nereid.input_slab_bytes';

/** Largest `nereid.input_slab_bytes` (the ring's own limit is 2^30 bytes of data). */
const MAX_INPUT_SLAB_BYTES = 2 ** 30;

/**
 * Default intra-op threads of one instance: the cores but one (the main thread receives, batches
 * and answers), shared among the model's instances, at least 1. Dividing all the cores made ONNX
 * Runtime's pool threads, which spin between runs, take the main thread's core: on 2 cores
 * text_orientation served 1.7x (c1) and 2.7x (c16) more with 1 thread than with 2 (BENCHMARKS.md,
 * "Worker layer"). `intra_op_thread_count` overrides it.
 */
export function defaultIntraOpThreads(cores: number, instanceCount: number): number {
  return Math.max(1, Math.floor((cores - 1) / Math.max(1, instanceCount)));
}

/** What the ONNX worker needs to load one session (structured-cloneable). */
export interface OnnxWorkerOptions {
  /** Absolute path of the .onnx file. */
  modelPath: string;
  /** Session options passed to `InferenceSession.create`. */
  sessionOptions: ort.InferenceSession.SessionOptions;
  /** Whether GPU execution providers were requested (KIND_GPU). */
  gpu: boolean;
  /** Whether a GPU load may fall back to the CPU (`nereid.cpu_fallback`). */
  cpuFallback: boolean;
  /** EP options from the config that onnxruntime-node cannot apply (it takes only a device id), as `ep.key=value`. */
  unappliedProviderOptions: string[];
  /**
   * Run through the public InferenceSession (PublicSession) because the private binding failed
   * its startup self-check (ort-binding.ts); the instance then uses the message transport.
   * Default false.
   */
  publicSession?: boolean;
}

/** The resolved options plus warnings to log. */
export interface OnnxSessionPlan {
  /** Options for the worker. */
  worker: OnnxWorkerOptions;
  /** Executions the instance accepts at once (`nereid.max_in_flight`, default 16). */
  maxInFlight: number;
  /** µs the main thread may watch for a fast model's single answer (`nereid.answer_poll_us`, default 0 = never). */
  answerPollUs: number;
  /** Bytes of each instance's input slab (`nereid.input_slab_bytes`, default 2 MiB; 0 = none). */
  inputSlabBytes: number;
  /** ORT execution-provider options mapped from the config, by provider (`tensorrt`, `cuda`). */
  providerOptions: { tensorrt: Record<string, string>; cuda: Record<string, string> };
  /** Non-fatal findings (ignored accelerators, unknown levels). */
  warnings: string[];
}

const GRAPH_LEVELS: Readonly<Record<string, ort.InferenceSession.SessionOptions['graphOptimizationLevel']>> =
  {
    '-1': 'basic',
    '0': 'all',
    '1': 'extended',
    '2': 'disabled',
  };

/** Triton TensorRT accelerator keys that ORT names differently. */
const TRT_RENAMED: Readonly<Record<string, string>> = {
  max_workspace_size_bytes: 'trt_max_workspace_size',
  int8_calibration_table_name: 'trt_int8_calibration_table_name',
  int8_use_native_calibration_table: 'trt_int8_use_native_calibration_table',
};

/** ORT `trt_*` options Triton passes through unchanged. */
const TRT_PASSTHROUGH: ReadonlySet<string> = new Set(
  'max_partition_iterations min_subgraph_size dla_enable dla_core engine_cache_enable engine_cache_path engine_cache_prefix dump_subgraphs force_sequential_engine_build context_memory_sharing_enable layer_norm_fp32_fallback timing_cache_enable timing_cache_path force_timing_cache detailed_build_log build_heuristics_enable sparsity_enable builder_optimization_level auxiliary_streams tactic_sources extra_plugin_lib_paths profile_min_shapes profile_max_shapes profile_opt_shapes cuda_graph_enable dump_ep_context_model ep_context_file_path ep_context_embed_mode'
    .split(' ')
    .map((k) => `trt_${k}`),
);

/** Legacy model-level CUDA parameters and their ORT CUDA EP values. */
const CUDA_LEGACY: Readonly<Record<string, Record<string, string> | null>> = {
  cudnn_conv_algo_search: { '0': 'EXHAUSTIVE', '1': 'HEURISTIC', '2': 'DEFAULT' },
  gpu_mem_limit: null,
  arena_extend_strategy: { '0': 'kNextPowerOfTwo', '1': 'kSameAsRequested' },
  do_copy_in_default_stream: null,
};

/** Resolves the session options of one instance from its context (config, kind, device, count). */
export function resolveOnnxSessionPlan(context: InstanceContext): OnnxSessionPlan {
  const { config } = context;
  const params = config.parameters ?? {};
  const model = config.name || context.modelName;
  const warnings: string[] = [];
  const param = (key: string): string | undefined => params[key]?.string_value;

  const rawLevel = config.optimization?.graph?.level ?? 0;
  let graphOptimizationLevel = GRAPH_LEVELS[String(rawLevel)];
  if (graphOptimizationLevel === undefined) {
    warnings.push(
      `optimization.graph.level ${rawLevel} of model "${model}" is not one of -1, 0, 1, 2: using all optimizations`,
    );
    graphOptimizationLevel = 'all';
  }
  const options: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel,
    intraOpNumThreads: defaultIntraOpThreads(availableParallelism(), context.instanceCount),
    executionMode: 'sequential',
    logSeverityLevel: 3,
    logId: context.instanceName,
  };
  const inFlight = param(MAX_IN_FLIGHT_PARAMETER);
  const maxInFlight =
    inFlight === undefined ? DEFAULT_MAX_IN_FLIGHT : parseCount(model, MAX_IN_FLIGHT_PARAMETER, inFlight);
  const poll = param(ANSWER_POLL_PARAMETER);
  const answerPollUs =
    poll === undefined ? DEFAULT_ANSWER_POLL_US : parseCount(model, ANSWER_POLL_PARAMETER, poll);
  const slabRaw = param(INPUT_SLAB_PARAMETER);
  const inputSlabBytes =
    slabRaw === undefined ? DEFAULT_INPUT_SLAB_BYTES : parseCount(model, INPUT_SLAB_PARAMETER, slabRaw);
  if (inputSlabBytes > MAX_INPUT_SLAB_BYTES) {
    throw invalidArg(
      'ERR_INVALID_PARAMETER',
      `parameters.${INPUT_SLAB_PARAMETER} of model "${model}" must be at most ${MAX_INPUT_SLAB_BYTES}: received "${slabRaw}"`,
    );
  }
  const intra = param('intra_op_thread_count');
  if (intra !== undefined) options.intraOpNumThreads = parseCount(model, 'intra_op_thread_count', intra);
  const inter = param('inter_op_thread_count');
  if (inter !== undefined) options.interOpNumThreads = parseCount(model, 'inter_op_thread_count', inter);
  const mode = param('execution_mode');
  if (mode !== undefined) {
    if (mode !== '0' && mode !== '1') {
      throw invalidArg(
        'ERR_INVALID_PARAMETER',
        `parameters.execution_mode of model "${model}" must be "0" (sequential) or "1" (parallel): received "${mode}"`,
      );
    }
    options.executionMode = mode === '1' ? 'parallel' : 'sequential';
  }
  const arena = param('enable_mem_arena');
  if (arena !== undefined) options.enableCpuMemArena = parseFlag(model, 'enable_mem_arena', arena);
  const pattern = param('enable_mem_pattern');
  if (pattern !== undefined) options.enableMemPattern = parseFlag(model, 'enable_mem_pattern', pattern);
  const initAlloc = param('session.use_device_allocator_for_initializers');
  if (initAlloc !== undefined) options.extra = { 'session.use_device_allocator_for_initializers': initAlloc };
  const fallbackRaw = param(CPU_FALLBACK_PARAMETER);
  const cpuFallback =
    fallbackRaw === undefined ? false : parseFlag(model, CPU_FALLBACK_PARAMETER, fallbackRaw);

  const accelerators = config.optimization?.execution_accelerators;
  for (const acc of accelerators?.cpu_execution_accelerator ?? []) {
    if (acc.name === 'openvino') {
      throw unsupported(
        'ERR_UNSUPPORTED_ACCELERATOR',
        `cpu_execution_accelerator "openvino" of model "${model}" is not available in onnxruntime-node: remove it to use the default CPU execution provider`,
      );
    }
    throw invalidArg(
      'ERR_UNKNOWN_ACCELERATOR',
      `Unknown cpu_execution_accelerator "${acc.name}" of model "${model}": allowed "openvino"`,
    );
  }
  const providerOptions = { tensorrt: {} as Record<string, string>, cuda: {} as Record<string, string> };
  let useTensorrt = false;
  for (const acc of accelerators?.gpu_execution_accelerator ?? []) {
    if (acc.name === 'tensorrt') {
      useTensorrt = true;
      Object.assign(providerOptions.tensorrt, mapTensorrtParameters(model, acc.parameters ?? {}));
    } else if (acc.name === 'cuda') {
      Object.assign(providerOptions.cuda, acc.parameters ?? {});
    } else {
      throw invalidArg(
        'ERR_UNKNOWN_ACCELERATOR',
        `Unknown gpu_execution_accelerator "${acc.name}" of model "${model}": allowed "tensorrt", "cuda"`,
      );
    }
  }
  for (const [key, values] of Object.entries(CUDA_LEGACY)) {
    const raw = param(key);
    if (raw === undefined) continue;
    const mapped = values === null ? raw : values[raw];
    if (mapped === undefined) {
      throw invalidArg(
        'ERR_INVALID_PARAMETER',
        `parameters.${key} of model "${model}" must be one of ${Object.keys(values!)
          .map((v) => `"${v}"`)
          .join(', ')}: received "${raw}"`,
      );
    }
    providerOptions.cuda[key] = mapped;
  }

  const gpu = context.kind === 'KIND_GPU';
  const unapplied: string[] = [];
  if (gpu) {
    const deviceId = Math.max(0, context.deviceId);
    const eps: ort.InferenceSession.ExecutionProviderConfig[] = [];
    if (useTensorrt) eps.push({ name: 'tensorrt', deviceId });
    eps.push({ name: 'cuda', deviceId }, 'cpu');
    options.executionProviders = eps;
    for (const [k, v] of Object.entries(providerOptions.tensorrt)) unapplied.push(`tensorrt.${k}=${v}`);
    for (const [k, v] of Object.entries(providerOptions.cuda)) unapplied.push(`cuda.${k}=${v}`);
  } else {
    options.executionProviders = ['cpu'];
    if (accelerators?.gpu_execution_accelerator?.length) {
      warnings.push(
        `gpu_execution_accelerator of model "${model}" is ignored on ${context.kind} instance "${context.instanceName}"`,
      );
    }
  }
  return {
    worker: {
      modelPath: context.modelPath,
      sessionOptions: options,
      gpu,
      cpuFallback,
      unappliedProviderOptions: unapplied,
    },
    maxInFlight: Math.max(1, maxInFlight),
    answerPollUs,
    inputSlabBytes,
    providerOptions,
    warnings,
  };
}

function mapTensorrtParameters(model: string, parameters: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(parameters)) {
    if (key === 'precision_mode') {
      if (value === 'FP16') out.trt_fp16_enable = '1';
      else if (value === 'INT8') out.trt_int8_enable = '1';
      else if (value !== 'FP32') {
        throw invalidArg(
          'ERR_INVALID_PARAMETER',
          `TensorRT precision_mode of model "${model}" must be "FP32", "FP16" or "INT8": received "${value}"`,
        );
      }
    } else if (TRT_RENAMED[key] !== undefined) {
      out[TRT_RENAMED[key]!] = normalizeFlag(value);
    } else if (TRT_PASSTHROUGH.has(key)) {
      out[key] = normalizeFlag(value);
    } else {
      throw invalidArg(
        'ERR_INVALID_PARAMETER',
        `Unknown parameter "${key}" for the TensorRT execution accelerator of model "${model}"`,
      );
    }
  }
  return out;
}

function normalizeFlag(value: string): string {
  const v = value.toLowerCase();
  return v === 'true' ? '1' : v === 'false' ? '0' : value;
}

function parseFlag(model: string, key: string, value: string): boolean {
  const v = value.toLowerCase();
  if (v === '1' || v === 'true') return true;
  if (v === '0' || v === 'false') return false;
  throw invalidArg(
    'ERR_INVALID_PARAMETER',
    `parameters.${key} of model "${model}" must be "0", "1", "true" or "false": received "${value}"`,
  );
}

function parseCount(model: string, key: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0) {
    throw invalidArg(
      'ERR_INVALID_PARAMETER',
      `parameters.${key} of model "${model}" must be a non-negative integer: received "${value}"`,
    );
  }
  return n;
}
