/**
 * The `optimization { execution_accelerators { gpu_execution_accelerator [...] } }` block users of
 * Triton's ONNX Runtime backend write by hand for TensorRT or CUDA, generated for a precision with
 * the engine cache on, and merged into a model config. Config generation only: nothing here checks
 * for a GPU (this project's machines have none).
 */
import { invalidArg } from '../../common/index.js';
import type { PartialModelConfig } from '../../config/index.js';

/** A GPU execution provider of Triton's ONNX Runtime backend. */
export type GpuExecutionProvider = 'tensorrt' | 'cuda';

/** Precision requested from the provider. */
export type AcceleratorPrecision = 'fp32' | 'fp16' | 'int8';

/** Default TensorRT workspace, in bytes (Triton's documented default: 1 GiB). */
export const TRT_WORKSPACE_BYTES_DEFAULT = 1 << 30;

/** Options of `acceleratorFor`. */
export interface AcceleratorOptions {
  /** Engine cache folder; default `/tmp/nereid_trt_cache/<model>`. */
  engineCachePath?: string;
  /** Model name, for the default cache path. */
  modelName: string;
}

/** One gpu_execution_accelerator entry for `provider` at `precision` */
export function acceleratorFor(
  provider: GpuExecutionProvider,
  precision: AcceleratorPrecision,
  options: AcceleratorOptions,
): { name: string; parameters: Record<string, string> } {
  if (provider === 'cuda') {
    if (precision === 'int8') {
      throw invalidArg(
        'ERR_OPTIMIZE_PRECISION',
        `Precision "int8" is not a CUDA execution provider setting: use --execution-provider tensorrt, or --int8 to quantize the model itself`,
      );
    }
    return { name: 'cuda', parameters: { cudnn_conv_algo_search: 'HEURISTIC' } };
  }
  return {
    name: 'tensorrt',
    parameters: {
      precision_mode: precision.toUpperCase(),
      max_workspace_size_bytes: String(TRT_WORKSPACE_BYTES_DEFAULT),
      trt_engine_cache_enable: 'true',
      trt_engine_cache_path: options.engineCachePath ?? `/tmp/nereid_trt_cache/${options.modelName}`,
    },
  };
}

/** Returns a copy of `config` whose gpu_execution_accelerator list is exactly `[accelerator]`. */
export function withAccelerator(
  config: PartialModelConfig,
  accelerator: { name: string; parameters: Record<string, string> },
): PartialModelConfig {
  const copy = structuredClone(config) as PartialModelConfig & { optimization?: Record<string, unknown> };
  const optimization = (copy.optimization ?? {}) as Record<string, unknown>;
  const accelerators = (optimization.execution_accelerators ?? {}) as Record<string, unknown>;
  optimization.execution_accelerators = { ...accelerators, gpu_execution_accelerator: [accelerator] };
  (copy as Record<string, unknown>).optimization = optimization;
  return copy;
}
