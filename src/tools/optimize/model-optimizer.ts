/**
 * optimizeModel: the `nereid optimize` pipeline on a model repository. It reads the source version
 * (never modifying it), builds the variant, measures accuracy and speed against the source in
 * worker threads, refuses a flagged variant under `strict`, then writes `<model>/<to>/<file>` and,
 * when data types or accelerators change, an updated config.pbtxt. Transformations live in
 * variant-builder.ts; report formatting in optimize-report.ts.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { invalidArg, notFound, ServerError, Status } from '../../common/index.js';
import { formatTextProto, type PartialModelConfig, parsePartialModelConfig } from '../../config/index.js';
import { allInitializers, decodeOnnxModel } from '../onnx/index.js';
import { acceleratorFor, withAccelerator } from './accelerator-config.js';
import { AccuracyAccumulator, type AccuracyReport } from './accuracy-report.js';
import { promoteConstantNodes } from './graph-edit.js';
import { generateSamples, type InputSpec, loadSamples, type Sample, stackBatch } from './input-data.js';
import type { ModelIo, WireTensor } from './measure-protocol.js';
import { MeasureSession } from './measure-session.js';
import {
  type OptimizeOptions,
  type ResolvedOptimizeOptions,
  resolveOptimizeOptions,
  variantLabel,
} from './optimize-options.js';
import { measureSpeed, type SpeedReport } from './speed-report.js';
import { adaptFeeds } from './tensor-cast.js';
import { buildVariant, type VariantBuild } from './variant-builder.js';

/** The outcome of one optimisation. */
export interface OptimizeResult {
  /** Model name. */
  model: string;
  /** Variant label ('int8-dynamic', 'graph-all+fp16', ...). */
  variant: string;
  /** Source version. */
  sourceVersion: number;
  /** Written version. */
  toVersion: number;
  /** Path of the written model file ('' when refused). */
  modelPath: string;
  /** Whether config.pbtxt was rewritten. */
  configUpdated: boolean;
  /** File sizes in bytes. */
  sizes: {
    sourceFileBytes: number;
    variantFileBytes: number;
    sourceWeightBytes: number;
    variantWeightBytes: number;
  };
  /** Accuracy against the source. */
  accuracy: AccuracyReport;
  /** Speed against the source; null when not measured. */
  speed: SpeedReport | null;
  /** Rows the accuracy was measured on. */
  rows: number;
  /** What the transformations did. */
  build: Omit<VariantBuild, 'bytes' | 'ranges'>;
  /** Warnings and notes shown to the user. */
  notes: string[];
}

/** Optimises one model version of a repository (see the file header) */
export async function optimizeModel(options: OptimizeOptions): Promise<OptimizeResult> {
  const o = resolveOptimizeOptions(options);
  const modelDir = join(o.repository, o.model);
  if (!existsSync(modelDir))
    throw notFound('ERR_OPTIMIZE_MODEL', `Model "${o.model}" not found in repository "${o.repository}"`);
  const configPath = join(modelDir, 'config.pbtxt');
  const config: PartialModelConfig = existsSync(configPath)
    ? parsePartialModelConfig(readFileSync(configPath, 'utf8'), configPath)
    : {};
  const sourceVersion = o.version ?? latestVersion(modelDir, o.model);
  const fileName = config.default_model_filename || 'model.onnx';
  const sourcePath = join(modelDir, String(sourceVersion), fileName);
  if (!existsSync(sourcePath))
    throw notFound(
      'ERR_OPTIMIZE_MODEL',
      `Model "${o.model}" has no file "${fileName}" in version ${sourceVersion}`,
    );
  const targetDir = join(modelDir, String(o.toVersion));
  if (existsSync(targetDir)) {
    throw new ServerError(
      Status.ALREADY_EXISTS,
      'ERR_OPTIMIZE_VERSION_EXISTS',
      `Version ${o.toVersion} of model "${o.model}" already exists: choose a new --to version`,
    );
  }
  const sourceBytes = new Uint8Array(readFileSync(sourcePath));
  const notes: string[] = [];
  const source = await MeasureSession.open(sourceBytes, {
    label: `model "${o.model}" version ${sourceVersion}`,
    intraOpNumThreads: o.threads,
  });
  let variant: MeasureSession | undefined;
  try {
    const maxBatch = config.max_batch_size ?? 0;
    const specs = inputSpecs(source.inputs, config, maxBatch > 0, o);
    const samples = o.inputSamples
      ? [...o.inputSamples]
      : o.inputs
        ? loadSamples(o.inputs, specs)
        : generateSamples(specs, o.samples);
    const batched = maxBatch > 0;
    const chunk = batched ? Math.min(maxBatch, 16) : 1;
    const calibration = (): WireTensor[][] => {
      const rows = o.calibrationSamples
        ? [...o.calibrationSamples]
        : o.calibrationData
          ? loadSamples(o.calibrationData, specs)
          : generateSamples(specs, Math.min(o.samples, 64), 11);
      return batchesOf(rows, chunk, batched);
    };
    o.log(`Building variant ${variantLabel(o)} of "${o.model}" version ${sourceVersion}`);
    const build = await buildVariant(sourceBytes, o, calibration);
    variant = await MeasureSession.open(build.bytes, {
      label: `the ${variantLabel(o)} variant`,
      intraOpNumThreads: o.threads,
    });
    const accumulator = new AccuracyAccumulator();
    for (const feeds of batchesOf(samples, chunk, batched)) {
      const expected = await source.run(feeds);
      accumulator.add(expected, await variant.run(adaptFeeds(feeds, variant.inputs)));
    }
    const accuracy = accumulator.report({ maxAbsError: o.maxAbsError, minTop1: o.minTop1 });
    let speed: SpeedReport | null = null;
    if (o.speed) {
      const sizes = batched ? o.batchSizes.filter((b) => b <= maxBatch) : [1];
      o.log(`Timing source and variant side by side at batch sizes ${sizes.join(', ')}`);
      const feedsFor = (batch: number, isVariant: boolean): WireTensor[] => {
        const feeds = stackBatch(samples, 0, batch, batched);
        return isVariant ? adaptFeeds(feeds, variant!.inputs) : feeds;
      };
      speed = await measureSpeed(source, variant, feedsFor, {
        batchSizes: sizes.length > 0 ? sizes : [1],
        durationMs: o.speedDurationMs,
      });
    }
    notes.push(...build.warnings);
    const result: OptimizeResult = {
      model: o.model,
      variant: variantLabel(o),
      sourceVersion,
      toVersion: o.toVersion,
      modelPath: '',
      configUpdated: false,
      sizes: {
        sourceFileBytes: sourceBytes.length,
        variantFileBytes: build.bytes.length,
        sourceWeightBytes: weightBytes(sourceBytes),
        variantWeightBytes: weightBytes(build.bytes),
      },
      accuracy,
      speed,
      rows: samples.length,
      build: { fp16: build.fp16, int8: build.int8, warnings: build.warnings },
      notes,
    };
    if (accuracy.flagged && o.strict) {
      throw invalidArg(
        'ERR_OPTIMIZE_ACCURACY',
        `Refusing to write version ${o.toVersion} of model "${o.model}" (--strict): ${accuracy.reasons.join('; ')}`,
      );
    }
    mkdirSync(targetDir, { recursive: true });
    result.modelPath = join(targetDir, fileName);
    writeFileSync(result.modelPath, build.bytes);
    const updated = updatedConfig(config, source.outputs, source.inputs, o, notes);
    if (updated !== null) {
      writeFileSync(configPath, formatTextProto(updated));
      result.configUpdated = true;
    }
    return result;
  } finally {
    await source.close();
    await variant?.close();
  }
}

function latestVersion(modelDir: string, model: string): number {
  const versions = readdirSync(modelDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && /^[0-9]+$/.test(e.name))
    .map((e) => Number(e.name));
  if (versions.length === 0) throw notFound('ERR_OPTIMIZE_MODEL', `Model "${model}" has no version folders`);
  return Math.max(...versions);
}

function inputSpecs(
  inputs: ModelIo[],
  config: PartialModelConfig,
  batched: boolean,
  o: ResolvedOptimizeOptions,
): InputSpec[] {
  return inputs.map((io) => {
    const configured = (config.input ?? []).find((i) => i?.name === io.name)?.dims as number[] | undefined;
    const fromModel = batched ? io.shape.slice(1) : io.shape;
    const dims = o.shapes[io.name] ?? configured ?? fromModel.map((d) => (typeof d === 'number' ? d : -1));
    if (dims.some((d) => typeof d !== 'number' || d < 0)) {
      throw invalidArg(
        'ERR_OPTIMIZE_SHAPE',
        `Input "${io.name}" of model "${o.model}" has dims [${dims.join(', ')}] that are not fixed: give --shape ${io.name}:${fromModel.map((d) => (typeof d === 'number' && d >= 0 ? d : 'N')).join(',')}`,
      );
    }
    return { name: io.name, type: io.type, dims: dims as number[] };
  });
}

function batchesOf(samples: readonly Sample[], chunk: number, batched: boolean): WireTensor[][] {
  const out: WireTensor[][] = [];
  for (let start = 0; start < samples.length; start += chunk) {
    out.push(stackBatch(samples, start, Math.min(chunk, samples.length - start), batched));
  }
  return out;
}

/** Bytes of the model's constant tensors (initializers and Constant nodes). */
export function weightBytes(bytes: Uint8Array): number {
  const model = decodeOnnxModel(bytes);
  promoteConstantNodes(model);
  return allInitializers(model).reduce(
    (sum, t) => sum + (t.rawData?.length ?? 0) + (t.floatData?.length ?? 0) * 4,
    0,
  );
}

function updatedConfig(
  config: PartialModelConfig,
  outputs: ModelIo[],
  inputs: ModelIo[],
  o: ResolvedOptimizeOptions,
  notes: string[],
): PartialModelConfig | null {
  let next: PartialModelConfig | null = null;
  if (o.fp16Io) {
    next = structuredClone(config);
    const floats = new Set(
      [...inputs, ...outputs].filter((io) => io.type === 'float32').map((io) => io.name),
    );
    for (const io of [...(next.input ?? []), ...(next.output ?? [])]) {
      if (io && floats.has(io.name ?? '') && io.data_type === 'TYPE_FP32') io.data_type = 'TYPE_FP16';
    }
    notes.push(
      'config.pbtxt now declares TYPE_FP16 inputs/outputs; it applies to every version, so serve only the new version (version_policy latest 1, the default)',
    );
  }
  if (o.executionProvider) {
    const precision = o.precision ?? (o.executionProvider === 'tensorrt' ? 'fp16' : 'fp32');
    next = withAccelerator(
      next ?? config,
      acceleratorFor(o.executionProvider, precision, { modelName: o.model }),
    );
    notes.push(
      `Wrote the ${o.executionProvider} execution accelerator (precision ${precision}, engine cache on) for GPU hosts; this machine has no GPU, so it was generated, not tested`,
    );
  }
  return next;
}
