/**
 * Benchmark (issue 6): the overhead of an ensemble against the client calling its steps itself.
 * The bundled text_orientation_image ensemble (image_preprocess → text_orientation) against a
 * client that sends the PNG to image_preprocess, takes the binary `x` tensor back and sends it to
 * text_orientation: HTTP binary tensors, closed loop at concurrency 1 and 8, one server process,
 * both paths alternated three times in one run; medians of throughput and p50 are reported and
 * written to bench/results/ensemble.json.
 * Run: `npm run build && node dist/bench/ensemble.bench.js` (needs `npm run examples` for the ONNX model).
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { textLineImage } from '../test/e2e/ensemble/text-line-image.js';
import { median, percentile } from './lib/load-generator.js';
import { startNereid } from './lib/server-process.js';

const REPS = Number(process.env.BENCH_REPS ?? 3);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 3000);
const WARMUP_MS = 500;
const EXAMPLES = fileURLToPath(new URL('../../examples/model_repository', import.meta.url));

/** One measured run of one path at one concurrency. */
interface PathResult {
  concurrency: number;
  requests: number;
  errors: number;
  throughputPerS: number;
  p50Us: number;
  p99Us: number;
}

/** A binary-tensor KServe request body with one input. */
function binaryRequest(name: string, datatype: string, shape: number[], data: Uint8Array) {
  const header = Buffer.from(
    JSON.stringify({
      inputs: [{ name, datatype, shape, parameters: { binary_data_size: data.length } }],
      parameters: { binary_data_output: true },
    }),
  );
  return {
    body: Buffer.concat([header, data]),
    headers: {
      'inference-header-content-length': String(header.length),
      'content-type': 'application/octet-stream',
    },
  };
}

/** A BYTES [1,1] request carrying one encoded image. */
function imageRequest(image: Uint8Array) {
  const data = new Uint8Array(4 + image.length);
  new DataView(data.buffer).setUint32(0, image.length, true);
  data.set(image, 4);
  return binaryRequest('image', 'BYTES', [1, 1], data);
}

/** POSTs and returns the binary part of the answer (the only output's bytes). */
async function post(
  pool: Pool,
  path: string,
  request: ReturnType<typeof binaryRequest>,
): Promise<Uint8Array> {
  const res = await pool.request({ method: 'POST', path, headers: request.headers, body: request.body });
  const body = new Uint8Array(await res.body.arrayBuffer());
  if (res.statusCode !== 200)
    throw new Error(`${path}: HTTP ${res.statusCode} ${Buffer.from(body).toString()}`);
  const headerLength = Number(res.headers['inference-header-content-length']);
  return body.subarray(headerLength);
}

type Call = (pool: Pool) => Promise<void>;

/** Closed loop: `concurrency` callers repeat `call`; latencies after the warm-up are kept. */
async function measure(pool: Pool, call: Call, concurrency: number): Promise<PathResult> {
  const latencies: number[] = [];
  let errors = 0;
  const start = performance.now();
  const warmEnd = start + WARMUP_MS;
  const end = warmEnd + DURATION_MS;
  const loop = async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      try {
        await call(pool);
        if (t0 >= warmEnd) latencies.push((performance.now() - t0) * 1000);
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const sorted = Float64Array.from(latencies).sort();
  return {
    concurrency,
    requests: latencies.length,
    errors,
    throughputPerS: latencies.length / (DURATION_MS / 1000),
    p50Us: percentile(sorted, 50),
    p99Us: percentile(sorted, 99),
  };
}

async function main(): Promise<void> {
  const image = imageRequest(await textLineImage('png', 0));
  const server = await startNereid(EXAMPLES);
  const pool = new Pool(`http://127.0.0.1:${server.port}`, { connections: 16, pipelining: 1 });
  const ensemble: Call = async (p) => {
    await post(p, '/v2/models/text_orientation_image/infer', image);
  };
  const oneByOne: Call = async (p) => {
    const x = await post(p, '/v2/models/image_preprocess/infer', image);
    await post(p, '/v2/models/text_orientation/infer', binaryRequest('x', 'FP32', [1, 3, 48, 192], x));
  };
  const results: Record<string, PathResult[]> = {};
  console.log('path                 conc   req/s    p50us    p99us errors');
  try {
    for (let rep = 0; rep < REPS; rep++) {
      for (const concurrency of [1, 8]) {
        for (const [name, call] of [
          ['ensemble', ensemble],
          ['one-by-one', oneByOne],
        ] as const) {
          const r = await measure(pool, call, concurrency);
          (results[`${name}@${concurrency}`] ??= []).push(r);
          console.log(
            `${name.padEnd(20)} ${String(concurrency).padStart(4)} ${r.throughputPerS.toFixed(0).padStart(7)} ${r.p50Us.toFixed(0).padStart(8)} ${r.p99Us.toFixed(0).padStart(8)} ${r.errors}`,
          );
        }
      }
    }
  } finally {
    await pool.close();
    await server.stop();
  }
  const med = (key: string, f: (r: PathResult) => number) => median(results[key]!.map(f));
  const summary: Record<string, unknown> = {
    date: new Date().toISOString().slice(0, 10),
    reps: REPS,
    durationMs: DURATION_MS,
  };
  for (const c of [1, 8]) {
    summary[`c${c}`] = {
      ensembleThroughput: med(`ensemble@${c}`, (r) => r.throughputPerS),
      oneByOneThroughput: med(`one-by-one@${c}`, (r) => r.throughputPerS),
      ensembleOverOneByOne:
        med(`ensemble@${c}`, (r) => r.throughputPerS) / med(`one-by-one@${c}`, (r) => r.throughputPerS),
      ensembleP50Us: med(`ensemble@${c}`, (r) => r.p50Us),
      oneByOneP50Us: med(`one-by-one@${c}`, (r) => r.p50Us),
      errors: [...results[`ensemble@${c}`]!, ...results[`one-by-one@${c}`]!].reduce(
        (n, r) => n + r.errors,
        0,
      ),
    };
  }
  console.log(JSON.stringify(summary, null, 2));
  writeFileSync(
    new URL('../../bench/results/ensemble.json', import.meta.url),
    `${JSON.stringify(summary, null, 2)}\n`,
  );
}

await main();
