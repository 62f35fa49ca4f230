/**
 * One load-generator thread: keeps `connections` requests in flight (each connection sends its
 * next request when the previous answer has arrived) against one URL for a fixed time and
 * reports per-request latencies and its own event-loop utilisation (near 1 = the client is the
 * bottleneck). Started by load-generator.ts; never imported by the server.
 */
import { performance } from 'node:perf_hooks';
import { parentPort } from 'node:worker_threads';
import { Pool } from 'undici';

/** What the parent asks for. */
export interface LoadJob {
  origin: string;
  path: string;
  headers: Record<string, string>;
  body: Uint8Array;
  connections: number;
  warmupMs: number;
  durationMs: number;
}

/** What a worker reports. */
export interface LoadReport {
  latenciesUs: Float64Array;
  count: number;
  /** Requests completed including the warm-up (for CPU per request over the whole run). */
  total: number;
  errors: number;
  elapsedMs: number;
  eventLoopUtilization: number;
  firstError: string;
}

async function run(job: LoadJob): Promise<LoadReport> {
  const pool = new Pool(job.origin, {
    connections: job.connections,
    pipelining: 1,
    keepAliveTimeout: 60_000,
  });
  const body = Buffer.from(job.body);
  const start = performance.now();
  const measureFrom = start + job.warmupMs;
  const end = measureFrom + job.durationMs;
  let capacity = 1 << 16;
  let latencies = new Float64Array(capacity);
  let count = 0;
  let total = 0;
  let errors = 0;
  let firstError = '';
  let elu0 = performance.eventLoopUtilization();
  let eluMarked = false;
  const loop = async () => {
    for (;;) {
      const t0 = performance.now();
      if (t0 >= end) return;
      if (!eluMarked && t0 >= measureFrom) {
        eluMarked = true;
        elu0 = performance.eventLoopUtilization();
      }
      try {
        const res = await pool.request({ path: job.path, method: 'POST', headers: job.headers, body });
        await res.body.arrayBuffer();
        if (res.statusCode !== 200) {
          errors++;
          if (firstError === '') firstError = `HTTP ${res.statusCode}`;
        }
      } catch (err) {
        errors++;
        if (firstError === '') firstError = String(err);
      }
      const t1 = performance.now();
      total++;
      if (t0 >= measureFrom && t1 <= end) {
        if (count === capacity) {
          capacity *= 2;
          const next = new Float64Array(capacity);
          next.set(latencies);
          latencies = next;
        }
        latencies[count++] = (t1 - t0) * 1000;
      }
    }
  };
  await Promise.all(Array.from({ length: job.connections }, loop));
  const elu = performance.eventLoopUtilization(elu0);
  await pool.close();
  return {
    latenciesUs: latencies.slice(0, count),
    count,
    total,
    errors,
    elapsedMs: job.durationMs,
    eventLoopUtilization: elu.utilization,
    firstError,
  };
}

parentPort!.once('message', (job: LoadJob) => {
  void run(job).then((report) => parentPort!.postMessage(report, [report.latenciesUs.buffer as ArrayBuffer]));
});
