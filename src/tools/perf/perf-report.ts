/**
 * The result of a perf run as one plain object: the settings used, what was learned about the
 * model, one LevelResult per load level (client statistics of the merged stable windows, the
 * server's counters over the same windows, per-window trial figures, warnings), and the totals
 * of every request sent. Writers (console, CSV, JSON, HTML) read it; nothing here measures.
 */
import type { ServerAverages, ServerCounters } from './server-stats.js';
import type { ClientWindow } from './window-stats.js';
import type { WorkerTotals } from './worker-protocol.js';

/** One measurement window as recorded in the report. */
export interface TrialResult {
  /** Wall time, ms. */
  durationMs: number;
  /** Requests completed in the window. */
  requestCount: number;
  /** Inferences per second. */
  throughput: number;
  /** The stabilising latency (average or --percentile), µs. */
  latencyUs: number;
  /** Successful requests the server counted over the window (null without statistics). */
  serverRequestCount: number | null;
}

/** The result of one load level. */
export interface LevelResult {
  /** Concurrency, or request rate in requests/s. */
  level: number;
  /** Whether the last windows met the stability criterion within --max-trials. */
  stable: boolean;
  /** Every window measured at this level, in order. */
  trials: TrialResult[];
  /** How many of the last windows were merged into `client` and `server` (at most 3). */
  mergedWindows: number;
  /** Client statistics of the merged windows. */
  client: ClientWindow;
  /** Server counters over the merged windows (null without the statistics extension). */
  server: ServerCounters | null;
  /** perf_analyzer's per-request server averages of `server`. */
  serverAverages: ServerAverages | null;
  /** Warnings raised at this level (unstable, client saturated, rate not reached). */
  warnings: string[];
}

/** Settings of a run as reported. */
export interface ReportSettings {
  model: string;
  modelVersion: string;
  protocol: 'http' | 'grpc';
  url: string;
  batchSize: number;
  mode: 'concurrency' | 'request_rate';
  requestDistribution: 'constant' | 'poisson';
  measurementIntervalMs: number;
  stabilityPercentage: number;
  maxTrials: number;
  percentile: number | null;
  /** The CSV has the --verbose-csv columns. */
  verboseCsv: boolean;
  inputData: string;
  streaming: boolean;
  sequences: boolean;
  threads: number;
}

/** The model facts a run used. */
export interface ReportModel {
  maxBatchSize: number;
  decoupled: boolean;
  sequenceBatching: boolean;
  responseCache: boolean;
  statistics: boolean;
}

/** A whole run. */
export interface PerfReport {
  /** Always 'nereid perf'. */
  tool: 'nereid perf';
  /** ISO time the run started. */
  startedAt: string;
  settings: ReportSettings;
  model: ReportModel;
  /** Levels in the order they were measured. */
  levels: LevelResult[];
  /** Every request the workers sent, measured or not (warm-up and ramp included). */
  totals: WorkerTotals;
  /** Run-wide warnings. */
  warnings: string[];
}

/** The latency column summarising a level: `p<N> latency` with --percentile, else the average. */
export function summaryLatencyUs(report: PerfReport, level: LevelResult): number {
  const p = report.settings.percentile;
  return p === null ? level.client.avgLatencyUs : (level.client.percentilesUs[p] ?? 0);
}

/** The JSON export of a run (pretty-printed, stable key order). */
export function perfReportJson(report: PerfReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
