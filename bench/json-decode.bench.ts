/**
 * JSON inference bodies (issue 27): in one run, alternated round by round, Nereid on JSON (decode
 * pool on, the default), Nereid on JSON with the pool off (every body on the main thread, the
 * behaviour before issue 27), Nereid on binary tensors, and THE COMPARISON: the naive fastify +
 * onnxruntime-node server (bench/lib/naive-comparison-server.ts) in one process and under
 * node:cluster with two. All serve text_orientation (one FP32 [1,3,48,192] input: a 543 KB JSON
 * body) at concurrency 16; Nereid with dynamic batching. Reports requests/s (median of rounds),
 * the Nereid main thread's CPU per request, and the two target ratios.
 *
 * `--threshold` instead measures where the pool starts to pay: JSON bodies of growing size on
 * custom_identity_int32 (binary output, so only the decode differs), pool forced on (min-bytes 0)
 * against pool off.
 *
 * `--decode` measures the decoder alone, in this process: decodeHttpInferRequest with the byte
 * scanner against JSON.parse, alternated, on bodies from 200 B to the 543 KB image (where the scan
 * starts to pay: DEFAULT_JSON_SCAN_MIN_BYTES).
 *
 * Run: `npm run bench:json [-- --rounds 3 --seconds 4 --concurrency 16]`, `npm run bench:json -- --threshold`
 * or `npm run bench:json -- --decode`
 */
import { type ChildProcess, spawn } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { decodeHttpInferRequest, encodeHttpInferResponse } from '../src/protocol/index.js';
import { buildExampleRepository } from '../src/tools/examples/index.js';
import { CpuMeter } from './lib/cpu-accounting.js';
import { type BenchRequest, imageRequests } from './lib/image-requests.js';
import { type LoadResult, median, runInferLoad } from './lib/load-generator.js';
import { type ServerProcess, startNereid } from './lib/server-process.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EXAMPLES = join(ROOT, 'examples', 'model_repository');
const MODEL = 'text_orientation';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const ROUNDS = arg('rounds', 3);
const SECONDS = arg('seconds', 4);
const CONCURRENCY = arg('concurrency', 16);

/** A repository with text_orientation under dynamic batching and custom_identity_int32 (--threshold). */
function writeRepository(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nereid-json-bench-'));
  const model = join(dir, MODEL);
  mkdirSync(join(model, '1'), { recursive: true });
  // Copied: Nereid refuses model files that resolve outside their directory.
  copyFileSync(join(EXAMPLES, MODEL, '1', 'model.onnx'), join(model, '1', 'model.onnx'));
  copyFileSync(join(EXAMPLES, MODEL, 'labels.txt'), join(model, 'labels.txt'));
  const config = readFileSync(join(EXAMPLES, MODEL, 'config.pbtxt'), 'utf8');
  writeFileSync(join(model, 'config.pbtxt'), `${config}\ndynamic_batching { }\n`);
  symlinkSync(join(EXAMPLES, 'custom_identity_int32'), join(dir, 'custom_identity_int32'), 'dir');
  return dir;
}

/** Starts THE COMPARISON server with `processes` processes. */
function startNaive(modelPath: string, processes: number): Promise<ServerProcess> {
  const script = fileURLToPath(new URL('./lib/naive-comparison-server.js', import.meta.url));
  const child: ChildProcess = spawn(
    process.execPath,
    [script, modelPath, MODEL, '--processes', String(processes)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (d) => {
      text += d;
      const m = /LISTENING (\d+)/.exec(text);
      if (m !== null) {
        resolve({
          port: Number(m[1]),
          child,
          stop: () =>
            new Promise((done) => {
              if (child.exitCode !== null) return done();
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
      }
    });
    child.once('exit', (code) => reject(new Error(`naive server exited with code ${code}`)));
  });
}

interface Setup {
  label: string;
  server: ServerProcess;
  request: BenchRequest;
  /** Whether the server's main-thread CPU is Nereid's to report. */
  nereid: boolean;
}

interface Sample {
  throughput: number;
  p50Ms: number;
  mainUsPerRequest: number;
  /** CPU of the whole server (every thread, every cluster process) per request, µs. */
  serverUsPerRequest: number;
  errors: number;
}

async function measure(setup: Setup): Promise<Sample> {
  const meter = new CpuMeter(setup.server.child.pid!);
  const r: LoadResult = await runInferLoad(setup.server.port, MODEL, setup.request, {
    concurrency: CONCURRENCY,
    durationMs: SECONDS * 1000,
    warmupMs: 1000,
  });
  const cpu = meter.stop(r.totalRequests);
  if (r.errors > 0) console.log(`  ${setup.label}: ${r.errors} errors, first: ${r.firstError}`);
  return {
    throughput: r.throughputPerS,
    p50Ms: r.p50Us / 1000,
    mainUsPerRequest: setup.nereid ? cpu.serverMainUs : Number.NaN,
    serverUsPerRequest: cpu.serverTreeUs,
    errors: r.errors,
  };
}

async function comparison(repository: string): Promise<void> {
  const { json, binary } = imageRequests();
  console.log(
    `bench:json: ${MODEL}, JSON body ${json.body.length} bytes, binary ${binary.body.length} bytes`,
  );
  console.log(`concurrency ${CONCURRENCY}, ${ROUNDS} alternated rounds of ${SECONDS} s (+1 s warm-up)\n`);
  const modelPath = join(EXAMPLES, MODEL, '1', 'model.onnx');
  // One server at a time: two idle ORT servers still cost memory, never CPU, but keep it simple.
  const setups: {
    label: string;
    start: () => Promise<ServerProcess>;
    request: BenchRequest;
    nereid: boolean;
  }[] = [
    {
      label: 'Nereid JSON (decode pool)',
      start: () => startNereid(repository),
      request: json,
      nereid: true,
    },
    {
      label: 'Nereid JSON (main thread)',
      start: () => startNereid(repository, ['--http-json-decode-threads', '0']),
      request: json,
      nereid: true,
    },
    { label: 'Nereid binary', start: () => startNereid(repository), request: binary, nereid: true },
    {
      label: 'naive fastify, 1 process',
      start: () => startNaive(modelPath, 1),
      request: json,
      nereid: false,
    },
    {
      label: 'naive fastify, cluster x2',
      start: () => startNaive(modelPath, 2),
      request: json,
      nereid: false,
    },
  ];
  const samples = new Map<string, Sample[]>(setups.map((s) => [s.label, []]));
  for (let round = 1; round <= ROUNDS; round++) {
    for (const s of setups) {
      const server = await s.start();
      try {
        const sample = await measure({ label: s.label, server, request: s.request, nereid: s.nereid });
        samples.get(s.label)!.push(sample);
        console.log(
          `round ${round} ${s.label.padEnd(28)} ${sample.throughput.toFixed(1).padStart(7)} req/s  p50 ${sample.p50Ms.toFixed(1).padStart(6)} ms  main ${Number.isNaN(sample.mainUsPerRequest) ? '   -' : sample.mainUsPerRequest.toFixed(0).padStart(5)} µs/req  server ${sample.serverUsPerRequest.toFixed(0).padStart(6)} µs/req`,
        );
      } finally {
        await server.stop();
      }
    }
  }
  const med = (label: string, f: (s: Sample) => number): number => median(samples.get(label)!.map(f));
  console.log('\nmedians');
  const table: Record<
    string,
    { reqPerS: number; p50Ms: number; mainUsPerRequest: number; serverUsPerRequest: number }
  > = {};
  for (const s of setups) {
    table[s.label] = {
      reqPerS: med(s.label, (x) => x.throughput),
      p50Ms: med(s.label, (x) => x.p50Ms),
      mainUsPerRequest: med(s.label, (x) => x.mainUsPerRequest),
      serverUsPerRequest: med(s.label, (x) => x.serverUsPerRequest),
    };
    console.log(
      `  ${s.label.padEnd(28)} ${table[s.label]!.reqPerS.toFixed(1).padStart(7)} req/s  p50 ${table[s.label]!.p50Ms.toFixed(1).padStart(6)} ms  main ${Number.isNaN(table[s.label]!.mainUsPerRequest) ? '   -' : table[s.label]!.mainUsPerRequest.toFixed(0).padStart(5)} µs/req  server ${table[s.label]!.serverUsPerRequest.toFixed(0).padStart(6)} µs/req`,
    );
  }
  // Per-round ratios (same minute of the machine), then their median.
  const ratio = (a: string, b: string, f: (s: Sample) => number): number =>
    median(samples.get(a)!.map((x, i) => f(x) / f(samples.get(b)![i]!)));
  const naiveBest = samples
    .get('naive fastify, 1 process')!
    .map((x, i) => Math.max(x.throughput, samples.get('naive fastify, cluster x2')![i]!.throughput));
  const vsNaive = median(
    samples.get('Nereid JSON (decode pool)')!.map((x, i) => x.throughput / naiveBest[i]!),
  );
  const cpuRatio = ratio('Nereid JSON (decode pool)', 'Nereid binary', (x) => x.mainUsPerRequest);
  const cpuRatioOff = ratio('Nereid JSON (main thread)', 'Nereid binary', (x) => x.mainUsPerRequest);
  const vsOff = ratio('Nereid JSON (decode pool)', 'Nereid JSON (main thread)', (x) => x.throughput);
  console.log(`\nNereid JSON / better naive setup (per round, median): ${vsNaive.toFixed(2)}x (target >= 2)`);
  console.log(`Nereid JSON / Nereid JSON with the pool off: ${vsOff.toFixed(2)}x`);
  console.log(
    `main-thread CPU per request, JSON / binary: ${cpuRatio.toFixed(2)}x (target <= 1.5); pool off: ${cpuRatioOff.toFixed(2)}x`,
  );
  writeResults('json-decode.json', {
    concurrency: CONCURRENCY,
    rounds: ROUNDS,
    seconds: SECONDS,
    table,
    vsNaive,
    vsOff,
    cpuRatio,
    cpuRatioOff,
  });
}

/** Where the pool starts to pay: INT32 identity bodies of growing size, pool forced on vs off. */
async function threshold(repository: string): Promise<void> {
  const sizes = [256, 1024, 4096, 16384, 65536];
  const model = 'custom_identity_int32';
  const on = await startNereid(repository, ['--http-json-decode-min-bytes', '0']);
  const off = await startNereid(repository, ['--http-json-decode-threads', '0']);
  console.log(`threshold: ${model}, concurrency ${CONCURRENCY}, ${ROUNDS} alternated rounds of ${SECONDS} s`);
  console.log('elements  body bytes  pool/off req/s  pool/off main µs/req  (medians of per-round ratios)');
  const rows: Record<string, unknown>[] = [];
  try {
    for (const n of sizes) {
      const values = Array.from({ length: n }, (_, i) => Math.round(Math.sin(i) * 1e6));
      const body = Buffer.from(
        JSON.stringify({
          inputs: [{ name: 'INPUT0', shape: [1, n], datatype: 'INT32', data: values }],
          parameters: { binary_data_output: true },
        }),
      );
      const request = { headers: { 'Content-Type': 'application/json' }, body };
      const tput: number[] = [];
      const cpu: number[] = [];
      const abs: number[][] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const pair: Sample[] = [];
        for (const server of [on, off]) {
          const meter = new CpuMeter(server.child.pid!);
          const r = await runInferLoad(server.port, model, request, {
            concurrency: CONCURRENCY,
            durationMs: SECONDS * 1000,
            warmupMs: 500,
          });
          const c = meter.stop(r.totalRequests);
          pair.push({
            throughput: r.throughputPerS,
            p50Ms: r.p50Us / 1000,
            mainUsPerRequest: c.serverMainUs,
            serverUsPerRequest: c.serverTreeUs,
            errors: r.errors,
          });
        }
        tput.push(pair[0]!.throughput / pair[1]!.throughput);
        cpu.push(pair[0]!.mainUsPerRequest / pair[1]!.mainUsPerRequest);
        abs.push([
          pair[0]!.throughput,
          pair[1]!.throughput,
          pair[0]!.mainUsPerRequest,
          pair[1]!.mainUsPerRequest,
        ]);
      }
      const row = {
        elements: n,
        bodyBytes: body.length,
        throughputRatio: median(tput),
        mainCpuRatio: median(cpu),
        poolReqPerS: median(abs.map((a) => a[0]!)),
        offReqPerS: median(abs.map((a) => a[1]!)),
        poolMainUs: median(abs.map((a) => a[2]!)),
        offMainUs: median(abs.map((a) => a[3]!)),
      };
      rows.push(row);
      console.log(
        `${String(n).padStart(8)}  ${String(body.length).padStart(10)}  ${row.throughputRatio.toFixed(2).padStart(14)}  ${row.mainCpuRatio.toFixed(2).padStart(20)}   (pool ${row.poolReqPerS.toFixed(0)} req/s ${row.poolMainUs.toFixed(0)} µs, off ${row.offReqPerS.toFixed(0)} req/s ${row.offMainUs.toFixed(0)} µs)`,
      );
    }
  } finally {
    await on.stop();
    await off.stop();
  }
  writeResults('json-decode-threshold.json', {
    concurrency: CONCURRENCY,
    rounds: ROUNDS,
    seconds: SECONDS,
    rows,
  });
}

/** Median ms of `reps` calls of `f`. */
function timeMs(f: () => unknown, reps: number): number {
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint();
    f();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(times);
}

/** The decoder alone: byte scanner against JSON.parse, alternated, bodies of growing size. */
async function decodeOnly(): Promise<void> {
  const fp32Body = (n: number, print: (v: number) => number, datatype = 'FP32'): Buffer =>
    Buffer.from(
      JSON.stringify({
        inputs: [
          {
            name: 'x',
            shape: [1, n],
            datatype,
            data: Array.from({ length: n }, (_, i) => print(Math.sin(i))),
          },
        ],
      }),
    );
  const f32 = (v: number) => Math.fround(Math.round(v * 1e6) / 1e6);
  const bodies: { label: string; body: Buffer }[] = [
    ...[8, 32, 128, 512, 2048].map((n) => ({ label: `FP32 x${n}, float32 printed`, body: fp32Body(n, f32) })),
    { label: 'text_orientation image, float32 printed', body: imageRequests().json.body as Buffer },
    { label: 'text_orientation image, 6 decimals', body: fp32Body(27648, (v) => Math.round(v * 1e6) / 1e6) },
    { label: 'INT32 x65536', body: fp32Body(65536, (v) => Math.round(v * 1e6), 'INT32') },
  ];
  const scan = { modelName: MODEL, jsonScanMinBytes: 0 };
  const parse = { modelName: MODEL, jsonScanMinBytes: Number.POSITIVE_INFINITY };
  console.log(`decode only: ${ROUNDS * 3} alternated rounds, median of per-round ratios`);
  console.log('body                                         bytes   JSON.parse ms   scan ms   scan/parse');
  const rows: Record<string, unknown>[] = [];
  for (const { label, body } of bodies) {
    const reps = Math.max(5, Math.min(2000, Math.round(2e7 / body.length)));
    const parseMs: number[] = [];
    const scanMs: number[] = [];
    for (let round = 0; round < ROUNDS * 3; round++) {
      parseMs.push(timeMs(() => decodeHttpInferRequest(body, undefined, parse), reps));
      scanMs.push(timeMs(() => decodeHttpInferRequest(body, undefined, scan), reps));
    }
    const row = {
      body: label,
      bytes: body.length,
      parseMs: median(parseMs),
      scanMs: median(scanMs),
      ratio: median(scanMs.map((x, i) => x / parseMs[i]!)),
    };
    rows.push(row);
    console.log(
      `${label.padEnd(42)} ${String(body.length).padStart(7)}   ${row.parseMs.toFixed(4).padStart(12)}   ${row.scanMs.toFixed(4).padStart(7)}   ${row.ratio.toFixed(2).padStart(10)}`,
    );
  }
  // Responses: text_orientation answers two FP32 values; a 27,648-value output for scale.
  const encodeRows: Record<string, unknown>[] = [];
  for (const n of [2, 27648]) {
    const data = new Float32Array(n).map((_, i) => Math.fround(Math.sin(i)));
    const response = {
      modelName: MODEL,
      modelVersion: '1',
      outputs: [{ name: 'y', datatype: 'FP32' as const, shape: [1, n], data: new Uint8Array(data.buffer) }],
    };
    const request = { binaryDataOutput: false, outputs: null };
    const ms = median(
      Array.from({ length: ROUNDS * 3 }, () =>
        timeMs(() => encodeHttpInferResponse(response, request), Math.max(5, Math.round(2e5 / n))),
      ),
    );
    encodeRows.push({ outputValues: n, encodeMs: ms });
    console.log(`JSON response encode, FP32 output of ${n} values: ${(ms * 1000).toFixed(1)} µs`);
  }
  // The model itself, for the CPU budget of a request: one ORT session, batch 1 and batch 8.
  const session = await ort.InferenceSession.create(join(EXAMPLES, MODEL, '1', 'model.onnx'));
  const modelRows: Record<string, unknown>[] = [];
  for (const batch of [1, 8]) {
    const x = new ort.Tensor('float32', new Float32Array(batch * 3 * 48 * 192).fill(0.25), [
      batch,
      3,
      48,
      192,
    ]);
    const times: number[] = [];
    for (let i = 0; i < 5; i++) await session.run({ x });
    for (let i = 0; i < ROUNDS * 10; i++) {
      const t0 = process.hrtime.bigint();
      const cpu0 = process.cpuUsage();
      await session.run({ x });
      const cpu = process.cpuUsage(cpu0);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      modelRows.push({ batch, cpuMsPerSample: (cpu.user + cpu.system) / 1000 / batch });
    }
    const cpuMs = median(modelRows.filter((r) => r.batch === batch).map((r) => r.cpuMsPerSample as number));
    console.log(
      `ORT text_orientation batch ${batch}: ${(median(times) / batch).toFixed(2)} ms wall, ${cpuMs.toFixed(2)} ms CPU per sample`,
    );
  }
  await session.release();
  writeResults('json-decode-scan.json', { rounds: ROUNDS * 3, rows, encode: encodeRows });
}

function writeResults(file: string, data: unknown): void {
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, file),
    `${JSON.stringify({ date: new Date().toISOString(), ...(data as object) }, null, 2)}\n`,
  );
}

if (process.argv.includes('--decode')) {
  await decodeOnly();
} else {
  buildExampleRepository();
  const repository = writeRepository();
  try {
    if (process.argv.includes('--threshold')) await threshold(repository);
    else await comparison(repository);
  } finally {
    rmSync(repository, { recursive: true, force: true });
  }
}
