/**
 * Benchmark of `nereid optimize`. Models: a MatMul-heavy MLP classifier TRAINED here on a
 * structured synthetic task (256→1024→1024→100, evaluated on held-out rows of the same task), the
 * random-weight MLP 512→2048→2048→1000 on uniform noise (the worst case: a flat softmax), the
 * synthetic CNN, and the real PaddleOCR text-orientation classifier on rendered text lines. Each
 * variant is timed side by side with its source in worker threads; accuracy is agreement with the
 * source plus, where rows have labels, each model's own accuracy. Results:
 * bench/results/optimize.json. Run: `npm run bench:optimize` (OPTIMIZE_BENCH_MS per model and batch
 * size, default 1500; OPTIMIZE_BENCH_MODELS=trained_mlp,... to run some; OPTIMIZE_BENCH_SPEED=0).
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { textOrientationSourcePath, writeMlpModel } from '../src/tools/examples/index.js';
import { buildCnn } from '../src/tools/onnx/index.js';
import {
  formatOptimizeTable,
  MeasureSession,
  type OptimizeOptions,
  type OptimizeResult,
  optimizeModel,
  type Sample,
  stackBatch,
} from '../src/tools/optimize/index.js';
import { type LabelledSamples, textLineSamples, trainedClassifier } from './optimize-inputs.js';

const speedMs = Number(process.env.OPTIMIZE_BENCH_MS ?? 1500);
const speed = process.env.OPTIMIZE_BENCH_SPEED !== '0';
const only = process.env.OPTIMIZE_BENCH_MODELS?.split(',');
const repo = mkdtempSync(join(tmpdir(), 'nereid-optimize-bench-'));
const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

/** One benchmarked model. */
interface BenchModel {
  name: string;
  variants: Partial<OptimizeOptions>[];
  inputs?: LabelledSamples;
  calibration?: LabelledSamples;
}

const config = (name: string, input: string, dims: string, output: string, classes: number, max: number) =>
  `name: "${name}"\nbackend: "onnxruntime"\nmax_batch_size: ${max}\ninput [ { name: "${input}" data_type: TYPE_FP32 dims: [ ${dims} ] } ]\noutput [ { name: "${output}" data_type: TYPE_FP32 dims: [ ${classes} ] } ]\n`;
const writeModel = (name: string, bytes: Uint8Array, configText: string): void => {
  mkdirSync(join(repo, name, '1'), { recursive: true });
  writeFileSync(join(repo, name, '1', 'model.onnx'), bytes);
  writeFileSync(join(repo, name, 'config.pbtxt'), configText);
};
const wanted = (name: string): boolean => only === undefined || only.includes(name);

console.log(
  `nereid optimize benchmark (node ${process.version}, ${speedMs} ms per model and batch size, intra-op threads 1, load average ${load()})`,
);
const models: BenchModel[] = [];
const extra: Record<string, unknown> = {};
if (wanted('trained_mlp')) {
  const c = await trainedClassifier(2048);
  console.log(
    `Trained MLP ${c.sizes.join('→')}: 100 Adam steps × 256 rows in ${(c.trainMs / 1000).toFixed(1)} s, loss ${c.lossStart.toFixed(2)} → ${c.lossEnd.toFixed(3)}`,
  );
  writeModel('trained_mlp', c.bytes, config('trained_mlp', 'INPUT0', '256', 'OUTPUT0', 100, 64));
  extra.training = { sizes: c.sizes, trainMs: c.trainMs, lossStart: c.lossStart, lossEnd: c.lossEnd };
  models.push({
    name: 'trained_mlp',
    inputs: c.heldOut,
    calibration: c.calibration,
    variants: [
      { fp16: true },
      { int8: 'dynamic' },
      { int8: 'dynamic', int8ReduceRange: true },
      { int8: 'dynamic', int8KeepFloat: ['last'] },
      { int8: 'dynamic', int8KeepFloat: ['first', 'last'] },
      { int8: 'static' },
      { int8: 'static', calibrationMethod: 'percentile' },
      { int8: 'static', int8KeepFloat: ['last'] },
      { graphLevel: 'all' },
    ],
  });
}
if (wanted('mlp_random')) {
  writeMlpModel(join(repo, 'mlp_random'), {
    inputSize: 512,
    hiddenSizes: [2048, 2048],
    outputSize: 1000,
    maxBatchSize: 64,
  });
  models.push({
    name: 'mlp_random',
    variants: [
      { fp16: true },
      { int8: 'dynamic' },
      { int8: 'dynamic', int8KeepFloat: ['last'] },
      { int8: 'static' },
      { graphLevel: 'all' },
    ],
  });
}
if (wanted('cnn')) {
  writeModel(
    'cnn',
    buildCnn({ height: 64, width: 64, convChannels: [16, 32, 64] }),
    config('cnn', 'INPUT0', '3, 64, 64', 'OUTPUT0', 10, 64),
  );
  models.push({ name: 'cnn', variants: [{ fp16: true }, { int8: 'dynamic' }, { int8: 'static' }] });
}
if (wanted('text_orientation')) {
  mkdirSync(join(repo, 'text_orientation', '1'), { recursive: true });
  copyFileSync(textOrientationSourcePath(), join(repo, 'text_orientation', '1', 'model.onnx'));
  writeFileSync(
    join(repo, 'text_orientation', 'config.pbtxt'),
    config('text_orientation', 'x', '3, 48, 192', 'softmax_0.tmp_0', 2, 32),
  );
  models.push({
    name: 'text_orientation',
    inputs: await textLineSamples(512, 5),
    calibration: await textLineSamples(128, 6),
    variants: [
      { fp16: true },
      { int8: 'dynamic' },
      { int8: 'static' },
      { int8: 'static', calibrationMethod: 'percentile' },
      { int8: 'static', int8KeepFloat: ['first', 'last'] },
      { graphLevel: 'all' },
    ],
  });
}

const all: Record<string, { results: OptimizeResult[]; labelAccuracy?: Record<string, number> }> = {};
try {
  for (const m of models) {
    const results: OptimizeResult[] = [];
    const labelAccuracy: Record<string, number> = {};
    if (m.inputs) labelAccuracy.source = await accuracy(join(repo, m.name, '1', 'model.onnx'), m.inputs);
    let to = 2;
    for (const variant of m.variants) {
      try {
        const r = await optimizeModel({
          repository: repo,
          model: m.name,
          version: 1,
          toVersion: to++,
          samples: 512,
          speed,
          speedDurationMs: speedMs,
          batchSizes: [1, 4, 16, 32, 64],
          ...(m.inputs ? { inputSamples: m.inputs.samples } : {}),
          ...(m.calibration && variant.int8 === 'static'
            ? { calibrationSamples: m.calibration.samples }
            : {}),
          ...variant,
        });
        results.push(r);
        if (m.inputs) labelAccuracy[r.variant] = await accuracy(r.modelPath, m.inputs);
      } catch (err) {
        console.log(`${m.name} ${JSON.stringify(variant)}: ${(err as Error).message}`);
      }
    }
    all[m.name] = m.inputs ? { results, labelAccuracy } : { results };
    console.log(`\n${formatOptimizeTable(results)}`);
    if (m.inputs) {
      const rows = Object.entries(labelAccuracy).map(([k, v]) => `${k} ${(v * 100).toFixed(2)} %`);
      console.log(
        `Accuracy against the labels of ${m.inputs.labels.length} held-out rows: ${rows.join(', ')}`,
      );
    }
    for (const r of results) for (const n of r.build.warnings) console.log(`  ${r.variant}: ${n}`);
    console.log(`(load average ${load()})`);
  }
} finally {
  rmSync(repo, { recursive: true, force: true });
}
mkdirSync('bench/results', { recursive: true });
writeFileSync(
  'bench/results/optimize.json',
  `${JSON.stringify({ date: new Date().toISOString(), loadAverage: loadavg(), speedMs, ...extra, results: all }, null, 2)}\n`,
);
console.log('\nWrote bench/results/optimize.json');

/** Top-1 accuracy of the model at `path` against the labels, run in a worker in batches of 32. */
async function accuracy(path: string, data: LabelledSamples): Promise<number> {
  const session = await MeasureSession.open(path, { label: path });
  try {
    let correct = 0;
    for (let start = 0; start < data.samples.length; start += 32) {
      const count = Math.min(32, data.samples.length - start);
      const feeds = stackBatch(data.samples as Sample[], start, count, true);
      const out = (await session.run(feeds))[0]!;
      const classes = out.dims[out.dims.length - 1]!;
      const values = out.data as ArrayLike<number>;
      for (let r = 0; r < count; r++) {
        let best = 0;
        for (let c = 1; c < classes; c++)
          if (values[r * classes + c]! > values[r * classes + best]!) best = c;
        if (best === data.labels[start + r]) correct++;
      }
    }
    return correct / data.samples.length;
  } finally {
    await session.close();
  }
}
