/**
 * Triton's statistics extension for one model version: request counters and durations, per
 * batch-size execution stats, and the JSON shape of `GET /v2/models/{m}/stats`. Updated only on
 * the main thread, so counts are exact under any concurrency. Written only through the version's
 * ModelReporter, which reports the same outcomes to the metrics.
 */
import type { ExecutionTiming } from '../backends/index.js';
import type { RequestTiming } from './inference-request.js';

/** A `{count, ns}` pair. */
export interface Duration {
  count: number;
  ns: number;
}

function duration(): Duration {
  return { count: 0, ns: 0 };
}

/** Per-batch-size execution statistics. */
interface BatchStat {
  batchSize: number;
  computeInput: Duration;
  computeInfer: Duration;
  computeOutput: Duration;
}

/** JSON form of one model's statistics (Triton's `model_stats[]` entry). */
export interface ModelStatisticsJson {
  name: string;
  version: string;
  last_inference: number;
  inference_count: number;
  execution_count: number;
  inference_stats: Record<
    | 'success'
    | 'fail'
    | 'queue'
    | 'compute_input'
    | 'compute_infer'
    | 'compute_output'
    | 'cache_hit'
    | 'cache_miss',
    Duration
  >;
  response_stats: Record<string, unknown>;
  batch_stats: {
    batch_size: number;
    compute_input: Duration;
    compute_infer: Duration;
    compute_output: Duration;
  }[];
  memory_usage: { type: string; id: number; byte_size: number }[];
}

/** Counters of one model version. */
export class ModelStatistics {
  /** Wall-clock ms of the last inference (0 = never). */
  lastInferenceMs = 0;
  /** Inferences (rows) executed, excluding cache hits. */
  inferenceCount = 0;
  /** Model executions (batches), excluding cache hits. */
  executionCount = 0;
  /** Successful requests and their total time. */
  readonly success = duration();
  /** Failed requests and their total time. */
  readonly fail = duration();
  /** Queue time of successful requests. */
  readonly queue = duration();
  /** Compute-input time per successful request. */
  readonly computeInput = duration();
  /** Compute-infer time per successful request. */
  readonly computeInfer = duration();
  /** Compute-output time per successful request. */
  readonly computeOutput = duration();
  /** Cache hits and their lookup time. */
  readonly cacheHit = duration();
  /** Cache misses and their lookup + insert time. */
  readonly cacheMiss = duration();
  /** Requests cancelled before they ran. */
  cancelCount = 0;
  private readonly batchStats = new Map<number, BatchStat>();

  /** Records one successful request that ran with `timing`, ended at wall-clock `wallMs`. */
  recordSuccess(timing: RequestTiming, wallMs: number): void {
    add(this.success, timing.totalNs);
    add(this.queue, timing.queueNs);
    add(this.computeInput, timing.computeInputNs);
    add(this.computeInfer, timing.computeInferNs);
    add(this.computeOutput, timing.computeOutputNs);
    this.lastInferenceMs = wallMs;
  }

  /** Records one failed request. */
  recordFailure(totalNs: number, wallMs: number): void {
    add(this.fail, totalNs);
    this.lastInferenceMs = wallMs;
  }

  /**
   * Records one request answered from the response cache: it counts in success, queue and
   * cache_hit (its lookup time), never in compute_* or the inference/execution counts.
   */
  recordCacheHit(timing: RequestTiming, lookupNs: number, wallMs: number): void {
    add(this.success, timing.totalNs);
    add(this.queue, timing.queueNs);
    add(this.cacheHit, lookupNs);
    this.lastInferenceMs = wallMs;
  }

  /** Records one cache miss: its lookup plus insert time. */
  recordCacheMiss(ns: number): void {
    add(this.cacheMiss, ns);
  }

  /** Records one model execution of `batchSize` rows that took `timing`. */
  recordExecution(batchSize: number, timing: ExecutionTiming): void {
    this.countExecution(batchSize);
    let stat = this.batchStats.get(batchSize);
    if (stat === undefined) {
      stat = { batchSize, computeInput: duration(), computeInfer: duration(), computeOutput: duration() };
      this.batchStats.set(batchSize, stat);
    }
    add(stat.computeInput, timing.computeInputNs);
    add(stat.computeInfer, timing.computeInferNs);
    add(stat.computeOutput, timing.computeOutputNs);
  }

  /** Counts one execution of `rows` rows in the execution and inference counts only. */
  countExecution(rows: number): void {
    this.executionCount++;
    this.inferenceCount += rows;
  }

  /** Triton's JSON form. */
  toJson(name: string, version: string): ModelStatisticsJson {
    const batches = [...this.batchStats.values()].sort((a, b) => a.batchSize - b.batchSize);
    return {
      name,
      version,
      last_inference: this.lastInferenceMs,
      inference_count: this.inferenceCount,
      execution_count: this.executionCount,
      inference_stats: {
        success: { ...this.success },
        fail: { ...this.fail },
        queue: { ...this.queue },
        compute_input: { ...this.computeInput },
        compute_infer: { ...this.computeInfer },
        compute_output: { ...this.computeOutput },
        cache_hit: { ...this.cacheHit },
        cache_miss: { ...this.cacheMiss },
      },
      response_stats: {},
      batch_stats: batches.map((b) => ({
        batch_size: b.batchSize,
        compute_input: { ...b.computeInput },
        compute_infer: { ...b.computeInfer },
        compute_output: { ...b.computeOutput },
      })),
      memory_usage: [],
    };
  }
}

function add(d: Duration, ns: number): void {
  d.count++;
  d.ns += ns > 0 ? Math.round(ns) : 0;
}
