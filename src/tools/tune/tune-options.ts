/**
 * Options of `nereid tune` and their resolution into one frozen ResolvedTuneOptions: where the
 * server is (a running one, or one tune starts on a repository), the search (mode, objective,
 * constraints, the values of each dimension when given), the load and measurement settings
 * handed to the perf engine, and the output files. Dimensions left out are derived from the model
 * later (search-space.ts). Errors are INVALID_ARG `ERR_TUNE_OPTION`; command lines are the CLI's.
 */
import { availableParallelism } from 'node:os';
import { invalidArg } from '../../common/index.js';

/** Caller input of a tune run (the CLI flag in brackets). */
export interface TuneOptions {
  /** Model to tune [-m]; required. */
  model: string;
  /** Address of a running server [-u]; default none: tune starts its own on `modelRepositories`. */
  url?: string;
  /** Transport of the control calls and the load [-i]; default 'http'. */
  protocol?: 'http' | 'grpc';
  /** Repositories [--model-repository]: served by tune without `url`; with `url`, only where --write-config writes. */
  modelRepositories?: readonly string[];
  /** Extra `nereid serve` flags for the server tune starts [--server-arg]; default none. */
  serverArgs?: readonly string[];
  /** The `nereid` CLI script (`dist/src/cli/main.js`) tune starts `serve` with; required with a repository and no url. */
  serverEntry?: string;
  /** Prometheus endpoint of a running server, for its memory [--metrics-url]; default the -u host on port 8002. */
  metricsUrl?: string;
  /** Cores of the server's machine (default instance range and intra-op threads) [--cores]; default this machine's. */
  cores?: number;
  /** 'quick' climbs one dimension at a time, 'exhaustive' measures every configuration [--search]; default 'quick'. */
  search?: 'quick' | 'exhaustive';
  /** 'throughput' within the constraints, or 'latency' at one load level [--objective]; default 'throughput'. */
  objective?: 'throughput' | 'latency';
  /** Most latency (at `percentile`) a measurement may have, ms [--latency-budget-ms]; default none. */
  latencyBudgetMs?: number;
  /** The latency percentile budgets and tables use [--percentile]; default 99. */
  percentile?: number;
  /** Least throughput a configuration must reach, inferences/s [--min-throughput]; default 0. */
  minThroughput?: number;
  /** Most server resident memory while a configuration serves, MB of 10^6 bytes [--memory-budget-mb]; default none. */
  memoryBudgetMb?: number;
  /** Instance counts to try [--instances]; default 1 to `cores`. */
  instances?: readonly number[];
  /** Dynamic batching settings to try [--dynamic-batching]; default off and on for batching models. */
  dynamicBatching?: readonly boolean[];
  /** max_batch_size values with dynamic batching [--max-batch-sizes]; default the model's, 2× and 4×. */
  maxBatchSizes?: readonly number[];
  /** max_queue_delay_microseconds values, µs [--max-queue-delays-us]; default 0 and 1000. */
  maxQueueDelaysUs?: readonly number[];
  /** preferred_batch_size lists ([] = Triton's default [max_batch_size]) [--preferred-batch-sizes]; default [[]]. */
  preferredBatchSizes?: readonly (readonly number[])[];
  /** intra_op_thread_count values, 0 = Nereid's default [--intra-op-threads]; default 0 and 1 for ONNX models. */
  intraOpThreads?: readonly number[];
  /** Closed-loop concurrency levels, climbed in order [--concurrency]; default 1, 2, 4, ... (see search-space). */
  concurrency?: readonly number[];
  /** Open-loop request rates in requests/s, climbed in order [--request-rate]; default none. */
  requestRates?: readonly number[];
  /** A change must raise the objective by this many percent to count as better [--min-gain-pct]; default 5. */
  minGainPct?: number;
  /** Most configurations measured; an exhaustive search over more is refused [--max-configs]; default 64. */
  maxConfigs?: number;
  /** Rows per request [-b]; default 1. */
  batchSize?: number;
  /** Measurement window, ms [-p]; default 1000. */
  measurementIntervalMs?: number;
  /** Most windows per load level [-r]; default 5. */
  maxTrials?: number;
  /** Allowed spread of the last 3 windows, percent [-s]; default 10. */
  stabilityPercentage?: number;
  /** 'zero', 'random' or a perf_analyzer JSON file [--input-data]; default 'random'. */
  inputData?: string;
  /** Shapes (no batch dim) of inputs with variable dims [--shape]; default none. */
  shapes?: Record<string, number[]>;
  /** Extra request headers / gRPC metadata [-H]; default none. */
  headers?: Record<string, string>;
  /** Length of random BYTES elements [--string-length]; default 128. */
  stringLength?: number;
  /** Most load worker threads [--max-threads]; default the number of cores. */
  maxThreads?: number;
  /** JSON export of the run [--json]; default none. */
  jsonFile?: string;
  /** CSV table, one row per configuration [-f]; default none. */
  csvFile?: string;
  /** Self-contained HTML report with charts [--report]; default none. */
  reportFile?: string;
  /** Write the recommended config.pbtxt to this file [--output-config]; default none. */
  outputConfigFile?: string;
  /** Write the winner into the repository's config.pbtxt, keeping a backup [--write-config]; default false. */
  writeConfig?: boolean;
}

/** Validated, defaulted options; `null` dimensions are derived from the model. */
export interface ResolvedTuneOptions {
  readonly model: string;
  readonly url: string | null;
  readonly protocol: 'http' | 'grpc';
  readonly modelRepositories: readonly string[];
  readonly serverArgs: readonly string[];
  readonly serverEntry: string | null;
  readonly metricsUrl: string | null;
  readonly cores: number;
  readonly search: 'quick' | 'exhaustive';
  readonly objective: 'throughput' | 'latency';
  readonly latencyBudgetMs: number | null;
  readonly percentile: number;
  readonly minThroughput: number;
  readonly memoryBudgetMb: number | null;
  readonly instances: readonly number[] | null;
  readonly dynamicBatching: readonly boolean[] | null;
  readonly maxBatchSizes: readonly number[] | null;
  readonly maxQueueDelaysUs: readonly number[] | null;
  readonly preferredBatchSizes: readonly (readonly number[])[] | null;
  readonly intraOpThreads: readonly number[] | null;
  /** Load mode of every measurement. */
  readonly loadMode: 'concurrency' | 'request_rate';
  /** Load levels in order, or null for the default doubling concurrency sweep. */
  readonly loadLevels: readonly number[] | null;
  readonly minGainPct: number;
  readonly maxConfigs: number;
  readonly batchSize: number;
  readonly measurementIntervalMs: number;
  readonly maxTrials: number;
  readonly stabilityPercentage: number;
  readonly inputData: string;
  readonly shapes: Readonly<Record<string, number[]>>;
  readonly headers: Readonly<Record<string, string>>;
  readonly stringLength: number;
  readonly maxThreads: number | null;
  readonly jsonFile: string | null;
  readonly csvFile: string | null;
  readonly reportFile: string | null;
  readonly outputConfigFile: string | null;
  readonly writeConfig: boolean;
}

function optionError(message: string): Error {
  return invalidArg('ERR_TUNE_OPTION', message);
}

function integerAtLeast(name: string, value: number | undefined, def: number, min: number): number {
  const v = value ?? def;
  if (!Number.isSafeInteger(v) || v < min)
    throw optionError(`Option ${name} must be an integer >= ${min}: received ${v}`);
  return v;
}

function numberAtLeast(name: string, value: number | undefined, def: number, min: number): number {
  const v = value ?? def;
  if (!Number.isFinite(v) || v < min)
    throw optionError(`Option ${name} must be a number >= ${min}: received ${v}`);
  return v;
}

function positiveOrNull(name: string, value: number | undefined): number | null {
  if (value === undefined) return null;
  if (!Number.isFinite(value) || value <= 0)
    throw optionError(`Option ${name} must be > 0: received ${value}`);
  return value;
}

/** A frozen, de-duplicated copy of a list of integers >= `min`, or null when absent. */
function integerList(
  name: string,
  list: readonly number[] | undefined,
  min: number,
): readonly number[] | null {
  if (list === undefined) return null;
  if (list.length === 0 || list.some((n) => !Number.isSafeInteger(n) || n < min))
    throw optionError(`Option ${name} must list integers >= ${min}: received [${list.join(', ')}]`);
  return Object.freeze([...new Set(list)]);
}

function preferredLists(list: TuneOptions['preferredBatchSizes']): readonly (readonly number[])[] | null {
  if (list === undefined) return null;
  if (list.length === 0) throw optionError('Option preferred-batch-sizes must list at least one setting');
  const seen = new Map<string, readonly number[]>();
  for (const sizes of list) {
    if (sizes.some((n) => !Number.isSafeInteger(n) || n < 1))
      throw optionError(
        `Option preferred-batch-sizes must list integers >= 1: received [${sizes.join(', ')}]`,
      );
    const sorted = Object.freeze([...new Set(sizes)].sort((a, b) => a - b));
    seen.set(sorted.join(','), sorted);
  }
  return Object.freeze([...seen.values()]);
}

function loadLevels(options: TuneOptions): { mode: 'concurrency' | 'request_rate'; levels: number[] | null } {
  if (options.concurrency !== undefined && options.requestRates !== undefined)
    throw optionError('Options concurrency and request-rate cannot be used together');
  if (options.requestRates !== undefined) {
    const rates = options.requestRates;
    if (rates.length === 0 || rates.some((r) => !Number.isFinite(r) || r <= 0))
      throw optionError(`Option request-rate must list numbers > 0: received [${rates.join(', ')}]`);
    return { mode: 'request_rate', levels: [...rates] };
  }
  const levels = integerList('concurrency', options.concurrency, 1);
  return { mode: 'concurrency', levels: levels === null ? null : [...levels] };
}

/** Validates and defaults `options`. */
export function resolveTuneOptions(options: TuneOptions): ResolvedTuneOptions {
  if (typeof options.model !== 'string' || options.model === '')
    throw optionError('Option model (-m) is required');
  const protocol = options.protocol ?? 'http';
  if (protocol !== 'http' && protocol !== 'grpc')
    throw optionError(`Option protocol (-i) must be http or grpc: received '${String(protocol)}'`);
  const repositories = [...(options.modelRepositories ?? [])];
  const url = options.url ?? null;
  if (url === null && repositories.length === 0) {
    throw optionError(
      'Give a running server in explicit model-control mode (-u HOST:PORT) or a model repository for tune to serve (--model-repository DIR)',
    );
  }
  if (options.writeConfig === true && repositories.length === 0)
    throw optionError(
      'Option write-config needs --model-repository: the repository whose config.pbtxt is rewritten',
    );
  const search = options.search ?? 'quick';
  if (search !== 'quick' && search !== 'exhaustive')
    throw optionError(`Option search must be quick or exhaustive: received '${String(search)}'`);
  const objective = options.objective ?? 'throughput';
  if (objective !== 'throughput' && objective !== 'latency')
    throw optionError(`Option objective must be throughput or latency: received '${String(objective)}'`);
  const percentile = options.percentile ?? 99;
  if (!Number.isFinite(percentile) || percentile <= 0 || percentile >= 100)
    throw optionError(`Option percentile must be in (0, 100): received ${percentile}`);
  const load = loadLevels(options);
  if (objective === 'latency' && load.levels?.length !== 1) {
    throw optionError(
      'Option objective latency measures every configuration at one load: give exactly one --concurrency or --request-rate level',
    );
  }
  const dynamicBatching =
    options.dynamicBatching === undefined ? null : [...new Set(options.dynamicBatching)];
  if (dynamicBatching !== null && dynamicBatching.length === 0)
    throw optionError('Option dynamic-batching must list on, off or both');
  return Object.freeze({
    model: options.model,
    url,
    protocol,
    modelRepositories: Object.freeze(repositories),
    serverArgs: Object.freeze([...(options.serverArgs ?? [])]),
    serverEntry: options.serverEntry ?? null,
    metricsUrl: options.metricsUrl ?? null,
    cores: integerAtLeast('cores', options.cores, availableParallelism(), 1),
    search,
    objective,
    latencyBudgetMs: positiveOrNull('latency-budget-ms', options.latencyBudgetMs),
    percentile,
    minThroughput: numberAtLeast('min-throughput', options.minThroughput, 0, 0),
    memoryBudgetMb: positiveOrNull('memory-budget-mb', options.memoryBudgetMb),
    instances: integerList('instances', options.instances, 1),
    dynamicBatching: dynamicBatching === null ? null : Object.freeze(dynamicBatching),
    maxBatchSizes: integerList('max-batch-sizes', options.maxBatchSizes, 1),
    maxQueueDelaysUs: integerList('max-queue-delays-us', options.maxQueueDelaysUs, 0),
    preferredBatchSizes: preferredLists(options.preferredBatchSizes),
    intraOpThreads: integerList('intra-op-threads', options.intraOpThreads, 0),
    loadMode: load.mode,
    loadLevels: load.levels === null ? null : Object.freeze(load.levels),
    minGainPct: numberAtLeast('min-gain-pct', options.minGainPct, 5, 0),
    maxConfigs: integerAtLeast('max-configs', options.maxConfigs, 64, 1),
    batchSize: integerAtLeast('batch-size', options.batchSize, 1, 1),
    measurementIntervalMs: integerAtLeast('measurement-interval', options.measurementIntervalMs, 1000, 10),
    maxTrials: integerAtLeast('max-trials', options.maxTrials, 5, 3),
    stabilityPercentage: positiveOrNull('stability-percentage', options.stabilityPercentage ?? 10)!,
    inputData: options.inputData ?? 'random',
    shapes: Object.freeze({ ...options.shapes }),
    headers: Object.freeze({ ...options.headers }),
    stringLength: integerAtLeast('string-length', options.stringLength, 128, 0),
    maxThreads:
      options.maxThreads === undefined ? null : integerAtLeast('max-threads', options.maxThreads, 1, 1),
    jsonFile: options.jsonFile ?? null,
    csvFile: options.csvFile ?? null,
    reportFile: options.reportFile ?? null,
    outputConfigFile: options.outputConfigFile ?? null,
    writeConfig: options.writeConfig === true,
  });
}
