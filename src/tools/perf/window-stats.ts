/**
 * Client-side statistics of measurement windows: merges the workers' samples of one window
 * (throughput with the batch size, response throughput, average/stddev and percentiles of
 * latency, send time, schedule lag, per-worker event-loop utilisation and CPU time per request),
 * merges several windows into one level result, and decides stability the way perf_analyzer
 * does: the last 3 windows' throughput and latency all within the stability percentage of their mean.
 */
import type { WindowSample } from './worker-protocol.js';

/** The percentiles always reported (perf_analyzer's). */
export const REPORTED_PERCENTILES: readonly number[] = [50, 90, 95, 99];

/** Per-worker load-generator usage during a window. */
export interface WorkerUsage {
  /** Event-loop utilisation (0..1); near 1 means the worker is the bottleneck. */
  eluUtilization: number;
  /** Busy event-loop time per finished request, in microseconds (the client's own cost). */
  overheadUsPerRequest: number;
}

/** What the client saw in a window (or in merged windows). */
export interface ClientWindow {
  /** Wall time covered, in milliseconds. */
  durationMs: number;
  /** Requests completed successfully. */
  requestCount: number;
  /** Requests failed. */
  errorCount: number;
  /** Responses received. */
  responseCount: number;
  /** Inferences per second (requests × batch size / seconds). */
  throughput: number;
  /** Responses per second. */
  responseThroughput: number;
  /** Average latency, µs. */
  avgLatencyUs: number;
  /** Standard deviation of latency, µs. */
  stdLatencyUs: number;
  /** Latency percentiles in µs by percentile (50, 90, 95, 99 and the --percentile one). */
  percentilesUs: Record<number, number>;
  /** Average synchronous send time (encode + dispatch), µs. */
  avgSendUs: number;
  /** Requests sent. */
  sent: number;
  /** Requests sent more than 1 ms late (request-rate mode). */
  delayed: number;
  /** Per-worker usage. */
  workers: WorkerUsage[];
  /** First error message ('' when none). */
  firstError: string;
}

/** A window with its raw latencies (sorted, µs), kept for merging. */
export interface MeasuredWindow {
  client: ClientWindow;
  latenciesUs: Float64Array;
}

/** The p-th percentile (nearest rank) of sorted values; 0 when empty. */
export function percentileOf(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

function summarize(
  latencies: Float64Array,
  base: Omit<
    ClientWindow,
    'avgLatencyUs' | 'stdLatencyUs' | 'percentilesUs' | 'throughput' | 'responseThroughput'
  >,
  batchSize: number,
  percentiles: readonly number[],
  sendUsTotal: number,
): MeasuredWindow {
  latencies.sort();
  let sum = 0;
  for (let i = 0; i < latencies.length; i++) sum += latencies[i]!;
  const avg = latencies.length > 0 ? sum / latencies.length : 0;
  let sq = 0;
  for (let i = 0; i < latencies.length; i++) sq += (latencies[i]! - avg) ** 2;
  const percentilesUs: Record<number, number> = {};
  for (const p of percentiles) percentilesUs[p] = percentileOf(latencies, p);
  const seconds = base.durationMs / 1000;
  return {
    latenciesUs: latencies,
    client: {
      ...base,
      avgSendUs: base.requestCount > 0 ? sendUsTotal / base.requestCount : 0,
      throughput: seconds > 0 ? (base.requestCount * batchSize) / seconds : 0,
      responseThroughput: seconds > 0 ? base.responseCount / seconds : 0,
      avgLatencyUs: avg,
      stdLatencyUs: latencies.length > 1 ? Math.sqrt(sq / latencies.length) : 0,
      percentilesUs,
    },
  };
}

/** The percentiles to report: perf_analyzer's four plus `extra` (sorted, unique). */
export function percentileList(extra: number | null): number[] {
  const set = new Set(REPORTED_PERCENTILES);
  if (extra !== null) set.add(extra);
  return [...set].sort((a, b) => a - b);
}

/** One window from the workers' samples; `durationMs` is the coordinator's wall time. */
export function windowFromSamples(
  samples: readonly WindowSample[],
  durationMs: number,
  batchSize: number,
  percentiles: readonly number[],
): MeasuredWindow {
  let total = 0;
  for (const s of samples) total += s.count;
  const latencies = new Float64Array(total);
  let offset = 0;
  let sendUs = 0;
  for (const s of samples) {
    latencies.set(s.latenciesUs.subarray(0, s.count), offset);
    offset += s.count;
    sendUs += s.sendUsTotal;
  }
  return summarize(
    latencies,
    {
      durationMs,
      requestCount: total,
      errorCount: samples.reduce((n, s) => n + s.errors, 0),
      responseCount: samples.reduce((n, s) => n + s.responses, 0),
      avgSendUs: 0,
      sent: samples.reduce((n, s) => n + s.sent, 0),
      delayed: samples.reduce((n, s) => n + s.delayed, 0),
      workers: samples.map((s) => ({
        eluUtilization: s.eluUtilization,
        overheadUsPerRequest: s.count + s.errors > 0 ? (s.eluActiveMs * 1000) / (s.count + s.errors) : 0,
      })),
      firstError: samples.find((s) => s.firstError !== '')?.firstError ?? '',
    },
    batchSize,
    percentiles,
    sendUs,
  );
}

/** Several windows as one (perf_analyzer reports the merged stable windows). */
export function mergeWindows(
  windows: readonly MeasuredWindow[],
  batchSize: number,
  percentiles: readonly number[],
): MeasuredWindow {
  const total = windows.reduce((n, w) => n + w.latenciesUs.length, 0);
  const latencies = new Float64Array(total);
  let offset = 0;
  for (const w of windows) {
    latencies.set(w.latenciesUs, offset);
    offset += w.latenciesUs.length;
  }
  const sum = (f: (c: ClientWindow) => number) => windows.reduce((n, w) => n + f(w.client), 0);
  const threads = windows[0]?.client.workers.length ?? 0;
  const workers: WorkerUsage[] = Array.from({ length: threads }, (_, i) => ({
    eluUtilization:
      sum((c) => c.workers[i]!.eluUtilization * c.durationMs) /
      Math.max(
        1e-9,
        sum((c) => c.durationMs),
      ),
    overheadUsPerRequest: sum((c) => c.workers[i]!.overheadUsPerRequest) / Math.max(1, windows.length),
  }));
  return summarize(
    latencies,
    {
      durationMs: sum((c) => c.durationMs),
      requestCount: sum((c) => c.requestCount),
      errorCount: sum((c) => c.errorCount),
      responseCount: sum((c) => c.responseCount),
      avgSendUs: 0,
      sent: sum((c) => c.sent),
      delayed: sum((c) => c.delayed),
      workers,
      firstError: windows.find((w) => w.client.firstError !== '')?.client.firstError ?? '',
    },
    batchSize,
    percentiles,
    sum((c) => c.avgSendUs * c.requestCount),
  );
}

/** The latency a window is stabilised and summarised on: the `percentile` one, or the average. */
export function stabilizingLatencyUs(client: ClientWindow, percentile: number | null): number {
  return percentile === null ? client.avgLatencyUs : (client.percentilesUs[percentile] ?? 0);
}

/** Windows needed for a stability decision. */
export const STABILITY_WINDOWS = 3;

/**
 * Whether the last 3 windows are stable: each one's throughput and latency within
 * `stabilityPercentage` percent of the three's mean, and every window completed requests.
 */
export function isStable(
  windows: readonly ClientWindow[],
  stabilityPercentage: number,
  percentile: number | null,
): boolean {
  if (windows.length < STABILITY_WINDOWS) return false;
  const last = windows.slice(-STABILITY_WINDOWS);
  if (last.some((w) => w.requestCount === 0)) return false;
  const t = stabilityPercentage / 100;
  const within = (values: number[]) => {
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    return values.every((v) => v >= mean * (1 - t) && v <= mean * (1 + t));
  };
  return (
    within(last.map((w) => w.throughput)) && within(last.map((w) => stabilizingLatencyUs(w, percentile)))
  );
}
