/**
 * writeMlpModel: writes a synthetic MLP (see buildMlp) as a Triton model folder,
 * `<dir>/config.pbtxt` plus `<dir>/<version>/model.onnx`, for benchmark repositories made on the
 * fly. Writes only changed files. Scheduling options beyond max_batch_size and instances come
 * in as raw config text.
 */
import { basename, join } from 'node:path';
import { buildMlp, type MlpOptions, requirePositiveInt } from '../onnx/index.js';
import { writeFileIfChanged } from './write-file-if-changed.js';

/** Options of `writeMlpModel`: the MLP's options plus the model folder's config. */
export interface MlpModelWriterOptions extends MlpOptions {
  /** Model name in config.pbtxt; default the folder's base name. */
  name?: string;
  /** config max_batch_size; default 8. With 0, `batch` must be a number and becomes dims[0]. */
  maxBatchSize?: number;
  /** Version folder; default 1. */
  version?: number;
  /** CPU instances (instance_group count); default 1. */
  instanceCount?: number;
  /** Extra config.pbtxt text appended verbatim (e.g. a dynamic_batching block); default ''. */
  extraConfig?: string;
}

/** Files `writeMlpModel` produced, as absolute paths. */
export interface MlpModelFiles {
  /** `<dir>/config.pbtxt`. */
  configPath: string;
  /** `<dir>/<version>/model.onnx`. */
  modelPath: string;
  /** The paths that were created or rewritten (empty when everything was already up to date). */
  written: string[];
}

/** Writes an MLP model folder into `dir` */
export function writeMlpModel(dir: string, options: MlpModelWriterOptions): MlpModelFiles {
  const maxBatchSize = options.maxBatchSize ?? 8;
  const version = options.version ?? 1;
  requirePositiveInt('version', version);
  requirePositiveInt('instanceCount', options.instanceCount ?? 1);
  if (maxBatchSize === 0) {
    requirePositiveInt('batch (a fixed size is needed when maxBatchSize is 0)', options.batch as number);
  } else {
    requirePositiveInt('maxBatchSize', maxBatchSize);
  }
  const bytes = buildMlp(options);
  const configPath = join(dir, 'config.pbtxt');
  const modelPath = join(dir, String(version), 'model.onnx');
  const written: string[] = [];
  if (writeFileIfChanged(modelPath, bytes)) written.push(modelPath);
  if (writeFileIfChanged(configPath, mlpConfigText(dir, options, maxBatchSize))) written.push(configPath);
  return { configPath, modelPath, written };
}

function mlpConfigText(dir: string, o: MlpModelWriterOptions, maxBatchSize: number): string {
  const lead = maxBatchSize === 0 ? `${o.batch as number}, ` : '';
  const hidden = o.hiddenSizes.join(', ');
  return `# Synthetic MLP written by writeMlpModel: ${o.inputSize} -> [${hidden}] -> ${o.outputSize}, seed ${o.seed ?? 1}
name: "${o.name ?? basename(dir)}"
backend: "onnxruntime"
max_batch_size: ${maxBatchSize}
input [
  {
    name: "${o.inputName ?? 'INPUT0'}"
    data_type: TYPE_FP32
    dims: [ ${lead}${o.inputSize} ]
  }
]
output [
  {
    name: "${o.outputName ?? 'OUTPUT0'}"
    data_type: TYPE_FP32
    dims: [ ${lead}${o.outputSize} ]
  }
]
instance_group [
  {
    kind: KIND_CPU
    count: ${o.instanceCount ?? 1}
  }
]
${o.extraConfig ?? ''}`;
}
