/**
 * Options of `nereid perf` with perf_analyzer's names, units and defaults, and their resolution
 * into one frozen ResolvedPerfOptions: load mode and levels, transport and URL, measurement and
 * stabilisation settings, input data, sequences and output files. Validation errors are
 * INVALID_ARG `ERR_PERF_OPTION`. Parsing command lines is the CLI's job; running is perf-runner's.
 */
import { availableParallelism } from 'node:os';
import { invalidArg } from '../../common/index.js';

/** A `start:end:step` range. */
export interface PerfRange {
  /** First level. */
  start: number;
  /** Last level (inclusive). */
  end: number;
  /** Increment between levels. */
  step: number;
}

/** Caller input of a perf run (perf_analyzer's flag in brackets). */
export interface PerfOptions {
  /** Model name [-m]; required. */
  model: string;
  /** Model version [-x]; default '' (the server's policy). */
  modelVersion?: string;
  /** Transport [-i]; default 'http'. */
  protocol?: 'http' | 'grpc';
  /** Server address [-u]; default localhost:8000 (HTTP) or localhost:8001 (gRPC). */
  url?: string;
  /** Batch size of every request [-b]; default 1. */
  batchSize?: number;
  /** Concurrency levels [--concurrency-range], `start:end:step`, a range or a list in order; default 1:1:1. */
  concurrencyRange?: string | PerfRange | readonly number[];
  /** Request rates in requests/s [--request-rate-range] (or a list in order); default none (concurrency mode). */
  requestRateRange?: string | PerfRange | readonly number[];
  /** Inter-arrival distribution in request-rate mode [--request-distribution]; default 'constant'. */
  requestDistribution?: 'constant' | 'poisson';
  /** Length of one measurement window in milliseconds [-p]; default 5000. */
  measurementIntervalMs?: number;
  /** Allowed spread of the last 3 windows in percent [-s]; default 10. */
  stabilityPercentage?: number;
  /** Most windows per load level [-r]; default 10. */
  maxTrials?: number;
  /** Stabilise on and summarise with this latency percentile [--percentile]; default none (average). */
  percentile?: number;
  /** Stop raising the load once the latency exceeds this, in ms [-l]; default 0 (no limit). */
  latencyThresholdMs?: number;
  /** 'zero', 'random' or a perf_analyzer JSON file path [--input-data]; default 'random'. */
  inputData?: string;
  /** Shapes (without the batch dim) of inputs with variable dims [--shape]; default none. */
  shapes?: Record<string, number[]>;
  /** Length of random BYTES elements in characters [--string-length]; default 128. */
  stringLength?: number;
  /** Use this string for every BYTES element [--string-data]; default random strings. */
  stringData?: string;
  /** Send requests on a gRPC ModelStreamInfer stream [--streaming]; default false. */
  streaming?: boolean;
  /** Requests per sequence [--sequence-length]; default 20. */
  sequenceLength?: number;
  /** Random variation of the sequence length in percent [--sequence-length-variation]; default 20. */
  sequenceLengthVariation?: number;
  /** Concurrent sequences in request-rate mode [--num-of-sequences]; default 4. */
  numOfSequences?: number;
  /** First and last sequence id [--sequence-id-range]; default 1 to 2^32. */
  sequenceIdRange?: string | { start: number; end: number };
  /** Force sequence requests even if the model has no sequence_batching; default false. */
  sequences?: boolean;
  /** Accepted for perf_analyzer compatibility (every call is asynchronous here) [-a]; default true. */
  async?: boolean;
  /** Most load worker threads [--max-threads]; default the number of cores. */
  maxThreads?: number;
  /** Extra request headers / gRPC metadata [-H]; default none. */
  headers?: Record<string, string>;
  /** CSV file with perf_analyzer's columns [-f]; default none. */
  csvFile?: string;
  /** Add Avg latency, request/response and response wait columns [--verbose-csv]; default false. */
  verboseCsv?: boolean;
  /** JSON export of the whole run; default none. */
  jsonFile?: string;
  /** Self-contained HTML report with charts; default none. */
  reportFile?: string;
}

/** Validated, defaulted options. */
export interface ResolvedPerfOptions {
  readonly model: string;
  readonly modelVersion: string;
  readonly protocol: 'http' | 'grpc';
  readonly url: string;
  readonly batchSize: number;
  /** Load mode: closed-loop concurrency or open-loop request rate. */
  readonly mode: 'concurrency' | 'request_rate';
  /** Load levels in order (concurrencies, or requests/s). */
  readonly levels: readonly number[];
  readonly requestDistribution: 'constant' | 'poisson';
  readonly measurementIntervalMs: number;
  readonly stabilityPercentage: number;
  readonly maxTrials: number;
  /** Percentile to stabilise on, or null for the average. */
  readonly percentile: number | null;
  readonly latencyThresholdMs: number;
  readonly inputData: string;
  readonly shapes: Readonly<Record<string, readonly number[]>>;
  readonly stringLength: number;
  readonly stringData: string | null;
  readonly streaming: boolean;
  readonly sequenceLength: number;
  readonly sequenceLengthVariation: number;
  readonly numOfSequences: number;
  readonly sequenceIdStart: number;
  readonly sequenceIdEnd: number;
  readonly forceSequences: boolean;
  readonly maxThreads: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly csvFile: string | null;
  readonly verboseCsv: boolean;
  readonly jsonFile: string | null;
  readonly reportFile: string | null;
}

function optionError(message: string): Error {
  return invalidArg('ERR_PERF_OPTION', message);
}

/** Parses `start[:end[:step]]`; `integers` rejects fractions (concurrency). */
export function parseRange(name: string, text: string, integers: boolean): PerfRange {
  const parts = text.split(':');
  const numbers = parts.map(Number);
  const bad = (why: string) =>
    optionError(`Option ${name} must be start[:end[:step]] ${why}: received '${text}'`);
  if (parts.length > 3 || parts.some((p) => p.trim() === '')) throw bad('with 1 to 3 numbers');
  if (numbers.some((n) => !Number.isFinite(n) || n <= 0 || (integers && !Number.isInteger(n)))) {
    throw bad(integers ? 'of positive integers' : 'of positive numbers');
  }
  const start = numbers[0]!;
  const end = numbers[1] ?? start;
  const step = numbers[2] ?? 1;
  if (end < start) throw bad('with end >= start');
  return { start, end, step };
}

/** The levels of a range: start, start+step, ... up to end. */
export function rangeLevels(range: PerfRange): number[] {
  const out: number[] = [];
  for (let i = 0; ; i++) {
    const v = range.start + i * range.step;
    if (v > range.end + 1e-9) break;
    out.push(Math.round(v * 1e6) / 1e6);
  }
  return out;
}

function positiveInt(name: string, value: number | undefined, def: number, min = 1): number {
  const v = value ?? def;
  if (!Number.isSafeInteger(v) || v < min)
    throw optionError(`Option ${name} must be an integer >= ${min}: received ${v}`);
  return v;
}

function asRange(name: string, value: string | PerfRange, integers: boolean): PerfRange {
  return typeof value === 'string'
    ? parseRange(name, value, integers)
    : parseRange(name, `${value.start}:${value.end}:${value.step}`, integers);
}

/** The levels of a range option: a `start:end:step` string or range, or a list kept in its order. */
function levelsOf(name: string, value: string | PerfRange | readonly number[], integers: boolean): number[] {
  if (!Array.isArray(value)) return rangeLevels(asRange(name, value as string | PerfRange, integers));
  const list = value as readonly number[];
  if (
    list.length === 0 ||
    list.some((n) => !Number.isFinite(n) || n <= 0 || (integers && !Number.isInteger(n)))
  )
    throw optionError(
      `Option ${name} must list ${integers ? 'positive integers' : 'positive numbers'}: received [${list.join(', ')}]`,
    );
  return [...list];
}

function idRange(value: PerfOptions['sequenceIdRange']): { start: number; end: number } {
  if (value === undefined) return { start: 1, end: 2 ** 32 };
  const range = typeof value === 'string' ? value.split(':').map(Number) : [value.start, value.end];
  const [start, end = 2 ** 32] = range;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start! < 1 || end <= start!) {
    throw optionError(
      `Option sequence-id-range must be start:end with 1 <= start < end: received ${String(value)}`,
    );
  }
  return { start: start!, end };
}

/** Validates and defaults `options`. */
export function resolvePerfOptions(options: PerfOptions): ResolvedPerfOptions {
  if (typeof options.model !== 'string' || options.model === '')
    throw optionError('Option model (-m) is required');
  const protocol = options.protocol ?? 'http';
  if (protocol !== 'http' && protocol !== 'grpc')
    throw optionError(`Option protocol (-i) must be http or grpc: received '${String(protocol)}'`);
  if (options.streaming === true && protocol !== 'grpc')
    throw optionError('Option streaming needs the gRPC protocol (-i grpc)');
  if (options.concurrencyRange !== undefined && options.requestRateRange !== undefined)
    throw optionError('Options concurrency-range and request-rate-range cannot be used together');
  const mode = options.requestRateRange !== undefined ? 'request_rate' : 'concurrency';
  const levels =
    mode === 'request_rate'
      ? levelsOf('request-rate-range', options.requestRateRange!, false)
      : levelsOf('concurrency-range', options.concurrencyRange ?? '1:1:1', true);
  const distribution = options.requestDistribution ?? 'constant';
  if (distribution !== 'constant' && distribution !== 'poisson') {
    throw optionError(
      `Option request-distribution must be constant or poisson: received '${String(distribution)}'`,
    );
  }
  const percentile = options.percentile ?? null;
  if (percentile !== null && (!Number.isFinite(percentile) || percentile <= 0 || percentile >= 100))
    throw optionError(`Option percentile must be in (0, 100): received ${percentile}`);
  const stability = options.stabilityPercentage ?? 10;
  if (!Number.isFinite(stability) || stability <= 0)
    throw optionError(`Option stability-percentage must be > 0: received ${stability}`);
  const variation = options.sequenceLengthVariation ?? 20;
  if (!Number.isFinite(variation) || variation < 0 || variation >= 100)
    throw optionError(`Option sequence-length-variation must be in [0, 100): received ${variation}`);
  const ids = idRange(options.sequenceIdRange);
  const shapes: Record<string, readonly number[]> = {};
  for (const [name, dims] of Object.entries(options.shapes ?? {})) {
    if (!Array.isArray(dims) || dims.some((d) => !Number.isSafeInteger(d) || d < 0))
      throw optionError(`Option shape of input '${name}' must list integers >= 0: received ${String(dims)}`);
    shapes[name] = Object.freeze([...dims]);
  }
  return Object.freeze({
    model: options.model,
    modelVersion: options.modelVersion ?? '',
    protocol,
    url: options.url ?? (protocol === 'http' ? 'localhost:8000' : 'localhost:8001'),
    batchSize: positiveInt('batch-size', options.batchSize, 1),
    mode,
    levels: Object.freeze(levels),
    requestDistribution: distribution,
    measurementIntervalMs: positiveInt('measurement-interval', options.measurementIntervalMs, 5000, 10),
    stabilityPercentage: stability,
    maxTrials: positiveInt('max-trials', options.maxTrials, 10),
    percentile,
    latencyThresholdMs: positiveInt('latency-threshold', options.latencyThresholdMs, 0, 0),
    inputData: options.inputData ?? 'random',
    shapes: Object.freeze(shapes),
    stringLength: positiveInt('string-length', options.stringLength, 128, 0),
    stringData: options.stringData ?? null,
    streaming: options.streaming === true,
    sequenceLength: positiveInt('sequence-length', options.sequenceLength, 20),
    sequenceLengthVariation: variation,
    numOfSequences: positiveInt('num-of-sequences', options.numOfSequences, 4),
    sequenceIdStart: ids.start,
    sequenceIdEnd: ids.end,
    forceSequences: options.sequences === true,
    maxThreads: positiveInt('max-threads', options.maxThreads, availableParallelism()),
    headers: Object.freeze({ ...options.headers }),
    csvFile: options.csvFile ?? null,
    verboseCsv: options.verboseCsv === true,
    jsonFile: options.jsonFile ?? null,
    reportFile: options.reportFile ?? null,
  });
}
