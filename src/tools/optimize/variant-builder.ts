/**
 * buildVariant: turns the source model's bytes into the variant's bytes — int8 quantisation (with
 * calibration in a worker for `static`), float16 conversion, then ORT's offline graph optimisation
 * (in a worker, saved through `optimizedModelFilePath`). Accuracy, speed and the repository are
 * handled by model-optimizer.ts.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeOnnxModel, encodeOnnxModel, makeValueInfo } from '../onnx/index.js';
import { convertToFloat16, DEFAULT_FP16_BLOCK_LIST, type Float16Report } from './float16-converter.js';
import { type Int8Report, prepareForQuantization, quantizeToInt8 } from './int8-quantizer.js';
import type { WireTensor } from './measure-protocol.js';
import { MeasureSession } from './measure-session.js';
import type { ResolvedOptimizeOptions } from './optimize-options.js';

/** The variant and what was done to it. */
export interface VariantBuild {
  /** The variant model's bytes. */
  bytes: Uint8Array;
  /** The float16 conversion, when done. */
  fp16?: Float16Report;
  /** The int8 quantisation, when done. */
  int8?: Int8Report;
  /** Activation ranges used by static int8, by tensor name. */
  ranges?: Map<string, [number, number]>;
  /** Findings the user should see (hardware-specific kernels, skipped nodes). */
  warnings: string[];
}

/** Builds the variant; `calibrationBatches` supplies feeds for static int8 */
export async function buildVariant(
  sourceBytes: Uint8Array,
  o: ResolvedOptimizeOptions,
  calibrationBatches: () => WireTensor[][],
): Promise<VariantBuild> {
  const build: VariantBuild = { bytes: sourceBytes, warnings: [] };
  if (o.int8) {
    const model = decodeOnnxModel(sourceBytes);
    const activations = prepareForQuantization(model);
    let ranges: Map<string, [number, number]> | undefined;
    if (activations.length === 0)
      build.warnings.push(
        'int8: the model has no MatMul, Gemm or Conv with float32 constant weights to quantize',
      );
    else if (o.int8 === 'static') {
      ranges = await calibrate(model, activations, o, calibrationBatches());
      build.ranges = ranges;
    }
    build.int8 = quantizeToInt8(model, {
      mode: o.int8,
      ranges,
      reduceRange: o.int8ReduceRange,
      excludeNodes: o.int8ExcludeNodes,
      keepFloat: o.int8KeepFloat,
    });
    for (const s of build.int8.skipped) build.warnings.push(`int8: kept float32: ${s}`);
    build.bytes = encodeOnnxModel(model);
  }
  if (o.fp16) {
    const model = decodeOnnxModel(build.bytes);
    build.fp16 = convertToFloat16(model, {
      keepIoTypes: !o.fp16Io,
      blockList: [...DEFAULT_FP16_BLOCK_LIST, ...o.fp16Block],
    });
    build.bytes = encodeOnnxModel(model);
  }
  if (o.graphLevel) {
    build.bytes = await optimizeGraph(build.bytes, o.graphLevel, o.threads);
    if (o.graphLevel === 'layout' || o.graphLevel === 'all') {
      build.warnings.push(
        `graph-level ${o.graphLevel}: the saved model may contain hardware-specific kernels (e.g. NCHWc layouts); reuse it only on machines like this one`,
      );
    }
    if (o.graphLevel !== 'basic') {
      build.warnings.push(
        `graph-level ${o.graphLevel}: the saved model uses ONNX Runtime contrib operators (com.microsoft) and loads only in ONNX Runtime`,
      );
    }
  }
  return build;
}

/** Runs the prepared model with the activations exposed as outputs and returns their ranges. */
async function calibrate(
  model: ReturnType<typeof decodeOnnxModel>,
  activations: string[],
  o: ResolvedOptimizeOptions,
  batches: WireTensor[][],
): Promise<Map<string, [number, number]>> {
  const probe = decodeOnnxModel(encodeOnnxModel(model));
  const outputs = new Set((probe.graph.output ?? []).map((v) => v.name ?? ''));
  for (const name of activations)
    if (!outputs.has(name)) probe.graph.output.push(makeValueInfo(name, 'float32', null));
  const session = await MeasureSession.open(encodeOnnxModel(probe), {
    label: 'the calibration model',
    graphOptimizationLevel: 'basic',
    intraOpNumThreads: o.threads,
  });
  try {
    for (const feeds of batches) await session.observe(feeds, activations);
    return await session.ranges(o.calibrationMethod, o.percentile);
  } finally {
    await session.close();
  }
}

/** Loads `bytes` in a worker with `level` and returns the model ORT saved after optimising it. */
export async function optimizeGraph(
  bytes: Uint8Array,
  level: NonNullable<ResolvedOptimizeOptions['graphLevel']>,
  threads = 1,
): Promise<Uint8Array> {
  const dir = mkdtempSync(join(tmpdir(), 'nereid-optimize-'));
  try {
    const input = join(dir, 'input.onnx');
    const output = join(dir, 'optimized.onnx');
    writeFileSync(input, bytes);
    const session = await MeasureSession.open(input, {
      label: `the model at graph level "${level}"`,
      graphOptimizationLevel: level,
      optimizedModelFilePath: output,
      intraOpNumThreads: threads,
    });
    await session.close();
    return new Uint8Array(readFileSync(output));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
