/**
 * Options of `nereid optimize` / `optimizeModel` as callers give them (OptimizeOptions) and as the
 * optimizer uses them (ResolvedOptimizeOptions: checked, defaulted, frozen). Errors name the option
 * and the received and allowed values. Nothing is read or run here.
 */
import { invalidArg } from '../../common/index.js';
import type { AcceleratorPrecision, GpuExecutionProvider } from './accelerator-config.js';
import type { Sample } from './input-data.js';
import type { Int8KeepFloat, Int8Mode } from './int8-quantizer.js';
import type { CalibrationMethod } from './quantize-math.js';

/** ORT offline graph optimisation levels. */
export type GraphLevel = 'basic' | 'extended' | 'layout' | 'all';

/** What to do with a model version; see docs/optimize.md. */
export interface OptimizeOptions {
  /** Model repository folder. */
  repository: string;
  /** Model name (folder in the repository). */
  model: string;
  /** Source version; default the highest numeric version folder. */
  version?: number;
  /** New version to write (must not exist). */
  toVersion: number;
  /** ORT offline graph optimisation saved into the new model file; default none. */
  graphLevel?: GraphLevel;
  /** Convert to float16; default false. */
  fp16?: boolean;
  /** With fp16: make the model's float inputs/outputs float16 too (config updated); default false. */
  fp16Io?: boolean;
  /** With fp16: operator types kept float32 in addition to the default block list; default []. */
  fp16Block?: string[];
  /** int8 quantisation mode; default none. */
  int8?: Int8Mode;
  /** int8: 7-bit weights (and static activations), onnxruntime's reduce_range; default false. */
  int8ReduceRange?: boolean;
  /** int8: node names kept float32 (onnxruntime's nodes_to_exclude); default []. */
  int8ExcludeNodes?: string[];
  /** int8: keep the first and/or last quantisable node float32; default []. */
  int8KeepFloat?: Int8KeepFloat[];
  /** static int8: calibration inputs (JSON file or directory); default the accuracy inputs. */
  calibrationData?: string;
  /** static int8: range method; default 'minmax'. */
  calibrationMethod?: CalibrationMethod;
  /** static int8 with 'percentile': the upper percentile kept; default 99.99. */
  percentile?: number;
  /** GPU execution provider block to write into config.pbtxt; default none. */
  executionProvider?: GpuExecutionProvider;
  /** Precision of the execution provider; default 'fp16' for tensorrt, 'fp32' for cuda. */
  precision?: AcceleratorPrecision;
  /** Inputs for the accuracy report (JSON file or directory); default generated. */
  inputs?: string;
  /** Accuracy rows given directly (API only, instead of `inputs`); default none. */
  inputSamples?: readonly Sample[];
  /** static int8: calibration rows given directly (API only, instead of `calibrationData`); default none. */
  calibrationSamples?: readonly Sample[];
  /** Generated samples (rows) when `inputs` is not given; default 256. */
  samples?: number;
  /** Per-row dims of inputs whose dims are not fixed, by input name; default {}. */
  shapes?: Record<string, number[]>;
  /** Flag the variant when its max abs error exceeds this; default none. */
  maxAbsError?: number;
  /** Flag the variant when top-1 agreement (0–1) falls below this; default none. */
  minTop1?: number;
  /** Refuse to write a flagged variant; default false. */
  strict?: boolean;
  /** Measure speed; default true. */
  speed?: boolean;
  /** Time per model and batch size, in milliseconds; default 1000. */
  speedDurationMs?: number;
  /** Batch sizes for the speed report; default 1, 2, 4, 8, 16, 32, 64 up to max_batch_size. */
  batchSizes?: number[];
  /** ORT intra-op threads of each measurement session; default 1. */
  threads?: number;
  /** Warnings and progress lines; default none. */
  log?: (line: string) => void;
}

/** Options without a default: they stay optional once resolved. */
type UndefaultedOption =
  | 'version'
  | 'graphLevel'
  | 'int8'
  | 'calibrationData'
  | 'executionProvider'
  | 'precision'
  | 'inputs'
  | 'inputSamples'
  | 'calibrationSamples'
  | 'maxAbsError'
  | 'minTop1';

/** Checked options with defaults applied. */
export type ResolvedOptimizeOptions = Readonly<
  Required<Omit<OptimizeOptions, UndefaultedOption>> & Pick<OptimizeOptions, UndefaultedOption>
>;

const GRAPH_LEVELS: readonly string[] = ['basic', 'extended', 'layout', 'all'];

/** Checks `options` and applies defaults; throws ERR_OPTIMIZE_OPTIONS (INVALID_ARG) */
export function resolveOptimizeOptions(options: OptimizeOptions): ResolvedOptimizeOptions {
  const fail = (message: string): never => {
    throw invalidArg('ERR_OPTIMIZE_OPTIONS', message);
  };
  if (!Number.isInteger(options.toVersion) || options.toVersion < 1) {
    fail(`Option --to must be a version number >= 1: received ${options.toVersion}`);
  }
  if (options.version !== undefined && (!Number.isInteger(options.version) || options.version < 1)) {
    fail(`Option --version must be a version number >= 1: received ${options.version}`);
  }
  if (options.version === options.toVersion)
    fail(`Option --to must differ from the source version ${options.version}`);
  if (options.graphLevel !== undefined && !GRAPH_LEVELS.includes(options.graphLevel)) {
    fail(`Option --graph-level must be one of ${GRAPH_LEVELS.join(', ')}: received "${options.graphLevel}"`);
  }
  if (options.int8 !== undefined && options.int8 !== 'dynamic' && options.int8 !== 'static') {
    fail(`Option --int8 must be "dynamic" or "static": received "${options.int8}"`);
  }
  if (options.fp16 && options.int8)
    fail('Options --fp16 and --int8 cannot be combined: choose one precision per variant');
  if (options.fp16Io && !options.fp16) fail('Option --fp16-io needs --fp16');
  if (
    (options.int8ReduceRange ||
      (options.int8ExcludeNodes ?? []).length > 0 ||
      (options.int8KeepFloat ?? []).length > 0) &&
    options.int8 === undefined
  )
    fail('Options --int8-reduce-range, --int8-exclude-nodes and --int8-keep-float need --int8');
  for (const k of options.int8KeepFloat ?? []) {
    if (k !== 'first' && k !== 'last')
      fail(`Option --int8-keep-float must be "first" or "last": received "${k}"`);
  }
  if (options.inputs !== undefined && options.inputSamples !== undefined)
    fail('Options inputs and inputSamples cannot be combined: give one source of accuracy rows');
  if (options.calibrationData !== undefined && options.calibrationSamples !== undefined)
    fail(
      'Options calibrationData and calibrationSamples cannot be combined: give one source of calibration rows',
    );
  if (options.calibrationSamples !== undefined && options.int8 !== 'static')
    fail('Option calibrationSamples needs --int8 static');
  if (options.calibrationData !== undefined && options.int8 !== 'static')
    fail('Option --calibration-data needs --int8 static');
  const method = options.calibrationMethod ?? 'minmax';
  if (method !== 'minmax' && method !== 'percentile') {
    fail(`Option --calibration-method must be "minmax" or "percentile": received "${method}"`);
  }
  const percentile = options.percentile ?? 99.99;
  if (!(percentile > 50 && percentile <= 100))
    fail(`Option --percentile must be in (50, 100]: received ${percentile}`);
  if (
    options.executionProvider !== undefined &&
    options.executionProvider !== 'tensorrt' &&
    options.executionProvider !== 'cuda'
  ) {
    fail(`Option --execution-provider must be "tensorrt" or "cuda": received "${options.executionProvider}"`);
  }
  if (options.precision !== undefined) {
    if (options.executionProvider === undefined) fail('Option --precision needs --execution-provider');
    if (!['fp32', 'fp16', 'int8'].includes(options.precision)) {
      fail(`Option --precision must be fp32, fp16 or int8: received "${options.precision}"`);
    }
  }
  const samples = options.samples ?? 256;
  if (!Number.isInteger(samples) || samples < 1)
    fail(`Option --samples must be an integer >= 1: received ${samples}`);
  if (options.minTop1 !== undefined && !(options.minTop1 >= 0 && options.minTop1 <= 1)) {
    fail(`Option --min-top1 must be in [0, 1]: received ${options.minTop1}`);
  }
  if (options.maxAbsError !== undefined && !(options.maxAbsError >= 0)) {
    fail(`Option --max-abs-error must be >= 0: received ${options.maxAbsError}`);
  }
  const batchSizes = options.batchSizes ?? [1, 2, 4, 8, 16, 32, 64];
  if (batchSizes.length === 0 || batchSizes.some((b) => !Number.isInteger(b) || b < 1)) {
    fail(`Option --batch-sizes must list integers >= 1: received [${batchSizes.join(', ')}]`);
  }
  return Object.freeze({
    ...options,
    fp16: options.fp16 ?? false,
    fp16Io: options.fp16Io ?? false,
    fp16Block: options.fp16Block ?? [],
    int8ReduceRange: options.int8ReduceRange ?? false,
    int8ExcludeNodes: options.int8ExcludeNodes ?? [],
    int8KeepFloat: options.int8KeepFloat ?? [],
    calibrationMethod: method,
    percentile,
    samples,
    shapes: options.shapes ?? {},
    strict: options.strict ?? false,
    speed: options.speed ?? true,
    speedDurationMs: options.speedDurationMs ?? 1000,
    batchSizes,
    threads: options.threads ?? 1,
    log: options.log ?? (() => {}),
  });
}

/** A short name of the variant the options produce ('int8-dynamic', 'graph-all+fp16', ...). */
export function variantLabel(
  o: Pick<
    OptimizeOptions,
    | 'graphLevel'
    | 'fp16'
    | 'fp16Io'
    | 'int8'
    | 'int8ReduceRange'
    | 'int8ExcludeNodes'
    | 'int8KeepFloat'
    | 'calibrationMethod'
    | 'executionProvider'
    | 'precision'
  >,
): string {
  const parts: string[] = [];
  if (o.graphLevel) parts.push(`graph-${o.graphLevel}`);
  if (o.fp16) parts.push(o.fp16Io ? 'fp16-io' : 'fp16');
  if (o.int8)
    parts.push(
      o.int8 === 'static' && o.calibrationMethod === 'percentile'
        ? 'int8-static-percentile'
        : `int8-${o.int8}`,
    );
  if (o.int8 && o.int8ReduceRange) parts.push('reduce-range');
  if (o.int8) for (const k of o.int8KeepFloat ?? []) parts.push(`float-${k}`);
  if (o.int8 && (o.int8ExcludeNodes ?? []).length > 0) parts.push(`exclude-${o.int8ExcludeNodes!.length}`);
  if (parts.length === 0) parts.push('fp32');
  if (o.executionProvider)
    parts.push(
      `${o.executionProvider}-${o.precision ?? (o.executionProvider === 'tensorrt' ? 'fp16' : 'fp32')}`,
    );
  return parts.join('+');
}
