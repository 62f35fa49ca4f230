/**
 * Closed-loop HTTP load from worker threads (so the generator is not the bottleneck): splits a
 * concurrency level over threads, merges their latencies, and reports throughput, percentiles
 * and the generator's own event-loop utilisation.
 */
import { Worker } from 'node:worker_threads';
import type { LoadJob, LoadReport } from './load-worker.js';

/** Options of one load run. */
export interface LoadOptions {
  /** `http://host:port`. */
  origin: string;
  /** Request path. */
  path: string;
  /** Request headers. */
  headers: Record<string, string>;
  /** Request body. */
  body: Uint8Array;
  /** Requests kept in flight. */
  concurrency: number;
  /**
   * `raw` (default): a lean hand-written HTTP/1.1 connection (bench/lib/raw-http-connection.ts),
   * so the load generator takes as little of the shared cores as possible; `undici`: undici's
   * Pool, for comparison.
   */
  client?: 'raw' | 'undici';
  /** Threads to spread the connections over; default min(concurrency, 2). */
  threads?: number;
  /** Discarded warm-up time, ms; default 500. */
  warmupMs?: number;
  /** Measured time, ms; default 3000. */
  durationMs?: number;
}

/** Result of one load run. */
export interface LoadResult {
  concurrency: number;
  requests: number;
  /** Requests completed including the warm-up. */
  totalRequests: number;
  errors: number;
  throughputPerS: number;
  p50Us: number;
  p90Us: number;
  p99Us: number;
  /** Highest event-loop utilisation of the generator threads (0..1). */
  clientUtilization: number;
  firstError: string;
}

/** The p-th percentile (0..100) of sorted values. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

/** Median of numbers. */
export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Runs closed-loop load and reports it. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const threads = Math.max(1, Math.min(options.threads ?? 2, options.concurrency));
  const per = Array.from(
    { length: threads },
    (_, i) => Math.floor(options.concurrency / threads) + (i < options.concurrency % threads ? 1 : 0),
  );
  const durationMs = options.durationMs ?? 3000;
  const reports = await Promise.all(
    per.map(
      (connections) =>
        new Promise<LoadReport>((resolve, reject) => {
          const worker = new Worker(new URL('./load-worker.js', import.meta.url));
          const job: LoadJob = {
            origin: options.origin,
            path: options.path,
            headers: options.headers,
            body: options.body,
            connections,
            client: options.client ?? 'raw',
            warmupMs: options.warmupMs ?? 500,
            durationMs,
          };
          worker.once('message', (r: LoadReport) => {
            resolve(r);
            void worker.terminate();
          });
          worker.once('error', reject);
          worker.postMessage(job);
        }),
    ),
  );
  const total = reports.reduce((n, r) => n + r.count, 0);
  const all = new Float64Array(total);
  let off = 0;
  for (const r of reports) {
    all.set(r.latenciesUs, off);
    off += r.count;
  }
  all.sort();
  return {
    concurrency: options.concurrency,
    requests: total,
    totalRequests: reports.reduce((n, r) => n + r.total, 0),
    errors: reports.reduce((n, r) => n + r.errors, 0),
    throughputPerS: total / (durationMs / 1000),
    p50Us: percentile(all, 50),
    p90Us: percentile(all, 90),
    p99Us: percentile(all, 99),
    clientUtilization: Math.max(...reports.map((r) => r.eventLoopUtilization)),
    firstError: reports.find((r) => r.firstError !== '')?.firstError ?? '',
  };
}

/** runLoad on `POST /v2/models/{model}/infer` of 127.0.0.1:`port`, sending `request` each time. */
export function runInferLoad(
  port: number,
  model: string,
  request: { headers: Record<string, string>; body: Uint8Array },
  options: Omit<LoadOptions, 'origin' | 'path' | 'headers' | 'body'>,
): Promise<LoadResult> {
  return runLoad({
    origin: `http://127.0.0.1:${port}`,
    path: `/v2/models/${model}/infer`,
    headers: request.headers,
    body: request.body,
    ...options,
  });
}
