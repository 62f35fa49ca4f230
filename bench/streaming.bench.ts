/**
 * Benchmark (issue 5): the streaming path's throughput. One decoupled JavaScript model (`burst`,
 * written to a temp repository) answers one request with N tiny responses (OUT INT32 [1]) sent in
 * a tight loop, and the responses are consumed, side by side in one run, over
 *   (a) gRPC ModelStreamInfer with the project's GrpcClient stream,
 *   (b) HTTP generate_stream (SSE) with the project's HttpClient (parses every event's JSON),
 *   (c) HTTP generate_stream read raw (counts `\n\n` separators; the server's SSE ceiling).
 * The server runs as a child process (`nereid serve`), so client and server do not share a loop.
 * Target: >= 20 000 responses/s for (a) and (b). Runs alternate BENCH_REPS times (default 3);
 * medians are printed and written to bench/results/streaming.json.
 * Run: `npm run build && node dist/bench/streaming.bench.js` (BENCH_RESPONSES, default 100000).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { request } from 'undici';
import { GrpcClient, HttpClient, tensor } from '../src/client/index.js';
import { median } from './lib/load-generator.js';
import { startNereidWithGrpc } from './lib/server-process.js';

const REPS = Number(process.env.BENCH_REPS ?? 3);
const N = Number(process.env.BENCH_RESPONSES ?? 100_000);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const API_URL = pathToFileURL(join(ROOT, 'dist', 'src', 'backends', 'js', 'api.js')).href;

const BURST_CONFIG = `name: "burst"
backend: "javascript"
max_batch_size: 0
model_transaction_policy { decoupled: true }
input [ { name: "N" data_type: TYPE_INT32 dims: [ 1 ] } ]
output [ { name: "OUT" data_type: TYPE_INT32 dims: [ 1 ] } ]
instance_group [ { kind: KIND_CPU count: 1 } ]
`;

// Sends N responses as fast as the model can: one tensor each, in a tight loop, then the final flag.
const BURST_SOURCE = `import { createTensor, toTypedArray } from '${API_URL}';
export default class Burst {
  execute(requests) {
    for (const request of requests) {
      const sender = request.responseSender();
      const n = toTypedArray(request.input('N'))[0];
      for (let i = 0; i < n; i++) sender.send([createTensor('OUT', 'INT32', [1], new Int32Array([i]))]);
      sender.send(null, { final: true });
    }
  }
}
`;

/** (a) gRPC ModelStreamInfer: responses per second. */
async function runGrpc(client: GrpcClient, n: number): Promise<number> {
  const start = performance.now();
  const stream = client.stream();
  stream.send({ model: 'burst', inputs: [tensor('N', 'INT32', [1], new Int32Array([n]))] });
  stream.end();
  let count = 0;
  for await (const item of stream) {
    if (item instanceof Error) throw item;
    count++;
  }
  const seconds = (performance.now() - start) / 1000;
  if (count !== n) throw new Error(`gRPC: expected ${n} responses, received ${count}`);
  return count / seconds;
}

/** (b) SSE through HttpClient.generateStream (JSON-parses every event): responses per second. */
async function runSseClient(client: HttpClient, n: number): Promise<number> {
  const start = performance.now();
  let count = 0;
  for await (const event of client.generateStream('burst', { N: n })) {
    if (event.OUT !== count) throw new Error(`SSE: event ${count} carries OUT ${event.OUT}`);
    count++;
  }
  const seconds = (performance.now() - start) / 1000;
  if (count !== n) throw new Error(`SSE: expected ${n} events, received ${count}`);
  return count / seconds;
}

/** (c) SSE read raw: counts event separators without parsing; responses per second. */
async function runSseRaw(port: number, n: number): Promise<number> {
  const start = performance.now();
  const res = await request(`http://127.0.0.1:${port}/v2/models/burst/generate_stream`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ N: n }),
  });
  let count = 0;
  let lastWasNewline = false;
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    for (let i = 0; i < chunk.length; i++) {
      const isNewline = chunk[i] === 10;
      if (isNewline && lastWasNewline) count++;
      lastWasNewline = isNewline;
    }
  }
  const seconds = (performance.now() - start) / 1000;
  if (count !== n) throw new Error(`raw SSE: expected ${n} events, received ${count}`);
  return count / seconds;
}

async function main(): Promise<void> {
  const repo = mkdtempSync(join(tmpdir(), 'nereid-streaming-'));
  mkdirSync(join(repo, 'burst', '1'), { recursive: true });
  writeFileSync(join(repo, 'burst', 'config.pbtxt'), BURST_CONFIG);
  writeFileSync(join(repo, 'burst', '1', 'model.js'), BURST_SOURCE);
  const server = await startNereidWithGrpc(repo);
  const grpc = new GrpcClient(`127.0.0.1:${server.grpcPort}`);
  const http = new HttpClient(`http://127.0.0.1:${server.port}`);
  const rates: Record<'grpc' | 'sseClient' | 'sseRaw', number[]> = { grpc: [], sseClient: [], sseRaw: [] };
  try {
    // Warm-up: JIT on both sides, connections open.
    await runGrpc(grpc, 10_000);
    await runSseClient(http, 10_000);
    await runSseRaw(server.port, 10_000);
    for (let rep = 0; rep < REPS; rep++) {
      rates.grpc.push(await runGrpc(grpc, N));
      rates.sseClient.push(await runSseClient(http, N));
      rates.sseRaw.push(await runSseRaw(server.port, N));
      console.log(
        `rep ${rep + 1}: grpc ${rates.grpc[rep]!.toFixed(0)}/s, sse(client) ${rates.sseClient[rep]!.toFixed(0)}/s, sse(raw) ${rates.sseRaw[rep]!.toFixed(0)}/s`,
      );
    }
  } finally {
    grpc.close();
    await http.close();
    await server.stop();
    rmSync(repo, { recursive: true, force: true });
  }
  const result = {
    date: new Date().toISOString(),
    command: 'npm run build && node dist/bench/streaming.bench.js',
    responsesPerRequest: N,
    reps: REPS,
    targetPerSecond: 20_000,
    grpcStreamPerSecond: Math.round(median(rates.grpc)),
    sseClientPerSecond: Math.round(median(rates.sseClient)),
    sseRawPerSecond: Math.round(median(rates.sseRaw)),
  };
  console.log(JSON.stringify(result, null, 2));
  const out = fileURLToPath(new URL('../../bench/results/streaming.json', import.meta.url));
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
}

await main();
