/**
 * Benchmark of `nereid optimize`: for a MatMul-heavy synthetic MLP (512→2048→2048→1000), the
 * synthetic CNN and the real PaddleOCR text-orientation classifier, writes fp16, int8 dynamic,
 * int8 static and graph-level `all` variants into a temporary repository and prints one table per
 * model (size, p50 at batch 1, best-batch throughput, max abs error, top-1 agreement), each
 * variant timed side by side with its source in worker threads. Results go to
 * bench/results/optimize.json. Run: `npm run build && node dist/bench/optimize.bench.js`.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { textOrientationSourcePath, writeMlpModel } from '../src/tools/examples/index.js';
import { buildCnn } from '../src/tools/onnx/index.js';
import {
  formatOptimizeTable,
  type OptimizeOptions,
  type OptimizeResult,
  optimizeModel,
} from '../src/tools/optimize/index.js';

const speedMs = Number(process.env.OPTIMIZE_BENCH_MS ?? 2000);
const repo = mkdtempSync(join(tmpdir(), 'nereid-optimize-bench-'));

writeMlpModel(join(repo, 'mlp_large'), {
  inputSize: 512,
  hiddenSizes: [2048, 2048],
  outputSize: 1000,
  maxBatchSize: 64,
});
mkdirSync(join(repo, 'cnn', '1'), { recursive: true });
writeFileSync(
  join(repo, 'cnn', '1', 'model.onnx'),
  buildCnn({ height: 64, width: 64, convChannels: [16, 32, 64] }),
);
writeFileSync(
  join(repo, 'cnn', 'config.pbtxt'),
  'name: "cnn"\nbackend: "onnxruntime"\nmax_batch_size: 64\ninput [ { name: "INPUT0" data_type: TYPE_FP32 dims: [ 3, 64, 64 ] } ]\noutput [ { name: "OUTPUT0" data_type: TYPE_FP32 dims: [ 10 ] } ]\n',
);
mkdirSync(join(repo, 'text_orientation', '1'), { recursive: true });
copyFileSync(textOrientationSourcePath(), join(repo, 'text_orientation', '1', 'model.onnx'));
writeFileSync(
  join(repo, 'text_orientation', 'config.pbtxt'),
  'name: "text_orientation"\nbackend: "onnxruntime"\nmax_batch_size: 32\ninput [ { name: "x" data_type: TYPE_FP32 dims: [ 3, 48, 192 ] } ]\noutput [ { name: "softmax_0.tmp_0" data_type: TYPE_FP32 dims: [ 2 ] } ]\n',
);

const VARIANTS: Partial<OptimizeOptions>[] = [
  { fp16: true },
  { int8: 'dynamic' },
  { int8: 'static' },
  { int8: 'static', calibrationMethod: 'percentile' },
  { graphLevel: 'all' },
];

const all: Record<string, OptimizeResult[]> = {};
console.log(
  `nereid optimize benchmark (node ${process.version}, ${speedMs} ms per model and batch size, intra-op threads 1)`,
);
try {
  for (const model of ['mlp_large', 'cnn', 'text_orientation']) {
    const results: OptimizeResult[] = [];
    let to = 2;
    for (const variant of VARIANTS) {
      try {
        results.push(
          await optimizeModel({
            repository: repo,
            model,
            version: 1,
            toVersion: to++,
            samples: 512,
            speedDurationMs: speedMs,
            batchSizes: [1, 4, 16, 32, 64],
            ...variant,
          }),
        );
      } catch (err) {
        console.log(`${model} ${JSON.stringify(variant)}: ${(err as Error).message}`);
      }
    }
    all[model] = results;
    console.log(`\n${formatOptimizeTable(results)}`);
    for (const r of results) for (const n of r.build.warnings) console.log(`  ${r.variant}: ${n}`);
  }
} finally {
  rmSync(repo, { recursive: true, force: true });
}
mkdirSync('bench/results', { recursive: true });
writeFileSync(
  'bench/results/optimize.json',
  `${JSON.stringify({ date: new Date().toISOString(), speedMs, results: all }, null, 2)}\n`,
);
console.log('\nWrote bench/results/optimize.json');
