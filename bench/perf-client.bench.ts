/**
 * Benchmark (issue 4): `nereid perf` must not be the bottleneck. In one run, on the `simple`
 * model's real request and response bytes:
 *   1. nereid perf's load engine (LoadCoordinator + worker threads + HttpClient) at concurrency
 *      16 against a bare node:http server answering Nereid's exact response bytes: its maximum
 *      request rate, and its own cost per request (busy event-loop time of the workers / requests);
 *   2. the same load engine against Nereid serving `simple` (target: 1 >= 2 × 2);
 *   3. the bench's raw undici generator against the bare server, to show what the client library
 *      costs on top of raw undici;
 *   4. one full `runPerf` against Nereid (stabilised windows, statistics API) for the record.
 * Runs alternate targets BENCH_REPS times (default 3); medians are reported.
 * Run: `npm run build && node dist/bench/perf-client.bench.js`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { encodeHttpInferRequest, HttpClient, tensor } from '../src/client/index.js';
import { buildExampleRepository } from '../src/tools/examples/index.js';
import {
  buildInputStreams,
  LoadCoordinator,
  loadModelProfile,
  percentileList,
  runPerf,
  windowFromSamples,
} from '../src/tools/perf/index.js';
import { median, runLoad } from './lib/load-generator.js';
import { startBareHttp, startNereid } from './lib/server-process.js';

const REPS = Number(process.env.BENCH_REPS ?? 3);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 3000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const THREADS = Math.min(2, availableParallelism());

interface EngineRun {
  throughput: number;
  p50Us: number;
  p99Us: number;
  overheadUsPerRequest: number;
  maxElu: number;
}

/** nereid perf's load engine at CONCURRENCY for DURATION_MS against `url` (after a 500 ms warm-up). */
async function engineRun(
  url: string,
  streams: Parameters<typeof LoadCoordinator.start>[0]['streams'],
): Promise<EngineRun> {
  const coordinator = await LoadCoordinator.start(
    {
      protocol: 'http',
      url,
      model: 'simple',
      modelVersion: '',
      streams,
      streaming: false,
      decoupled: false,
      headers: {},
      connections: Math.ceil(CONCURRENCY / THREADS),
      sequence: null,
    },
    THREADS,
  );
  try {
    coordinator.setConcurrency(CONCURRENCY);
    await sleep(500);
    await coordinator.rotate();
    const t0 = performance.now();
    await sleep(DURATION_MS);
    const samples = await coordinator.rotate();
    const window = windowFromSamples(samples, performance.now() - t0, 1, percentileList(null));
    if (window.client.errorCount > 0) throw new Error(`errors: ${window.client.firstError}`);
    const busyMs = samples.reduce((n, s) => n + s.eluActiveMs, 0);
    await coordinator.stop();
    return {
      throughput: window.client.throughput,
      p50Us: window.client.percentilesUs[50]!,
      p99Us: window.client.percentilesUs[99]!,
      overheadUsPerRequest: (busyMs * 1000) / window.client.requestCount,
      maxElu: Math.max(...window.client.workers.map((w) => w.eluUtilization)),
    };
  } finally {
    await coordinator.terminate();
  }
}

function row(name: string, r: EngineRun): string {
  return `${name.padEnd(30)} ${r.throughput.toFixed(0).padStart(8)} ${r.p50Us.toFixed(0).padStart(7)} ${r.p99Us.toFixed(0).padStart(7)} ${r.overheadUsPerRequest.toFixed(1).padStart(9)} ${(r.maxElu * 100).toFixed(0).padStart(5)}%`;
}

async function main(): Promise<void> {
  const repo = mkdtempSync(join(tmpdir(), 'nereid-bench-perf-'));
  try {
    buildExampleRepository(repo);
    const nereid = await startNereid(repo);
    const nereidUrl = `127.0.0.1:${nereid.port}`;
    const control = new HttpClient(nereidUrl);
    const profile = await loadModelProfile(control, 'simple', '', 1);
    const streams = buildInputStreams(profile, {
      source: 'random',
      shapes: {},
      batchSize: 1,
      stringLength: 128,
      stringData: null,
    });
    // Nereid's exact answer to this request, so the bare server sends the same bytes.
    const inputs = streams[0]![0]!.map((t) =>
      tensor(t.name, 'INT32', t.shape, new Int32Array(t.data.slice().buffer)),
    );
    const encoded = encodeHttpInferRequest(inputs, {});
    const body = Buffer.concat(encoded.chunks.map((c) => Buffer.from(c)));
    const headers = {
      'content-type': 'application/octet-stream',
      'inference-header-content-length': String(encoded.headerLength),
    };
    const probe = await fetch(`http://${nereidUrl}/v2/models/simple/infer`, {
      method: 'POST',
      headers,
      body,
    });
    const probeBody = new Uint8Array(await probe.arrayBuffer());
    if (probe.status !== 200) throw new Error(`probe failed: ${probe.status}`);
    const bare = await startBareHttp(probeBody, {
      'Content-Type': probe.headers.get('content-type') ?? 'application/octet-stream',
      'Inference-Header-Content-Length': probe.headers.get('inference-header-content-length') ?? '0',
    });
    const bareUrl = `127.0.0.1:${bare.port}`;
    const runs: Record<string, EngineRun[]> = { bare: [], nereid: [] };
    const raw: number[] = [];
    console.log(
      `target (c${CONCURRENCY}, ${THREADS} threads)       req/s   p50us   p99us  us/req(client) busy`,
    );
    for (let rep = 0; rep < REPS; rep++) {
      const b = await engineRun(bareUrl, streams);
      runs.bare!.push(b);
      console.log(row(`perf -> bare node:http (${rep + 1})`, b));
      const n = await engineRun(nereidUrl, streams);
      runs.nereid!.push(n);
      console.log(row(`perf -> nereid simple (${rep + 1})`, n));
      const r = await runLoad({
        origin: `http://${bareUrl}`,
        path: '/v2/models/simple/infer',
        headers,
        body,
        concurrency: CONCURRENCY,
        threads: THREADS,
        durationMs: DURATION_MS,
        client: 'undici',
      });
      raw.push(r.throughputPerS);
      console.log(
        `${`raw undici -> bare (${rep + 1})`.padEnd(30)} ${r.throughputPerS.toFixed(0).padStart(8)}`,
      );
    }
    await bare.stop();
    const full = await runPerf({
      model: 'simple',
      url: nereidUrl,
      concurrencyRange: `${CONCURRENCY}`,
      measurementIntervalMs: 2000,
      maxTrials: 5,
      maxThreads: THREADS,
    });
    await control.close();
    await nereid.stop();
    const med = (k: string, f: (r: EngineRun) => number) => median(runs[k]!.map(f));
    const summary = {
      date: new Date().toISOString().slice(0, 10),
      reps: REPS,
      durationMs: DURATION_MS,
      concurrency: CONCURRENCY,
      threads: THREADS,
      perfToBare: {
        throughput: med('bare', (r) => r.throughput),
        overheadUsPerRequest: med('bare', (r) => r.overheadUsPerRequest),
        maxElu: med('bare', (r) => r.maxElu),
      },
      perfToNereid: {
        throughput: med('nereid', (r) => r.throughput),
        overheadUsPerRequest: med('nereid', (r) => r.overheadUsPerRequest),
      },
      ratio: med('bare', (r) => r.throughput) / med('nereid', (r) => r.throughput),
      rawUndiciToBare: median(raw),
      runPerfNereid: {
        throughput: full.levels[0]!.client.throughput,
        p99Us: full.levels[0]!.client.percentilesUs[99],
        stable: full.levels[0]!.stable,
        clientOverheadUsPerRequest: full.levels[0]!.client.workers.map((w) => w.overheadUsPerRequest),
      },
    };
    console.log(JSON.stringify(summary, null, 2));
    console.log(
      `\nperf max rate vs bare node:http / Nereid simple = ${summary.ratio.toFixed(2)} (target >= 2)` +
        `\nperf client cost: ${summary.perfToBare.overheadUsPerRequest.toFixed(1)} us of worker time per request` +
        `\nraw undici generator vs bare: ${summary.rawUndiciToBare.toFixed(0)} req/s (perf: ${summary.perfToBare.throughput.toFixed(0)})`,
    );
    writeFileSync(
      new URL('../../bench/results/perf-client.json', import.meta.url),
      `${JSON.stringify(summary, null, 2)}\n`,
    );
  } finally {
    rmSync(repo, { recursive: true, force: true });
  }
}

await main();
