/**
 * gRPC frontend overhead: Nereid serving `simple` over gRPC at concurrency 16 against a bare
 * grpc-js server answering the same response bytes (test/helpers/grpc-echo-server.ts), each in
 * its own child process, loaded by the same worker-thread generator with identical request bytes.
 * Runs alternate (nereid, echo) x3; prints per-run and median throughput, p50 latency and the
 * ratio nereid/echo. Not a test: prints figures only.
 * Run after `npm run build`: `node dist/bench/grpc-overhead.bench.js [--seconds 4] [--concurrency 16]`.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import * as grpc from '@grpc/grpc-js';
import { silentLogger } from '../src/common/logger.js';
import { InferenceServer } from '../src/core/index.js';
import { GrpcFrontend } from '../src/frontends/index.js';
import { MAX_GRPC_MESSAGE_BYTES, messageType } from '../src/protocol/grpc/index.js';
import { packageRoot } from '../src/tools/examples/index.js';
import { startGrpcEchoServer } from '../test/helpers/grpc-echo-server.js';
import { CpuMeter, type CpuPerRequest } from './lib/cpu-accounting.js';

const PATH = '/inference.GRPCInferenceService/ModelInfer';
const LOAD_WORKERS = 2;

/** Options read from argv. */
interface BenchOptions {
  seconds: number;
  warmupSeconds: number;
  concurrency: number;
  repeats: number;
}

function readOptions(argv: readonly string[]): BenchOptions {
  const get = (name: string, fallback: number): number => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? Number(argv[i + 1]) : fallback;
  };
  return {
    seconds: get('seconds', 4),
    warmupSeconds: get('warmup', 3),
    concurrency: get('concurrency', 16),
    repeats: get('repeats', 3),
  };
}

/** The `simple` request as Triton's clients send it (raw inputs), serialized once. */
function simpleRequestBytes(): Buffer {
  const a = new Int32Array(16).map((_, i) => i);
  const b = new Int32Array(16).fill(1);
  const message = {
    model_name: 'simple',
    inputs: [
      { name: 'INPUT0', datatype: 'INT32', shape: [1, 16] },
      { name: 'INPUT1', datatype: 'INT32', shape: [1, 16] },
    ],
    raw_input_contents: [Buffer.from(a.buffer), Buffer.from(b.buffer)],
  };
  return Buffer.from(messageType('inference.ModelInferRequest').serialize(message));
}

// ---- child process roles: a server that prints its port ----

async function runServerRole(role: string): Promise<void> {
  let port: number;
  if (role === 'echo') {
    port = (await startGrpcEchoServer({ host: '127.0.0.1' })).port;
  } else {
    const repo = mkdtempSync(join(tmpdir(), 'nereid-bench-grpc-'));
    cpSync(join(packageRoot(), 'examples', 'model_repository', 'simple'), join(repo, 'simple'), {
      recursive: true,
    });
    const server = await InferenceServer.start({ modelRepositories: [repo], logger: silentLogger });
    port = (await new GrpcFrontend(server, { port: 0, address: '127.0.0.1' }).listen()).port;
  }
  process.send?.({ port });
}

// ---- load worker: `concurrency` calls in flight for `seconds`, counting completions ----

interface LoadTask {
  address: string;
  concurrency: number;
  warmupMs: number;
  measureMs: number;
  request: Uint8Array;
}

interface LoadResult {
  completed: number;
  /** Calls completed during warm-up and measurement (for CPU per call). */
  total: number;
  errors: number;
  latenciesUs: number[];
}

function passThrough(b: Buffer): Buffer {
  return b;
}

function runLoadWorker(task: LoadTask): void {
  const client = new grpc.Client(task.address, grpc.credentials.createInsecure(), {
    'grpc.max_receive_message_length': MAX_GRPC_MESSAGE_BYTES,
    // The load generator shares the cores with the server: keep it lean (no channelz bookkeeping).
    'grpc.enable_channelz': 0,
  });
  const request = Buffer.from(task.request);
  const start = performance.now();
  const measureFrom = start + task.warmupMs;
  const stopAt = measureFrom + task.measureMs;
  const result: LoadResult = { completed: 0, total: 0, errors: 0, latenciesUs: [] };
  let inFlight = 0;
  const issue = (): void => {
    const sent = performance.now();
    inFlight++;
    client.makeUnaryRequest(PATH, passThrough, passThrough, request, (err) => {
      inFlight--;
      result.total++;
      const now = performance.now();
      if (sent >= measureFrom && now <= stopAt) {
        if (err) result.errors++;
        else {
          result.completed++;
          if (result.latenciesUs.length < 200_000) result.latenciesUs.push((now - sent) * 1000);
        }
      }
      if (now < stopAt) issue();
      else if (inFlight === 0) {
        client.close();
        parentPort!.postMessage(result);
      }
    });
  };
  for (let i = 0; i < task.concurrency; i++) issue();
}

// ---- parent: start servers, alternate runs, print figures ----

function startChild(role: string): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(fileURLToPath(import.meta.url), ['--role', role], { stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.once('message', (m: { port: number }) => resolve({ child, port: m.port }));
    child.once('exit', (code) => reject(new Error(`Server child '${role}' exited with code ${code}`)));
  });
}

async function measure(
  address: string,
  serverPid: number,
  options: BenchOptions,
  request: Buffer,
): Promise<{ rps: number; p50Us: number; errors: number; cpu: CpuPerRequest }> {
  const meter = new CpuMeter(serverPid);
  const perWorker = Math.ceil(options.concurrency / LOAD_WORKERS);
  const results = await Promise.all(
    Array.from({ length: LOAD_WORKERS }, (_, w) => {
      const task: LoadTask = {
        address,
        concurrency: Math.min(perWorker, options.concurrency - w * perWorker),
        warmupMs: options.warmupSeconds * 1000,
        measureMs: options.seconds * 1000,
        request: new Uint8Array(request),
      };
      const worker = new Worker(fileURLToPath(import.meta.url), { workerData: task });
      return new Promise<LoadResult>((resolve, reject) => {
        worker.once('message', (r: LoadResult) => {
          resolve(r);
          void worker.terminate();
        });
        worker.once('error', reject);
      });
    }),
  );
  const completed = results.reduce((n, r) => n + r.completed, 0);
  const latencies = results.flatMap((r) => r.latenciesUs).sort((a, b) => a - b);
  return {
    cpu: meter.stop(results.reduce((n, r) => n + r.total, 0)),
    rps: completed / options.seconds,
    p50Us: latencies[Math.floor(latencies.length / 2)] ?? 0,
    errors: results.reduce((n, r) => n + r.errors, 0),
  };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const options = readOptions(process.argv);
  const request = simpleRequestBytes();
  const nereid = await startChild('nereid');
  const echo = await startChild('echo');
  console.log(
    `gRPC overhead: simple, concurrency ${options.concurrency} from ${LOAD_WORKERS} worker threads, ${options.seconds} s per run after ${options.warmupSeconds} s warm-up, node ${process.version}`,
  );
  const runs: Record<'nereid' | 'echo', { rps: number; p50Us: number; cpu: CpuPerRequest }[]> = {
    nereid: [],
    echo: [],
  };
  try {
    for (let r = 0; r < options.repeats; r++) {
      for (const [name, target] of [
        ['nereid', nereid],
        ['echo', echo],
      ] as const) {
        const m = await measure(`127.0.0.1:${target.port}`, target.child.pid!, options, request);
        if (m.errors > 0) throw new Error(`${m.errors} calls to ${name} failed`);
        runs[name].push(m);
        console.log(
          `  run ${r + 1} ${name.padEnd(6)} ${m.rps.toFixed(0).padStart(7)} req/s  p50 ${(m.p50Us / 1000).toFixed(3)} ms  cpu us/call: server main ${m.cpu.serverMainUs.toFixed(0)}, other ${m.cpu.serverOtherUs.toFixed(0)}, load generator ${m.cpu.clientUs.toFixed(0)}`,
        );
      }
    }
  } finally {
    nereid.child.kill();
    echo.child.kill();
  }
  const n = median(runs.nereid.map((m) => m.rps));
  const e = median(runs.echo.map((m) => m.rps));
  console.log(
    `median nereid ${n.toFixed(0)} req/s (p50 ${(median(runs.nereid.map((m) => m.p50Us)) / 1000).toFixed(3)} ms)`,
  );
  console.log(
    `median echo   ${e.toFixed(0)} req/s (p50 ${(median(runs.echo.map((m) => m.p50Us)) / 1000).toFixed(3)} ms)`,
  );
  console.log(`ratio nereid/echo ${(n / e).toFixed(2)} (target >= 0.60)`);
}

const roleIndex = process.argv.indexOf('--role');
if (!isMainThread) runLoadWorker(workerData as LoadTask);
else if (roleIndex >= 0) void runServerRole(process.argv[roleIndex + 1]!);
else
  void main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
