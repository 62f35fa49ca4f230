/**
 * Benchmark (issue 7): 64 concurrent Silero VAD streams (real model, implicit state) served with
 * the oldest strategy, the direct strategy and one request at a time (max_batch_size 1), against
 * the physical limit: the same model alone in an ONNX Runtime worker at batch 64, back to back.
 * Each stream is a closed loop (its next window is sent when the previous answer arrives), over
 * the core API in-process (no protocol) and over gRPC ModelStreamInfer (load from a worker
 * thread). Every ORT session uses 1 intra-op thread, the limit's too; the limit is measured before
 * and after the served runs and the higher kept. Prints ratios and the load average, writes
 * bench/results/sequence.json.
 * Run: `npm run bench:sequence` (BENCH_DURATION_MS per run, default 4000).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { ExecutionBatch, ExecutionResult } from '../src/backends/index.js';
import { OnnxBackend } from '../src/backends/index.js';
import { GrpcClient, InferInput } from '../src/client/index.js';
import type { ServerError } from '../src/common/errors.js';
import { silentLogger } from '../src/common/logger.js';
import { normalizeModelConfig } from '../src/config/index.js';
import { InferenceRequest, type InferenceResponse, InferenceServer } from '../src/core/index.js';
import { GrpcFrontend } from '../src/frontends/index.js';
import { buildSileroVadModel, SILERO_VAD_INPUT_SAMPLES } from '../src/tools/examples/index.js';

const STREAMS = 64;
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 4000);
const INPUT = SILERO_VAD_INPUT_SAMPLES;
const THREADS = 'parameters { key: "intra_op_thread_count" value { string_value: "1" } }';
const STATE = `state [ { input_name: "state" output_name: "stateN" data_type: TYPE_FP32 dims: [ 2, 128 ]
    initial_state [ { data_type: TYPE_FP32 dims: [ 2, 128 ] zero_data: true name: "zeros" } ] } ]`;

/** The served variants: name → max_batch_size and strategy block. */
const VARIANTS: Record<string, [number, string]> = {
  oldest: [
    64,
    'oldest { max_candidate_sequences: 64 preferred_batch_size: [ 64 ] max_queue_delay_microseconds: 2000 }',
  ],
  direct: [64, 'direct { max_queue_delay_microseconds: 2000 minimum_slot_utilization: 1.0 }'],
  one_at_a_time: [1, 'oldest { max_candidate_sequences: 64 }'],
};

/** A deterministic noise window (the content does not change the cost). */
function window(seed: number): Float32Array {
  const w = new Float32Array(INPUT);
  let x = seed * 2654435761;
  for (let i = 0; i < INPUT; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    w[i] = ((x >>> 8) / 2 ** 24 - 0.5) * 0.2;
  }
  return w;
}

function writeRepository(dir: string): void {
  const model = buildSileroVadModel();
  for (const [name, [maxBatch, strategy]] of Object.entries(VARIANTS)) {
    mkdirSync(join(dir, name, '1'), { recursive: true });
    writeFileSync(join(dir, name, '1', 'model.onnx'), model);
    writeFileSync(
      join(dir, name, 'config.pbtxt'),
      `name: "${name}"
backend: "onnxruntime"
max_batch_size: ${maxBatch}
input [ { name: "input" data_type: TYPE_FP32 dims: [ ${INPUT} ] } ]
output [ { name: "output" data_type: TYPE_FP32 dims: [ 1 ] } ]
sequence_batching { max_sequence_idle_microseconds: 60000000 ${strategy} ${STATE} }
parameters { key: "nereid.state_batch_axis" value { string_value: "1" } }
${THREADS}
instance_group [ { kind: KIND_CPU count: 1 } ]`,
    );
  }
}

/** The model alone in an ORT worker at batch 64, back to back: windows per second. */
async function physicalLimit(dir: string): Promise<number> {
  const config = normalizeModelConfig({
    name: 'limit',
    backend: 'onnxruntime',
    max_batch_size: STREAMS,
    parameters: { intra_op_thread_count: { string_value: '1' } },
  });
  config.default_model_filename = 'model.onnx';
  const modelDir = join(dir, 'oldest');
  const instance = await new OnnxBackend().createInstance({
    modelName: 'limit',
    version: 1,
    modelDir,
    versionDir: join(modelDir, '1'),
    modelPath: join(modelDir, '1', 'model.onnx'),
    config,
    instanceName: 'limit_0',
    kind: 'KIND_CPU',
    deviceId: -1,
    instanceCount: 1,
  });
  const data = new Float32Array(STREAMS * INPUT);
  for (let s = 0; s < STREAMS; s++) data.set(window(s), s * INPUT);
  let state = new Uint8Array(2 * STREAMS * 128 * 4);
  const run = () =>
    new Promise<ExecutionResult>((resolve, reject) => {
      const batch: ExecutionBatch = {
        batchSize: STREAMS,
        inputs: [
          { name: 'input', datatype: 'FP32', shape: [STREAMS, INPUT], data: new Uint8Array(data.buffer) },
          { name: 'state', datatype: 'FP32', shape: [2, STREAMS, 128], data: state },
        ],
        outputNames: ['output', 'stateN'],
        requests: [],
      };
      instance.execute(batch, { onResult: resolve, onError: reject });
    });
  for (let i = 0; i < 5; i++) await run();
  let rows = 0;
  const start = performance.now();
  while (performance.now() - start < DURATION_MS) {
    const result = await run();
    state = result.outputs!.find((t) => t.name === 'stateN')!.data.slice();
    rows += STREAMS;
  }
  const perS = rows / ((performance.now() - start) / 1000);
  await instance.close();
  return perS;
}

/** One closed-loop stream on the core API: sends its next window when an answer arrives. */
class CoreStream {
  completed = 0;
  private sent = 0;
  constructor(
    private readonly server: InferenceServer,
    private readonly model: string,
    private readonly id: number,
    private readonly input: Float32Array,
    private readonly stopAtMs: number,
    private readonly done: () => void,
  ) {}

  send(): void {
    const end = performance.now() >= this.stopAtMs;
    const data = new Uint8Array(this.input.buffer);
    this.server.infer(
      new InferenceRequest({
        modelName: this.model,
        parameters: { sequence_id: this.id, sequence_start: this.sent === 0, sequence_end: end },
        inputs: [{ name: 'input', datatype: 'FP32', shape: [1, INPUT], data }],
        sink: this,
      }),
    );
    this.sent++;
    if (end) this.sent = -1;
  }

  onResponse(_r: InferenceRequest, _response: InferenceResponse | null, final: boolean): void {
    if (!final) return;
    this.completed++;
    if (this.sent < 0) this.done();
    else this.send();
  }

  onError(_r: InferenceRequest, error: ServerError): void {
    throw error;
  }
}

async function runCore(server: InferenceServer, model: string, idBase: number): Promise<number> {
  const stopAtMs = performance.now() + DURATION_MS;
  const start = performance.now();
  const streams: CoreStream[] = [];
  await new Promise<void>((resolve) => {
    let open = STREAMS;
    const done = () => {
      if (--open === 0) resolve();
    };
    for (let s = 0; s < STREAMS; s++)
      streams.push(new CoreStream(server, model, idBase + s, window(s), stopAtMs, done));
    for (const s of streams) s.send();
  });
  return streams.reduce((n, s) => n + s.completed, 0) / ((performance.now() - start) / 1000);
}

/** Worker side: 64 closed-loop gRPC streams; posts windows per second. */
async function grpcLoad(task: { address: string; model: string; idBase: number; durationMs: number }) {
  const client = new GrpcClient(task.address);
  const start = performance.now();
  const counts = await Promise.all(
    Array.from({ length: STREAMS }, async (_, s) => {
      const stream = client.stream();
      const input = [InferInput.fromValues('input', 'FP32', [1, INPUT], window(s))];
      const id = task.idBase + s;
      let n = 0;
      stream.send({ model: task.model, inputs: input, sequenceId: id, sequenceStart: true });
      for await (const item of stream) {
        if (item instanceof Error) throw item;
        n++;
        if (performance.now() - start >= task.durationMs) break;
        stream.send({ model: task.model, inputs: input, sequenceId: id });
      }
      stream.cancel();
      return n;
    }),
  );
  const perS = counts.reduce((a, b) => a + b, 0) / ((performance.now() - start) / 1000);
  client.close();
  parentPort!.postMessage(perS);
}

function runGrpc(address: string, model: string, idBase: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(fileURLToPath(import.meta.url), {
      workerData: { address, model, idBase, durationMs: DURATION_MS },
    });
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'nereid-seq-bench-'));
  try {
    writeRepository(dir);
    const loadBefore = loadavg()[0]!;
    const limitBefore = await physicalLimit(dir);
    const server = await InferenceServer.start({ modelRepositories: [dir], logger: silentLogger });
    const grpc = new GrpcFrontend(server, { port: 0, address: '127.0.0.1' });
    const { port } = await grpc.listen();
    const rows: Record<string, { corePerS: number; grpcPerS: number; meanBatch: number }> = {};
    let idBase = 1;
    for (const name of Object.keys(VARIANTS)) {
      await runCore(server, name, 1_000_000 + idBase); // warm-up
      idBase += STREAMS;
      const corePerS = await runCore(server, name, idBase);
      idBase += STREAMS;
      const grpcPerS = await runGrpc(`127.0.0.1:${port}`, name, idBase);
      idBase += STREAMS;
      const stats = server.statistics(name).model_stats[0]!;
      const meanBatch = stats.inference_count / Math.max(1, stats.execution_count);
      rows[name] = { corePerS, grpcPerS, meanBatch };
    }
    await grpc.close();
    await server.shutdown();
    // The limit is measured before and after the served runs; the higher one is kept (machines are noisy).
    const limit = Math.max(limitBefore, await physicalLimit(dir));
    const loadAfter = loadavg()[0]!;
    const date = new Date().toISOString().slice(0, 10);
    console.log(`Sequence batching, ${STREAMS} Silero VAD streams, ${DURATION_MS} ms per run, ${date}`);
    console.log(
      `cores ${availableParallelism()}, load average (1 min) ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after`,
    );
    console.log(`physical limit (ORT worker, batch ${STREAMS}, 1 thread): ${limit.toFixed(0)} windows/s`);
    console.log('variant          core windows/s  ×limit   gRPC windows/s  ×limit   mean batch');
    for (const [name, r] of Object.entries(rows)) {
      console.log(
        `${name.padEnd(16)} ${r.corePerS.toFixed(0).padStart(14)}  ${(r.corePerS / limit).toFixed(2).padStart(6)}   ${r.grpcPerS.toFixed(0).padStart(14)}  ${(r.grpcPerS / limit).toFixed(2).padStart(6)}   ${r.meanBatch.toFixed(1).padStart(10)}`,
      );
    }
    const out = new URL('../../bench/results/sequence.json', import.meta.url);
    writeFileSync(
      out,
      `${JSON.stringify({ date, streams: STREAMS, durationMs: DURATION_MS, loadBefore, loadAfter, limitPerS: limit, variants: rows }, null, 2)}\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (isMainThread) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
} else {
  grpcLoad(workerData).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
