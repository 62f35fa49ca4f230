/**
 * `runPerf`: one perf_analyzer-style run. It reads the model (metadata, config, statistics
 * extension), builds the input data, starts the load workers, and for each load level measures
 * windows of --measurement-interval until the last 3 are stable or --max-trials is reached,
 * reading the statistics API at every window boundary; then it prints perf_analyzer's console
 * report and writes the CSV, JSON and HTML files asked for. Workers do the sending.
 */
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { GrpcClient, HttpClient } from '../../client/index.js';
import { ServerError, Status } from '../../common/index.js';
import { formatLevel, formatRate, formatSettings, formatSummary } from './console-report.js';
import { perfReportCsv } from './csv-report.js';
import { perfReportHtml } from './html-report.js';
import { buildInputStreams } from './input-data.js';
import { readPerfInputFile } from './json-input-file.js';
import { LoadCoordinator } from './load-coordinator.js';
import { type ControlClient, loadModelProfile, type ModelProfile } from './model-profile.js';
import { type PerfOptions, type ResolvedPerfOptions, resolvePerfOptions } from './perf-options.js';
import { type LevelResult, type PerfReport, perfReportJson, type TrialResult } from './perf-report.js';
import {
  addCounters,
  countersOf,
  diffCounters,
  type ServerCounters,
  serverAverages,
} from './server-stats.js';
import {
  isStable,
  type MeasuredWindow,
  mergeWindows,
  percentileList,
  STABILITY_WINDOWS,
  stabilizingLatencyUs,
  windowFromSamples,
} from './window-stats.js';

/** Where a run writes: the report text, the live progress line, warnings. All default to silence. */
export interface PerfIo {
  /** Report text (perf_analyzer's console output), whole lines. */
  out(text: string): void;
  /** The live progress line (one line, replaced by the next). */
  progress(text: string): void;
  /** Run-wide warnings, one per call (level warnings are part of the level's report text). */
  warn(text: string): void;
}

/** Controls that a tool built on perf (`nereid tune`) passes to a run; both optional. */
export interface PerfHooks {
  /** Aborting it ends the run at once (workers stopped): runPerf rejects with CANCELLED `ERR_PERF_ABORTED`. */
  signal?: AbortSignal;
  /** Called after each load level with its result; resolving false skips the higher levels. */
  afterLevel?(result: LevelResult): boolean | Promise<boolean>;
}

/** Event-loop utilisation above which a load worker counts as saturated. */
export const SATURATED_ELU = 0.9;

const NOOP = () => {};

/** Runs `nereid perf` with `options`; resolves with the report once every file is written. */
export async function runPerf(
  options: PerfOptions,
  io: Partial<PerfIo> = {},
  hooks: PerfHooks = {},
): Promise<PerfReport> {
  const opts = resolvePerfOptions(options);
  const sink: PerfIo = { out: io.out ?? NOOP, progress: io.progress ?? NOOP, warn: io.warn ?? NOOP };
  const control: ControlClient & { close(): unknown } =
    opts.protocol === 'http'
      ? new HttpClient(opts.url, { connections: 2, headers: opts.headers })
      : new GrpcClient(opts.url, { headers: opts.headers });
  try {
    const profile = await loadModelProfile(control, opts.model, opts.modelVersion, opts.batchSize);
    return await measure(opts, profile, control, sink, hooks);
  } finally {
    await control.close();
  }
}

function threadCount(opts: ResolvedPerfOptions, sequences: boolean): number {
  const maxLevel = Math.max(...opts.levels);
  let threads = opts.maxThreads;
  if (opts.mode === 'concurrency') threads = Math.min(threads, maxLevel);
  else if (sequences) threads = Math.min(threads, opts.numOfSequences);
  return Math.max(1, threads);
}

async function measure(
  opts: ResolvedPerfOptions,
  profile: ModelProfile,
  control: ControlClient,
  io: PerfIo,
  hooks: PerfHooks,
): Promise<PerfReport> {
  if (profile.decoupled && !opts.streaming) {
    throw new ServerError(
      Status.INVALID_ARG,
      'ERR_PERF_OPTION',
      `Model '${opts.model}' is decoupled: measure it with -i grpc --streaming`,
    );
  }
  const sequences = profile.sequenceBatching || opts.forceSequences;
  const source =
    opts.inputData === 'zero' || opts.inputData === 'random'
      ? opts.inputData
      : readPerfInputFile(opts.inputData);
  const streams = buildInputStreams(profile, {
    source,
    shapes: opts.shapes,
    batchSize: opts.batchSize,
    stringLength: opts.stringLength,
    stringData: opts.stringData,
  });
  const threads = threadCount(opts, sequences);
  const report: PerfReport = {
    tool: 'nereid perf',
    startedAt: new Date().toISOString(),
    settings: {
      model: opts.model,
      modelVersion: opts.modelVersion,
      protocol: opts.protocol,
      url: opts.url,
      batchSize: opts.batchSize,
      mode: opts.mode,
      requestDistribution: opts.requestDistribution,
      measurementIntervalMs: opts.measurementIntervalMs,
      stabilityPercentage: opts.stabilityPercentage,
      maxTrials: opts.maxTrials,
      percentile: opts.percentile,
      verboseCsv: opts.verboseCsv,
      inputData: opts.inputData,
      streaming: opts.streaming,
      sequences,
      threads,
    },
    model: {
      maxBatchSize: profile.maxBatchSize,
      decoupled: profile.decoupled,
      sequenceBatching: profile.sequenceBatching,
      responseCache: profile.responseCache,
      statistics: profile.statistics,
    },
    levels: [],
    totals: { sent: 0, completed: 0, errors: 0, responses: 0 },
    warnings: [],
  };
  if (!profile.statistics)
    warn(
      io,
      report.warnings,
      'The server does not advertise the statistics extension: no server-side breakdown',
    );
  const maxLevel = Math.max(...opts.levels);
  const coordinator = await LoadCoordinator.start(
    {
      protocol: opts.protocol,
      url: opts.url,
      model: opts.model,
      modelVersion: opts.modelVersion,
      streams,
      streaming: opts.streaming,
      decoupled: profile.decoupled,
      headers: { ...opts.headers },
      connections: opts.mode === 'concurrency' ? Math.ceil(maxLevel / threads) : 64,
      sequence: sequences
        ? {
            length: opts.sequenceLength,
            variationPct: opts.sequenceLengthVariation,
            idStart: opts.sequenceIdStart,
            idEnd: opts.sequenceIdEnd,
            count: opts.numOfSequences,
          }
        : null,
    },
    threads,
  );
  io.out(`${formatSettings(report)}\n`);
  let stopped = false;
  try {
    for (const level of opts.levels) {
      const result = await measureLevel(opts, profile, control, coordinator, level, io, hooks.signal);
      report.levels.push(result);
      io.progress('');
      io.out(`${formatLevel(report, result)}\n`);
      if (hooks.afterLevel !== undefined && !(await hooks.afterLevel(result))) break;
      const latencyMs = stabilizingLatencyUs(result.client, opts.percentile) / 1000;
      if (opts.latencyThresholdMs > 0 && latencyMs > opts.latencyThresholdMs) {
        warn(
          io,
          report.warnings,
          `Latency ${latencyMs.toFixed(1)} ms went over the limit of ${opts.latencyThresholdMs} ms: higher load levels were skipped`,
        );
        break;
      }
    }
    report.totals = await coordinator.stop();
    stopped = true;
  } finally {
    if (!stopped) await coordinator.terminate();
  }
  io.out(formatSummary(report));
  writeOutputs(opts, report);
  return report;
}

function throwIfAborted(opts: ResolvedPerfOptions, signal: AbortSignal | undefined): void {
  if (signal?.aborted === true)
    throw new ServerError(
      Status.CANCELLED,
      'ERR_PERF_ABORTED',
      `Measurement of model '${opts.model}' was aborted`,
    );
}

function warn(io: PerfIo, into: string[], message: string): void {
  into.push(message);
  io.warn(message);
}

async function snapshot(
  control: ControlClient,
  opts: ResolvedPerfOptions,
  profile: ModelProfile,
): Promise<ServerCounters | null> {
  if (!profile.statistics) return null;
  return countersOf(
    await control.modelStatistics(opts.model, opts.modelVersion),
    opts.model,
    opts.modelVersion,
  );
}

async function measureLevel(
  opts: ResolvedPerfOptions,
  profile: ModelProfile,
  control: ControlClient,
  coordinator: LoadCoordinator,
  level: number,
  io: PerfIo,
  signal: AbortSignal | undefined,
): Promise<LevelResult> {
  throwIfAborted(opts, signal);
  const percentiles = percentileList(opts.percentile);
  if (opts.mode === 'concurrency') coordinator.setConcurrency(level);
  else coordinator.setRate(level, opts.requestDistribution);
  const label = opts.mode === 'concurrency' ? 'concurrency' : 'request rate';
  // Windows follow one another with no gap: each boundary closes one window and opens the next.
  let [, before] = await Promise.all([coordinator.rotate(), snapshot(control, opts, profile)]);
  let startMs = performance.now();
  const windows: MeasuredWindow[] = [];
  const servers: (ServerCounters | null)[] = [];
  const trials: TrialResult[] = [];
  let stable = false;
  for (let trial = 1; trial <= opts.maxTrials && !stable; trial++) {
    await sleep(Math.max(0, opts.measurementIntervalMs - (performance.now() - startMs)), undefined, {
      signal,
    }).catch(() => throwIfAborted(opts, signal));
    const [samples, after] = await Promise.all([coordinator.rotate(), snapshot(control, opts, profile)]);
    const endMs = performance.now();
    const window = windowFromSamples(samples, endMs - startMs, opts.batchSize, percentiles);
    startMs = endMs;
    const server = after === null || before === null ? null : diffCounters(after, before);
    before = after;
    if (window.client.errorCount > 0) {
      throw new ServerError(
        Status.UNAVAILABLE,
        'ERR_PERF_REQUEST_FAILED',
        `Requests to model '${opts.model}' failed at ${label} ${level}: ${window.client.firstError} (${window.client.errorCount} failed, ${window.client.requestCount} succeeded in the window)`,
      );
    }
    windows.push(window);
    servers.push(server);
    const latencyUs = stabilizingLatencyUs(window.client, opts.percentile);
    trials.push({
      durationMs: window.client.durationMs,
      requestCount: window.client.requestCount,
      throughput: window.client.throughput,
      latencyUs,
      serverRequestCount: server?.successCount ?? null,
    });
    stable = isStable(
      windows.map((w) => w.client),
      opts.stabilityPercentage,
      opts.percentile,
    );
    const elu = Math.max(...window.client.workers.map((w) => w.eluUtilization));
    io.progress(
      `[${label} ${level}] window ${trial}/${opts.maxTrials}: ${formatRate(window.client.throughput)} infer/sec, ${Math.round(latencyUs)} usec, client busy ${Math.round(elu * 100)}%${stable ? ' (stable)' : ''}`,
    );
  }
  const merged = Math.min(STABILITY_WINDOWS, windows.length);
  const client = mergeWindows(windows.slice(-merged), opts.batchSize, percentiles).client;
  const lastServers = servers.slice(-merged);
  const server = lastServers.some((s) => s === null)
    ? null
    : lastServers.reduce((a, b) => addCounters(a!, b!))!;
  const warnings: string[] = [];
  if (!stable) {
    warnings.push(
      `Failed to obtain stable measurement within ${opts.maxTrials} measurement windows for ${label} ${level}: increase --measurement-interval or --max-trials`,
    );
  }
  client.workers.forEach((w, i) => {
    if (w.eluUtilization > SATURATED_ELU) {
      warnings.push(
        `Load worker ${i} was busy ${Math.round(w.eluUtilization * 100)}% of the time: the client itself may be the bottleneck (raise --max-threads or run perf on another machine)`,
      );
    }
  });
  if (opts.mode === 'request_rate') {
    const sentRate = client.sent / (client.durationMs / 1000);
    if (sentRate < level * 0.9 || client.delayed > client.sent * 0.1) {
      warnings.push(
        `The load generator could not keep up with ${level} requests/s (sent ${sentRate.toFixed(1)}/s, ${client.delayed} of ${client.sent} late): the results may not be accurate`,
      );
    }
  }
  return {
    level,
    stable,
    trials,
    mergedWindows: merged,
    client,
    server,
    serverAverages: server === null ? null : serverAverages(server),
    warnings,
  };
}

function writeOutputs(opts: ResolvedPerfOptions, report: PerfReport): void {
  if (opts.csvFile !== null) writeFileSync(opts.csvFile, perfReportCsv(report));
  if (opts.jsonFile !== null) writeFileSync(opts.jsonFile, perfReportJson(report));
  if (opts.reportFile !== null) writeFileSync(opts.reportFile, perfReportHtml(report));
}
