/**
 * Benchmark (issue 3): what each server-side optimisation buys, on a compute-bound real model
 * (PaddleOCR text-orientation classifier) and a synthetic MLP built by our ONNX builder.
 * Same load for every step: batch-1 requests over HTTP with binary tensors, concurrency 1..64,
 * generated from worker threads. Steps: (a) 1 instance, no batching; (b) 2 instances;
 * (c) dynamic batching; (d) both; (e) the physical limit — the model alone in worker threads at
 * its best batch size. Prints a table, writes bench/results/optimization-ladder.json and one SVG
 * chart per model. Run: `npm run bench:ladder`.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildExampleRepository, writeMlpModel } from '../src/tools/examples/index.js';
import { CpuMeter, type CpuPerRequest } from './lib/cpu-accounting.js';
import { type LoadResult, runLoad } from './lib/load-generator.js';
import { measurePhysicalLimit } from './lib/physical-limit.js';
import { startNereid } from './lib/server-process.js';
import { lineChartSvg } from './lib/svg-chart.js';

const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? '1,4,16,32,64').split(',').map(Number);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 2500);
const RESULTS = new URL('../../bench/results/', import.meta.url);

interface ModelUnderTest {
  key: string;
  title: string;
  inputName: string;
  outputName: string;
  rowShape: number[];
  maxBatchSize: number;
  /** Writes the model file and returns the config body without name/instance/batching lines. */
  write(dir: string): string;
}

const STEPS = [
  { id: 'a', label: '(a) 1 instance, no batching', instances: 1, batching: false },
  { id: 'b', label: '(b) 2 instances', instances: 2, batching: false },
  { id: 'c', label: '(c) dynamic batching', instances: 1, batching: true },
  { id: 'd', label: '(d) 2 instances + batching', instances: 2, batching: true },
];

function rowBytes(shape: number[]): Uint8Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const f = new Float32Array(n);
  for (let i = 0; i < n; i++) f[i] = Math.sin(i * 0.013);
  return new Uint8Array(f.buffer);
}

const MODELS: ModelUnderTest[] = [
  {
    key: 'mlp',
    title: 'Synthetic MLP 512-2048-2048-1000 (fp32)',
    inputName: 'INPUT0',
    outputName: 'OUTPUT0',
    rowShape: [512],
    maxBatchSize: 64,
    write(dir) {
      const files = writeMlpModel(dir, {
        inputSize: 512,
        hiddenSizes: [2048, 2048],
        outputSize: 1000,
        seed: 7,
        maxBatchSize: 64,
      });
      return readFileSync(files.configPath, 'utf8')
        .replace(/^name:.*$/m, '')
        .replace(/instance_group[\s\S]*?\]\s*/m, '');
    },
  },
  {
    key: 'text_orientation',
    title: 'PaddleOCR text-orientation classifier (real model)',
    inputName: 'x',
    outputName: 'softmax_0.tmp_0',
    rowShape: [3, 48, 192],
    maxBatchSize: 32,
    write(dir) {
      const repo = mkdtempSync(join(tmpdir(), 'nereid-ladder-ex-'));
      buildExampleRepository(repo);
      mkdirSync(join(dir, '1'), { recursive: true });
      copyFileSync(join(repo, 'text_orientation', '1', 'model.onnx'), join(dir, '1', 'model.onnx'));
      rmSync(repo, { recursive: true, force: true });
      return `backend: "onnxruntime"
max_batch_size: 32
input [ { name: "x" data_type: TYPE_FP32 dims: [ 3, 48, 192 ] } ]
output [ { name: "softmax_0.tmp_0" data_type: TYPE_FP32 dims: [ 2 ] } ]
`;
    },
  },
];

function binaryBody(m: ModelUnderTest, row: Uint8Array) {
  const json = Buffer.from(
    JSON.stringify({
      inputs: [
        {
          name: m.inputName,
          datatype: 'FP32',
          shape: [1, ...m.rowShape],
          parameters: { binary_data_size: row.length },
        },
      ],
      outputs: [{ name: m.outputName, parameters: { binary_data: true } }],
    }),
  );
  return {
    body: Buffer.concat([json, Buffer.from(row)]),
    headers: {
      'inference-header-content-length': String(json.length),
      'content-type': 'application/octet-stream',
    },
  };
}

async function main(): Promise<void> {
  const all: Record<string, unknown> = {
    date: new Date().toISOString().slice(0, 10),
    durationMs: DURATION_MS,
  };
  for (const m of MODELS) {
    const repo = mkdtempSync(join(tmpdir(), `nereid-ladder-${m.key}-`));
    try {
      const base = join(repo, '_base');
      const body = m.write(base);
      for (const step of STEPS) {
        const dir = join(repo, `${m.key}_${step.id}`);
        mkdirSync(join(dir, '1'), { recursive: true });
        copyFileSync(join(base, '1', 'model.onnx'), join(dir, '1', 'model.onnx'));
        writeFileSync(
          join(dir, 'config.pbtxt'),
          `name: "${m.key}_${step.id}"\n${body}\ninstance_group [ { kind: KIND_CPU, count: ${step.instances} } ]\n${step.batching ? 'dynamic_batching { }\n' : ''}`,
        );
      }
      const row = rowBytes(m.rowShape);
      const sizes = [1, 2, 4, 8, 16, 32, 64].filter((b) => b <= m.maxBatchSize);
      const limit = await measurePhysicalLimit(base, m.inputName, m.rowShape, row, m.outputName, sizes);
      rmSync(base, { recursive: true, force: true });
      console.log(
        `\n${m.title}\n(e) physical limit: ${limit.best.rowsPerS.toFixed(0)} rows/s at batch ${limit.best.batchSize} with ${limit.best.workers} worker(s)`,
      );
      const server = await startNereid(repo);
      const { body: reqBody, headers } = binaryBody(m, row);
      const results: Record<string, (LoadResult & { cpu: CpuPerRequest })[]> = {};
      console.log(
        'step                            conc   inf/s     p50us     p99us  client  cpu us/req: srv-main srv-model client',
      );
      for (const step of STEPS) {
        results[step.id] = [];
        for (const c of CONCURRENCY) {
          const meter = new CpuMeter(server.child.pid!);
          const load = await runLoad({
            origin: `http://127.0.0.1:${server.port}`,
            path: `/v2/models/${m.key}_${step.id}/infer`,
            headers,
            body: reqBody,
            concurrency: c,
            threads: c === 1 ? 1 : 2,
            durationMs: DURATION_MS,
          });
          const r = { ...load, cpu: meter.stop(load.totalRequests) };
          results[step.id]!.push(r);
          console.log(
            `${step.label.padEnd(31)} ${String(c).padStart(4)} ${r.throughputPerS.toFixed(0).padStart(7)} ${r.p50Us.toFixed(0).padStart(9)} ${r.p99Us.toFixed(0).padStart(9)}  ${(r.clientUtilization * 100).toFixed(0).padStart(4)}%  ${r.cpu.serverMainUs.toFixed(0).padStart(17)} ${r.cpu.serverOtherUs.toFixed(0).padStart(9)} ${r.cpu.clientUs.toFixed(0).padStart(6)}${r.errors ? ` errors ${r.errors} ${r.firstError}` : ''}`,
          );
        }
      }
      await server.stop();
      const peak = (id: string, minC = 32) =>
        Math.max(...results[id]!.filter((r) => r.concurrency >= minC).map((r) => r.throughputPerS));
      // What is left for the model on this machine once the load generator (same cores) and the
      // server's HTTP thread have taken their CPU per request, at (d)'s best point:
      // cores / (model CPU per row at (e) + server main thread + client), in rows/s.
      const bestD = results
        .d!.filter((r) => r.concurrency >= 32)
        .reduce((a, b) => (b.throughputPerS > a.throughputPerS ? b : a));
      const cores = availableParallelism();
      const modelUsPerRow = (cores * 1e6) / limit.best.rowsPerS;
      const attainable = (cores * 1e6) / (modelUsPerRow + bestD.cpu.serverMainUs + bestD.cpu.clientUs);
      const summary = {
        physicalLimit: limit,
        steps: Object.fromEntries(STEPS.map((s) => [s.id, results[s.id]])),
        dOverE: peak('d') / limit.best.rowsPerS,
        dOverA: peak('d') / Math.max(...results.a!.map((r) => r.throughputPerS)),
        attainableRowsPerS: attainable,
        dOverAttainable: peak('d') / attainable,
      };
      all[m.key] = summary;
      console.log(
        `${m.key}: (d) at concurrency >= 32 = ${peak('d').toFixed(0)} inf/s = ${(summary.dOverE * 100).toFixed(0)}% of the physical limit (target 85%), ${summary.dOverA.toFixed(2)}x (a) (target 3x)`,
      );
      console.log(
        `${m.key}: model ${modelUsPerRow.toFixed(0)} us CPU/row at (e); at (d)'s best point the server main thread takes ${bestD.cpu.serverMainUs.toFixed(0)} us and the load generator ${bestD.cpu.clientUs.toFixed(0)} us per request on the same ${cores} cores -> at most ${attainable.toFixed(0)} rows/s are attainable; (d) = ${(summary.dOverAttainable * 100).toFixed(0)}% of that`,
      );
      writeFileSync(
        new URL(`ladder-${m.key}.svg`, RESULTS),
        lineChartSvg(
          m.title,
          'concurrency (batch-1 requests in flight)',
          'inferences / s',
          STEPS.map((s) => ({
            name: s.label,
            points: results[s.id]!.map((r) => ({ x: r.concurrency, y: r.throughputPerS })),
          })),
          [{ name: '(e) physical limit', y: limit.best.rowsPerS }],
        ),
      );
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  }
  writeFileSync(new URL('optimization-ladder.json', RESULTS), `${JSON.stringify(all, null, 2)}\n`);
}

await main();
