/**
 * Benchmark (issue 19): the cost of process isolation for JavaScript models, measured side by
 * side in one run. One `nereid serve` (child process) serves the same JS identity model twice,
 * `js_thread` (worker thread) and `js_process` (`nereid.isolation: "process"`, a child process
 * reached over IPC), with binary INT32 [1,16] tensors over HTTP, at concurrency 1 and 16.
 * Runs alternate the order of the two models per repetition; medians of throughput and p50 are
 * reported with the process/thread ratios (of the medians, and the median of the per-repetition
 * ratios, which is steadier on a shared machine) and written to bench/results/js-isolation.json.
 * Run: `npm run bench:js-isolation` (BENCH_REPS, BENCH_DURATION_MS override the defaults).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binaryRequest } from './lib/binary-request.js';
import { type LoadResult, median, runInferLoad } from './lib/load-generator.js';
import { type ServerProcess, startNereid } from './lib/server-process.js';

const REPS = Number(process.env.BENCH_REPS ?? 5);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 3000);
const CONCURRENCIES = [1, 16] as const;
const MODES = ['thread', 'process'] as const;
type Mode = (typeof MODES)[number];

const IDENTITY_SOURCE = `export default class JsIdentity {
  execute(requests) { return requests.map((r) => [{ ...r.input('INPUT0'), name: 'OUTPUT0' }]); }
}
`;

function identityConfig(name: string, mode: Mode): string {
  return `name: "${name}"
backend: "javascript"
max_batch_size: 8
input [ { name: "INPUT0" data_type: TYPE_INT32 dims: [ 16 ] } ]
output [ { name: "OUTPUT0" data_type: TYPE_INT32 dims: [ 16 ] } ]
dynamic_batching { }
instance_group [ { kind: KIND_CPU count: 1 } ]
parameters { key: "nereid.isolation" value: { string_value: "${mode}" } }
`;
}

function row(label: string, r: LoadResult): string {
  return `${label.padEnd(30)} ${String(r.concurrency).padStart(4)} ${r.throughputPerS.toFixed(0).padStart(7)} ${r.p50Us.toFixed(0).padStart(8)} ${r.p99Us.toFixed(0).padStart(8)} ${r.clientUtilization.toFixed(2).padStart(6)} ${r.errors}`;
}

async function main(): Promise<void> {
  const repo = mkdtempSync(join(tmpdir(), 'nereid-js-isolation-'));
  const results = new Map<string, LoadResult[]>();
  let server: ServerProcess | null = null;
  try {
    for (const mode of MODES) {
      const name = `js_${mode}`;
      mkdirSync(join(repo, name, '1'), { recursive: true });
      writeFileSync(join(repo, name, 'config.pbtxt'), identityConfig(name, mode));
      writeFileSync(join(repo, name, '1', 'model.js'), IDENTITY_SOURCE);
    }
    server = await startNereid(repo);
    const values = Int32Array.from({ length: 16 }, (_, i) => i);
    const request = binaryRequest([
      { name: 'INPUT0', datatype: 'INT32', shape: [1, 16], data: new Uint8Array(values.buffer) },
    ]);
    console.log('model (rep)                    conc   req/s    p50us    p99us client errors');
    for (let rep = 0; rep < REPS; rep++) {
      const order = rep % 2 === 0 ? MODES : ([...MODES].reverse() as Mode[]);
      for (const concurrency of CONCURRENCIES) {
        for (const mode of order) {
          const r = await runInferLoad(server.port, `js_${mode}`, request, {
            concurrency,
            threads: Math.min(concurrency, 2),
            durationMs: DURATION_MS,
          });
          const key = `${mode}@${concurrency}`;
          results.set(key, [...(results.get(key) ?? []), r]);
          console.log(row(`js_${mode} (rep ${rep + 1})`, r));
        }
      }
    }
  } finally {
    await server?.stop();
    rmSync(repo, { recursive: true, force: true });
  }
  const med = (mode: Mode, c: number, f: (r: LoadResult) => number) =>
    median(results.get(`${mode}@${c}`)!.map(f));
  /** Median over repetitions of process/thread (of `f`), each pair measured back to back. */
  const pairRatio = (c: number, f: (r: LoadResult) => number) => {
    const threads = results.get(`thread@${c}`)!;
    const processes = results.get(`process@${c}`)!;
    return median(threads.map((t, i) => f(processes[i]!) / f(t)));
  };
  const rows = CONCURRENCIES.map((c) => ({
    concurrency: c,
    threadThroughput: med('thread', c, (r) => r.throughputPerS),
    processThroughput: med('process', c, (r) => r.throughputPerS),
    threadP50Us: med('thread', c, (r) => r.p50Us),
    processP50Us: med('process', c, (r) => r.p50Us),
    throughputProcessOverThread:
      med('process', c, (r) => r.throughputPerS) / med('thread', c, (r) => r.throughputPerS),
    p50ProcessOverThread: med('process', c, (r) => r.p50Us) / med('thread', c, (r) => r.p50Us),
    pairThroughputProcessOverThread: pairRatio(c, (r) => r.throughputPerS),
    pairP50ProcessOverThread: pairRatio(c, (r) => r.p50Us),
  }));
  const errors = [...results.values()].flat().reduce((n, r) => n + r.errors, 0);
  const summary = {
    date: new Date().toISOString().slice(0, 10),
    reps: REPS,
    durationMs: DURATION_MS,
    rows,
    errors,
    clientUtilization: Math.max(...[...results.values()].flat().map((r) => r.clientUtilization)),
  };
  console.log(JSON.stringify(summary, null, 2));
  console.log(
    '\nconc | thread req/s, p50 | process req/s, p50 | process/thread throughput, p50 | per-pair medians',
  );
  for (const r of rows) {
    console.log(
      `${String(r.concurrency).padStart(4)} | ${r.threadThroughput.toFixed(0)}, ${r.threadP50Us.toFixed(0)} us | ${r.processThroughput.toFixed(0)}, ${r.processP50Us.toFixed(0)} us | ${r.throughputProcessOverThread.toFixed(2)}x, ${r.p50ProcessOverThread.toFixed(2)}x | ${r.pairThroughputProcessOverThread.toFixed(2)}x, ${r.pairP50ProcessOverThread.toFixed(2)}x`,
    );
  }
  writeFileSync(
    new URL('../../bench/results/js-isolation.json', import.meta.url),
    `${JSON.stringify(summary, null, 2)}\n`,
  );
}

await main();
