/**
 * What the dashboard's event stream carries: the models table (a row per model version with its
 * state and serving settings) and, once a second, a frame of per-model and server-wide figures.
 * `modelWindow` turns two readings of Triton's statistics extension into the figures of the
 * window between them, `llmWindow` two readings of a generation model's token totals; this file
 * does no I/O and keeps no state.
 */

import type { GenerationLoad, ModelStatisticsJson, RepositoryIndexEntry } from '../../core/index.js';
import type { ModelConfig } from '../../protocol/index.js';

/** How a model schedules its requests, as the table shows it. */
export interface BatchingSummary {
  /** `dynamic`, `sequence`, `ensemble` or `none` (each request runs alone). */
  kind: 'dynamic' | 'sequence' | 'ensemble' | 'none';
  /** Largest batch the model takes (`max_batch_size`); 0 = no batch dimension. */
  maxBatchSize: number;
  /** `dynamic_batching.max_queue_delay_microseconds`, or null when not dynamic. */
  maxQueueDelayUs: number | null;
  /** `dynamic_batching.preferred_batch_size`, empty when not set. */
  preferredBatchSizes: number[];
}

/** One row of the models table. */
export interface ModelRow {
  /** Model name (rendered as text only). */
  name: string;
  /** Version, or '' for a model with no serving version. */
  version: string;
  /** READY, LOADING, UNLOADING, UNAVAILABLE or UNKNOWN. */
  state: string;
  /** Why the model is in that state ('' when READY). */
  reason: string;
  /** `platform` of the config, or null when the model is not loaded. */
  platform: string | null;
  /** `backend` of the config, or null when the model is not loaded. */
  backend: string | null;
  /** Instances over all instance groups, or null when the model is not loaded. */
  instances: number | null;
  /** Scheduling settings, or null when the model is not loaded. */
  batching: BatchingSummary | null;
  /** Whether `response_cache.enable` is set, or null when the model is not loaded. */
  cache: boolean | null;
}

/**
 * LLM figures of a generation model (one whose scheduler reports a generation load). The token
 * figures come from the `nereid_llm_*` totals, so they are null when metrics are off.
 */
export interface LlmFigures {
  /** Output tokens generated per second over the window, or null without metrics. */
  tokensPerS: number | null;
  /** Mean time to first token of the window's requests in ms, or null without first tokens (or metrics). */
  timeToFirstTokenMs: number | null;
  /** Mean time between consecutive output tokens over the window in ms, or null without any (or metrics). */
  interTokenLatencyMs: number | null;
  /** Sequences decoding now. */
  runningSequences: number;
  /** Sequences waiting for a slot now. */
  waitingSequences: number;
}

/**
 * Running totals of a generation model's tokens since the server started (the counter and the
 * histogram sums and counts behind `nereid_llm_generation_tokens_total`,
 * `nereid_llm_time_to_first_token_seconds` and `nereid_llm_time_per_output_token_seconds`).
 */
export interface GenerationTotals {
  /** Output tokens generated. */
  outputTokens: number;
  /** First tokens observed (one per request that produced a token). */
  firstTokens: number;
  /** Summed time to first token of those requests in seconds. */
  firstTokenSeconds: number;
  /** Gaps between consecutive output tokens observed. */
  tokenGaps: number;
  /** Summed length of those gaps in seconds. */
  tokenGapSeconds: number;
}

/** Figures of one model version over one window. */
export interface ModelFigures {
  /** Model name. */
  name: string;
  /** Version as a decimal string. */
  version: string;
  /** Successful requests per second. */
  successPerS: number;
  /** Failed requests per second. */
  failuresPerS: number;
  /** Inferences (rows) executed per second, cache hits excluded. */
  inferencesPerS: number;
  /** Model executions (batches) per second. */
  executionsPerS: number;
  /** Mean end-to-end server time of the window's successful requests in µs, or null without any. */
  latencyAvgUs: number | null;
  /** Median request duration in µs, from the latency histogram; null without metrics or requests. */
  latencyP50Us: number | null;
  /** 99th percentile request duration in µs, as latencyP50Us. */
  latencyP99Us: number | null;
  /** Mean queue time per successful request in µs, or null without any. */
  queueUs: number | null;
  /** Mean compute-input time per executed request in µs, or null. */
  computeInputUs: number | null;
  /** Mean compute-infer time per executed request in µs, or null. */
  computeInferUs: number | null;
  /** Mean compute-output time per executed request in µs, or null. */
  computeOutputUs: number | null;
  /** Executions of the window by batch size: `[size, count]` pairs, ascending size. */
  batches: [number, number][];
  /** Execution time over the window divided by window time × instances (0..1), or null when unknown. */
  busyFraction: number | null;
  /** Cache hits / lookups of the window, or null without lookups. */
  cacheHitRatio: number | null;
  /** Requests waiting in the scheduler now. */
  pending: number;
  /** Requests executing now. */
  executing: number;
  /** LLM figures; absent for models that do not generate (see LlmFigures). */
  llm?: LlmFigures;
}

/** Server-wide figures of one window. */
export interface ServerFigures {
  /** Wall-clock time of the frame in ms since the epoch. */
  timeMs: number;
  /** Length of the window in ms. */
  windowMs: number;
  /** Process CPU time over the window as a fraction of one core (may exceed 1 with worker threads). */
  cpuCores: number;
  /** Logical cores of the machine. */
  cores: number;
  /** Resident set size in bytes. */
  rssBytes: number;
  /** V8 heap used by the main thread in bytes. */
  heapUsedBytes: number;
  /** Main-thread event-loop delay over the window: mean, p99 and max in ms. */
  eventLoopDelayMs: { mean: number; p99: number; max: number };
  /** Open HTTP connections. */
  connections: number;
  /** Requests accepted by the schedulers and not yet answered (pending plus executing). */
  inflight: number;
  /** Open dashboard streams. */
  subscribers: number;
}

/** The once-a-second event. */
export interface DashboardFrame {
  /** Server-wide figures. */
  server: ServerFigures;
  /** Per model version, in the statistics' order (by name, then version). */
  models: ModelFigures[];
}

/** The models event: sent when a page connects and whenever a row changes. */
export interface ModelsEvent {
  /** Server id (`--id`). */
  serverId: string;
  /** Nereid's version. */
  serverVersion: string;
  /** Rows by name, then version. */
  models: ModelRow[];
}

/** The table row of a repository index entry, with its config when the model is loaded. */
export function modelRow(entry: RepositoryIndexEntry, config: ModelConfig | null): ModelRow {
  const row: ModelRow = {
    name: entry.name,
    version: entry.version ?? '',
    state: entry.state,
    reason: entry.reason,
    platform: null,
    backend: null,
    instances: null,
    batching: null,
    cache: null,
  };
  if (config === null) return row;
  row.platform = config.platform;
  row.backend = config.backend;
  row.instances = config.instance_group.reduce((n, g) => n + g.count, 0);
  const dynamic = config.dynamic_batching;
  row.batching = {
    kind:
      dynamic !== undefined
        ? 'dynamic'
        : config.sequence_batching !== undefined
          ? 'sequence'
          : config.ensemble_scheduling !== undefined
            ? 'ensemble'
            : 'none',
    maxBatchSize: config.max_batch_size,
    maxQueueDelayUs: dynamic === undefined ? null : dynamic.max_queue_delay_microseconds,
    preferredBatchSizes: dynamic === undefined ? [] : [...dynamic.preferred_batch_size],
  };
  row.cache = config.response_cache.enable;
  return row;
}

/** The part of a reading that windows are computed from (the statistics extension's JSON). */
type Reading = Pick<
  ModelStatisticsJson,
  'name' | 'version' | 'inference_count' | 'execution_count' | 'inference_stats' | 'batch_stats'
>;

/** Mean in µs of a `{count, ns}` delta, or null when nothing was counted. */
function meanUs(countDelta: number, nsDelta: number): number | null {
  return countDelta > 0 ? nsDelta / countDelta / 1000 : null;
}

/**
 * The figures of the window between `prev` and `cur` (same model version), `windowNs` long, for
 * a model with `instances` instances (null when unknown). Without `prev`, or when the counters
 * went down (the version was reloaded), the window starts from zero. Latency percentiles and the
 * queue gauges are the caller's (left null and 0).
 */
export function modelWindow(
  prev: Reading | undefined,
  cur: Reading,
  windowNs: number,
  instances: number | null,
): ModelFigures {
  const c = cur.inference_stats;
  const p =
    prev !== undefined &&
    prev.execution_count <= cur.execution_count &&
    prev.inference_stats.success.count <= c.success.count &&
    prev.inference_stats.fail.count <= c.fail.count
      ? prev
      : undefined;
  const ps = p?.inference_stats;
  const seconds = windowNs / 1e9;
  const d = (key: keyof Reading['inference_stats'], field: 'count' | 'ns') =>
    c[key][field] - (ps === undefined ? 0 : ps[key][field]);
  const rate = (n: number) => (seconds > 0 ? n / seconds : 0);
  const prevBatches = new Map<number, Reading['batch_stats'][number]>();
  for (const b of p?.batch_stats ?? []) prevBatches.set(b.batch_size, b);
  const batches: [number, number][] = [];
  let executionNs = 0;
  for (const b of cur.batch_stats) {
    const before = prevBatches.get(b.batch_size);
    const count = b.compute_infer.count - (before?.compute_infer.count ?? 0);
    if (count > 0) batches.push([b.batch_size, count]);
    executionNs +=
      b.compute_input.ns +
      b.compute_infer.ns +
      b.compute_output.ns -
      (before === undefined
        ? 0
        : before.compute_input.ns + before.compute_infer.ns + before.compute_output.ns);
  }
  const hits = d('cache_hit', 'count');
  const lookups = hits + d('cache_miss', 'count');
  return {
    name: cur.name,
    version: cur.version,
    successPerS: rate(d('success', 'count')),
    failuresPerS: rate(d('fail', 'count')),
    inferencesPerS: rate(cur.inference_count - (p?.inference_count ?? 0)),
    executionsPerS: rate(cur.execution_count - (p?.execution_count ?? 0)),
    latencyAvgUs: meanUs(d('success', 'count'), d('success', 'ns')),
    latencyP50Us: null,
    latencyP99Us: null,
    queueUs: meanUs(d('queue', 'count'), d('queue', 'ns')),
    computeInputUs: meanUs(d('compute_input', 'count'), d('compute_input', 'ns')),
    computeInferUs: meanUs(d('compute_infer', 'count'), d('compute_infer', 'ns')),
    computeOutputUs: meanUs(d('compute_output', 'count'), d('compute_output', 'ns')),
    batches,
    busyFraction:
      instances === null || instances <= 0 || windowNs <= 0
        ? null
        : Math.min(1, executionNs / (windowNs * instances)),
    cacheHitRatio: lookups > 0 ? hits / lookups : null,
    pending: 0,
    executing: 0,
  };
}

/**
 * The LLM figures of the window between `prev` and `cur` token totals, `windowNs` long, with the
 * scheduler's `load` now. `cur` null (metrics off) leaves the token figures null. Without `prev`,
 * or when a total went down (the version was reloaded), the window starts from zero.
 */
export function llmWindow(
  prev: GenerationTotals | undefined,
  cur: GenerationTotals | null,
  windowNs: number,
  load: GenerationLoad,
): LlmFigures {
  const figures: LlmFigures = {
    tokensPerS: null,
    timeToFirstTokenMs: null,
    interTokenLatencyMs: null,
    runningSequences: load.running,
    waitingSequences: load.waiting,
  };
  if (cur === null) return figures;
  const p =
    prev !== undefined &&
    prev.outputTokens <= cur.outputTokens &&
    prev.firstTokens <= cur.firstTokens &&
    prev.tokenGaps <= cur.tokenGaps
      ? prev
      : undefined;
  const firstTokens = cur.firstTokens - (p?.firstTokens ?? 0);
  const tokenGaps = cur.tokenGaps - (p?.tokenGaps ?? 0);
  figures.tokensPerS = windowNs > 0 ? (cur.outputTokens - (p?.outputTokens ?? 0)) / (windowNs / 1e9) : 0;
  if (firstTokens > 0) {
    figures.timeToFirstTokenMs = ((cur.firstTokenSeconds - (p?.firstTokenSeconds ?? 0)) / firstTokens) * 1000;
  }
  if (tokenGaps > 0) {
    figures.interTokenLatencyMs = ((cur.tokenGapSeconds - (p?.tokenGapSeconds ?? 0)) / tokenGaps) * 1000;
  }
  return figures;
}
