/**
 * The running totals of one model version: Triton's per-model counters, the pending gauge and
 * Nereid's histograms, as plain fields on one object so the request path only adds numbers.
 * Durations are kept in nanoseconds and converted when rendered. It neither decides what to
 * count (PrometheusObserver) nor renders text (SeriesMetric).
 */
import type { FailureReason, ModelPendingCount } from '../../core/index.js';
import {
  BATCH_SIZE_BUCKETS,
  BucketCounts,
  FIRST_RESPONSE_BUCKETS_MS,
  LATENCY_BUCKETS_S,
  LLM_LATENCY_BUCKETS_S,
} from './bucket-counts.js';

/** Triton's failure reasons in label order; every one is rendered, zero or not. */
export const FAILURE_REASONS: readonly FailureReason[] = Object.freeze([
  'REJECTED',
  'CANCELED',
  'BACKEND',
  'OTHER',
]);

/** Index of a failure reason in `ModelSeries.failures`. */
export function failureIndex(reason: FailureReason): number {
  switch (reason) {
    case 'REJECTED':
      return 0;
    case 'CANCELED':
      return 1;
    case 'BACKEND':
      return 2;
    default:
      return 3;
  }
}

/** Label set `{model, version}` as rendered. */
export interface ModelLabels {
  /** Model name. */
  readonly model: string;
  /** Version as a decimal string. */
  readonly version: string;
}

/** Totals of one model version since the server started. */
export class ModelSeries {
  /** `{model, version}` labels, built once. */
  readonly labels: ModelLabels;
  /** `{model, reason, version}` labels per FAILURE_REASONS entry (Triton's alphabetical order). */
  readonly failureLabels: readonly { model: string; reason: string; version: string }[];
  /** Successful requests (cache hits included). */
  success!: number;
  /** Failed requests per reason, indexed like FAILURE_REASONS. */
  readonly failures: Float64Array;
  /** Inferences: rows executed (cache hits excluded). */
  inferenceCount!: number;
  /** Model executions (cache hits excluded). */
  execCount!: number;
  /** Requests waiting in the scheduler, as of the last scrape. */
  pending!: number;
  /** Requests waiting in or executing from the scheduler, as of the last scrape. */
  inflight!: number;
  /** Summed end-to-end time of successful requests, ns. */
  requestNs!: number;
  /** Summed queue time of successful requests, ns. */
  queueNs!: number;
  /** Summed compute-input time of executed successful requests, ns. */
  computeInputNs!: number;
  /** Summed compute-infer time of executed successful requests, ns. */
  computeInferNs!: number;
  /** Summed compute-output time of executed successful requests, ns. */
  computeOutputNs!: number;
  /** Response-cache hits. */
  cacheHits!: number;
  /** Response-cache misses. */
  cacheMisses!: number;
  /** Summed lookup time of cache hits, ns. */
  cacheHitNs!: number;
  /** Summed lookup + insert time of cache misses, ns. */
  cacheMissNs!: number;
  /** End-to-end seconds of successful requests. */
  readonly requestSeconds: BucketCounts;
  /** Queue seconds of successful requests. */
  readonly queueSeconds: BucketCounts;
  /** Compute-infer seconds of executed successful requests. */
  readonly computeInferSeconds: BucketCounts;
  /** Milliseconds from arrival to the first response. */
  readonly firstResponseMs: BucketCounts;
  /** Rows per execution. */
  readonly batchSize: BucketCounts;
  /** Whether the version is a generation (LLM) model: the `nereid_llm_*` families render it. */
  isGeneration!: boolean;
  /** Prompt tokens of generation requests (counted at their first token). */
  promptTokens!: number;
  /** Tokens generated. */
  generationTokens!: number;
  /** Generation requests decoding now / waiting for a slot, as of the last scrape. */
  llmRunning!: number;
  llmWaiting!: number;
  /** Sequence slots in use and in all, as of the last scrape. */
  slotsUsed!: number;
  slotsTotal!: number;
  /** Seconds from a generation request's arrival to its first token. */
  readonly timeToFirstTokenSeconds: BucketCounts;
  /** Seconds between consecutive tokens of a generation request. */
  readonly timePerOutputTokenSeconds: BucketCounts;
  /** Seconds from a generation request's arrival to its end. */
  readonly e2eRequestSeconds: BucketCounts;
  /** Scrape generation in which the server last listed this version (for the pending gauge). */
  seenGeneration: number;

  constructor(model: string, version: string) {
    this.labels = { model, version };
    this.failureLabels = FAILURE_REASONS.map((reason) => ({ model, reason, version }));
    this.failures = new Float64Array(FAILURE_REASONS.length);
    this.requestSeconds = new BucketCounts(LATENCY_BUCKETS_S);
    this.queueSeconds = new BucketCounts(LATENCY_BUCKETS_S);
    this.computeInferSeconds = new BucketCounts(LATENCY_BUCKETS_S);
    this.firstResponseMs = new BucketCounts(FIRST_RESPONSE_BUCKETS_MS);
    this.batchSize = new BucketCounts(BATCH_SIZE_BUCKETS);
    this.timeToFirstTokenSeconds = new BucketCounts(LLM_LATENCY_BUCKETS_S);
    this.timePerOutputTokenSeconds = new BucketCounts(LLM_LATENCY_BUCKETS_S);
    this.e2eRequestSeconds = new BucketCounts(LLM_LATENCY_BUCKETS_S);
    this.isGeneration = false;
    this.seenGeneration = 0;
    // The numeric totals (declared with `!`) start at zero here, so every field is set in the constructor.
    this.reset();
  }

  /** Zeroes every total (prom-client's `registry.resetMetrics()`). */
  reset(): void {
    this.success = 0;
    this.failures.fill(0);
    this.inferenceCount = 0;
    this.execCount = 0;
    this.pending = 0;
    this.inflight = 0;
    this.requestNs = 0;
    this.queueNs = 0;
    this.computeInputNs = 0;
    this.computeInferNs = 0;
    this.computeOutputNs = 0;
    this.cacheHits = 0;
    this.cacheMisses = 0;
    this.cacheHitNs = 0;
    this.cacheMissNs = 0;
    this.requestSeconds.reset();
    this.queueSeconds.reset();
    this.computeInferSeconds.reset();
    this.firstResponseMs.reset();
    this.batchSize.reset();
    this.promptTokens = 0;
    this.generationTokens = 0;
    this.llmRunning = 0;
    this.llmWaiting = 0;
    this.slotsUsed = 0;
    this.slotsTotal = 0;
    this.timeToFirstTokenSeconds.reset();
    this.timePerOutputTokenSeconds.reset();
    this.e2eRequestSeconds.reset();
  }
}

/** The ModelSeries of every model version seen, found by name and version without string joins. */
export class SeriesStore {
  /** Every series, in creation order (what metrics render). */
  readonly all: ModelSeries[] = [];
  private readonly byModel = new Map<string, Map<string, ModelSeries>>();
  private generation = 0;

  /** The series of `model` `version`, created on first use. */
  get(model: string, version: string): ModelSeries {
    let versions = this.byModel.get(model);
    if (versions === undefined) {
      versions = new Map();
      this.byModel.set(model, versions);
    }
    let series = versions.get(version);
    if (series === undefined) {
      series = new ModelSeries(model, version);
      versions.set(version, series);
      this.all.push(series);
    }
    return series;
  }

  /** The series of `model` `version`, or undefined before its first use (nothing is created). */
  find(model: string, version: string): ModelSeries | undefined {
    return this.byModel.get(model)?.get(version);
  }

  /**
   * Records the loaded versions, their queue lengths and generation load: each listed version gets
   * a series (so its zero counters and four failure reasons appear, as Triton pre-creates them),
   * its pending and in-flight counts and LLM gauges; versions no longer listed keep their totals
   * with every gauge at 0.
   */
  sync(rows: readonly ModelPendingCount[]): void {
    const generation = ++this.generation;
    for (const row of rows) {
      const series = this.get(row.model, row.version);
      series.pending = row.pending;
      series.inflight = row.pending + row.executing;
      series.seenGeneration = generation;
      const load = row.generation;
      if (load !== undefined) {
        series.isGeneration = true;
        series.llmRunning = load.running;
        series.llmWaiting = load.waiting;
        series.slotsUsed = load.slotsUsed;
        series.slotsTotal = load.slotsTotal;
      }
    }
    for (const series of this.all) {
      if (series.seenGeneration === generation) continue;
      series.pending = 0;
      series.llmRunning = 0;
      series.llmWaiting = 0;
      series.slotsUsed = 0;
      series.inflight = 0;
    }
  }

  /** Zeroes every series. */
  reset(): void {
    for (const series of this.all) series.reset();
  }
}
