/**
 * Benchmark (issue 6): the JavaScript backend's cost, measured side by side in one run.
 *   1. Memory per extra instance of a trivial JS model: `nereid serve` in a child process with the
 *      model at count 1 and at count 9; resident set (VmRSS) after load; (rss9 - rss1) / 8
 *      (target <= 16 MB).
 *   2. A JS identity model against the ONNX identity model (`custom_identity_int32`, same config)
 *      over HTTP at concurrency 16 with binary INT32 [1,16] tensors: throughput ratio and p50.
 * Runs alternate three times; medians are reported and written to bench/results/js-backend.json.
 * Run: `npm run build && node dist/bench/js-backend.bench.js` (Linux: reads /proc/<pid>/status).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { binaryRequest } from './lib/binary-request.js';
import { type LoadResult, median, runInferLoad } from './lib/load-generator.js';
import { type ServerProcess, startNereid } from './lib/server-process.js';

const REPS = Number(process.env.BENCH_REPS ?? 3);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 3000);
const SETTLE_MS = 1500;
const EXAMPLES = fileURLToPath(new URL('../../examples/model_repository', import.meta.url));

const TRIVIAL_SOURCE = `export default class Trivial {
  execute(requests) { return requests.map((r) => [{ ...r.input('X'), name: 'Y' }]); }
}
`;

const IDENTITY_SOURCE = `export default class JsIdentity {
  execute(requests) { return requests.map((r) => [{ ...r.input('INPUT0'), name: 'OUTPUT0' }]); }
}
`;

function trivialConfig(count: number): string {
  return `name: "trivial"
backend: "javascript"
max_batch_size: 0
input [ { name: "X" data_type: TYPE_FP32 dims: [ 1 ] } ]
output [ { name: "Y" data_type: TYPE_FP32 dims: [ 1 ] } ]
instance_group [ { kind: KIND_CPU count: ${count} } ]
`;
}

function writeModel(repo: string, name: string, config: string, source: string): void {
  mkdirSync(join(repo, name, '1'), { recursive: true });
  writeFileSync(join(repo, name, 'config.pbtxt'), config);
  writeFileSync(join(repo, name, '1', 'model.js'), source);
}

function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status);
  if (kb === null) throw new Error(`Cannot read VmRSS of process ${pid}`);
  return Number(kb[1]) * 1024;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** RSS of a server holding `count` instances of the trivial model, after load and a settle time. */
async function serverRss(count: number): Promise<number> {
  const repo = mkdtempSync(join(tmpdir(), 'nereid-js-mem-'));
  let server: ServerProcess | null = null;
  try {
    writeModel(repo, 'trivial', trivialConfig(count), TRIVIAL_SOURCE);
    server = await startNereid(repo);
    await sleep(SETTLE_MS);
    const samples: number[] = [];
    for (let i = 0; i < 3; i++) {
      samples.push(rssBytes(server.child.pid!));
      await sleep(200);
    }
    return median(samples);
  } finally {
    await server?.stop();
    rmSync(repo, { recursive: true, force: true });
  }
}

function row(label: string, r: LoadResult): string {
  return `${label.padEnd(28)} ${String(r.concurrency).padStart(4)} ${r.throughputPerS.toFixed(0).padStart(7)} ${r.p50Us.toFixed(0).padStart(8)} ${r.p99Us.toFixed(0).padStart(8)} ${r.clientUtilization.toFixed(2).padStart(6)} ${r.errors}`;
}

async function main(): Promise<void> {
  // 1. Memory per extra instance.
  const rss1: number[] = [];
  const rss9: number[] = [];
  for (let rep = 0; rep < REPS; rep++) {
    rss1.push(await serverRss(1));
    rss9.push(await serverRss(9));
    console.log(
      `memory rep ${rep + 1}: rss(1 instance) ${(rss1.at(-1)! / 2 ** 20).toFixed(1)} MB, rss(9 instances) ${(rss9.at(-1)! / 2 ** 20).toFixed(1)} MB`,
    );
  }
  const perInstanceMb = (median(rss9) - median(rss1)) / 8 / 2 ** 20;

  // 2. JS identity vs ONNX identity at concurrency 16.
  const repo = mkdtempSync(join(tmpdir(), 'nereid-js-bench-'));
  const onnxConfig = readFileSync(join(EXAMPLES, 'custom_identity_int32', 'config.pbtxt'), 'utf8');
  const results: Record<string, LoadResult[]> = { onnx: [], js: [] };
  let server: ServerProcess | null = null;
  try {
    symlinkSync(join(EXAMPLES, 'custom_identity_int32'), join(repo, 'custom_identity_int32'), 'dir');
    writeModel(
      repo,
      'js_identity_int32',
      onnxConfig
        .replace('name: "custom_identity_int32"', 'name: "js_identity_int32"')
        .replace('backend: "onnxruntime"', 'backend: "javascript"'),
      IDENTITY_SOURCE,
    );
    server = await startNereid(repo);
    const values = Int32Array.from({ length: 16 }, (_, i) => i);
    const request = binaryRequest([
      { name: 'INPUT0', datatype: 'INT32', shape: [1, 16], data: new Uint8Array(values.buffer) },
    ]);
    console.log(`target                       conc   req/s    p50us    p99us client errors`);
    for (let rep = 0; rep < REPS; rep++) {
      for (const [name, model] of [
        ['onnx', 'custom_identity_int32'],
        ['js', 'js_identity_int32'],
      ] as const) {
        const r = await runInferLoad(server.port, model, request, {
          concurrency: 16,
          threads: 2,
          durationMs: DURATION_MS,
        });
        results[name]!.push(r);
        console.log(row(`${model} (rep ${rep + 1})`, r));
      }
    }
  } finally {
    await server?.stop();
    rmSync(repo, { recursive: true, force: true });
  }
  const med = (k: string, f: (r: LoadResult) => number) => median(results[k]!.map(f));
  const summary = {
    date: new Date().toISOString().slice(0, 10),
    reps: REPS,
    durationMs: DURATION_MS,
    memory: {
      rss1Mb: median(rss1) / 2 ** 20,
      rss9Mb: median(rss9) / 2 ** 20,
      perExtraInstanceMb: perInstanceMb,
    },
    identityC16: {
      onnxThroughput: med('onnx', (r) => r.throughputPerS),
      jsThroughput: med('js', (r) => r.throughputPerS),
      jsOverOnnx: med('js', (r) => r.throughputPerS) / med('onnx', (r) => r.throughputPerS),
      onnxP50Us: med('onnx', (r) => r.p50Us),
      jsP50Us: med('js', (r) => r.p50Us),
      errors: results.js!.reduce((n, r) => n + r.errors, 0) + results.onnx!.reduce((n, r) => n + r.errors, 0),
      clientUtilization: Math.max(...[...results.js!, ...results.onnx!].map((r) => r.clientUtilization)),
    },
  };
  console.log(JSON.stringify(summary, null, 2));
  console.log(
    `\nmemory per extra JS instance = ${perInstanceMb.toFixed(1)} MB (target <= 16 MB)` +
      `\nJS identity / ONNX identity throughput at c16 = ${summary.identityC16.jsOverOnnx.toFixed(2)}` +
      ` (p50 ${summary.identityC16.jsP50Us.toFixed(0)} us vs ${summary.identityC16.onnxP50Us.toFixed(0)} us)`,
  );
  writeFileSync(
    new URL('../../bench/results/js-backend.json', import.meta.url),
    `${JSON.stringify(summary, null, 2)}\n`,
  );
}

await main();
