/**
 * The RequestObserver that feeds Prometheus: it applies Triton's counting rules to plain per-model
 * totals on the request path and renders them, with the host gauges and prom-client's process
 * metrics, from its own prom-client Registry (never the global one) when scraped. It serves no
 * HTTP (MetricsFrontend does) and is not created at all when metrics are off.
 */

import { collectDefaultMetrics, Registry } from 'prom-client';
import { invalidArg } from '../../common/index.js';
import type {
  FailureReason,
  ModelPendingCount,
  RequestObserver,
  RequestTiming,
  ResponseCache,
} from '../../core/index.js';
import type { GenerationTotals } from '../dashboard/index.js';
import type { BucketCounts } from './bucket-counts.js';
import { registerCacheMetrics } from './cache-metrics.js';
import { CpuMetrics } from './cpu-metrics.js';
import { failureIndex, type ModelSeries, SeriesStore } from './model-series.js';
import { SeriesMetric, type SeriesMetricOptions } from './series-metric.js';

/** prom-client default metrics whose names break Prometheus' naming rules (gauges ending in `_total`). */
const LINT_FAILING_DEFAULT_METRICS = [
  'nereid_nodejs_active_handles_total',
  'nereid_nodejs_active_requests_total',
  'nereid_nodejs_active_resources_total',
];

/** Options of a PrometheusObserver (tritonserver's flags in brackets). */
export interface PrometheusObserverOptions {
  /** Render the cumulative `nv_inference_*_duration_us` counters [--metrics-config counter_latencies]; default true. */
  counterLatencies?: boolean;
  /** Record the latency histograms [--metrics-config histogram_latencies]; default true (Triton: false). */
  histogramLatencies?: boolean;
  /** Render `nv_cpu_*` host gauges [--allow-cpu-metrics]; default true. */
  cpuMetrics?: boolean;
  /** Refresh period of the host gauges in ms [--metrics-interval-ms]; 0 = only refreshHostMetrics(); default 2000. */
  metricsIntervalMs?: number;
  /** Render prom-client's process and Node.js metrics under the `nereid_` prefix; default true. */
  processMetrics?: boolean;
  /** The response cache [--cache-config]: adds `nv_cache_*` per model and `nereid_cache_*`; default none. */
  cache?: ResponseCache | null;
}

/**
 * Checks the options a PrometheusObserver is created with (its constructor runs this; the CLI
 * runs it before any model loads): `metricsIntervalMs` an integer >= 0.
 * @throws ServerError INVALID_ARG (ERR_BAD_METRICS_OPTION) naming the flag and the received value
 */
export function checkPrometheusObserverOptions(options: PrometheusObserverOptions): void {
  const intervalMs = options.metricsIntervalMs;
  if (intervalMs !== undefined && !(Number.isSafeInteger(intervalMs) && intervalMs >= 0)) {
    throw invalidArg(
      'ERR_BAD_METRICS_OPTION',
      `--metrics-interval-ms must be an integer >= 0: received ${intervalMs}`,
    );
  }
}

/** Collects request metrics and renders them in the Prometheus text format. */
export class PrometheusObserver implements RequestObserver {
  /** The registry every metric of this observer lives in. */
  readonly registry: Registry;
  private readonly store = new SeriesStore();
  private readonly histograms: boolean;
  private readonly cpu: CpuMetrics | null;

  constructor(options: PrometheusObserverOptions = {}) {
    checkPrometheusObserverOptions(options);
    this.registry = new Registry();
    this.histograms = options.histogramLatencies ?? true;
    this.registerRequestMetrics(options.counterLatencies ?? true, options.cache != null);
    if (options.cache != null) registerCacheMetrics(this.registry, options.cache);
    this.cpu = options.cpuMetrics === false ? null : new CpuMetrics(this.registry);
    const intervalMs = options.metricsIntervalMs ?? 2000;
    if (this.cpu !== null && intervalMs > 0) this.cpu.start(intervalMs);
    if (options.processMetrics !== false) {
      collectDefaultMetrics({ register: this.registry, prefix: 'nereid_' });
      // prom-client names these gauges `..._total`, which Prometheus reserves for counters
      // (`promtool check metrics` refuses them); the per-type gauges without the suffix stay.
      for (const name of LINT_FAILING_DEFAULT_METRICS) this.registry.removeSingleMetric(name);
    }
  }

  /** `Content-Type` of rendered metrics (Prometheus text format 0.0.4). */
  get contentType(): string {
    return this.registry.contentType;
  }

  onSuccess(model: string, version: string, timing: RequestTiming, cacheHit: boolean): void {
    const s = this.store.get(model, version);
    s.success++;
    s.requestNs += timing.totalNs;
    s.queueNs += timing.queueNs;
    if (!cacheHit) {
      s.computeInputNs += timing.computeInputNs;
      s.computeInferNs += timing.computeInferNs;
      s.computeOutputNs += timing.computeOutputNs;
    }
    if (!this.histograms) return;
    s.requestSeconds.observe(timing.totalNs / 1e9);
    s.queueSeconds.observe(timing.queueNs / 1e9);
    s.firstResponseMs.observe(timing.totalNs / 1e6);
    if (!cacheHit) s.computeInferSeconds.observe(timing.computeInferNs / 1e9);
  }

  onFailure(model: string, version: string, reason: FailureReason, _totalNs: number): void {
    this.store.get(model, version).failures[failureIndex(reason)]!++;
  }

  onCacheLookup(model: string, version: string, hit: boolean, durationNs: number): void {
    const s = this.store.get(model, version);
    if (hit) {
      s.cacheHits++;
      s.cacheHitNs += durationNs;
    } else {
      s.cacheMisses++;
      s.cacheMissNs += durationNs;
    }
  }

  onFirstToken(model: string, version: string, promptTokens: number, ttftNs: number): void {
    const s = this.store.get(model, version);
    s.isGeneration = true;
    s.promptTokens += promptTokens;
    s.generationTokens++;
    s.timeToFirstTokenSeconds.observe(ttftNs / 1e9);
  }

  onNextTokens(model: string, version: string, tokens: number, intervalNs: number): void {
    const s = this.store.get(model, version);
    s.generationTokens += tokens;
    const perToken = intervalNs / tokens / 1e9;
    for (let i = 0; i < tokens; i++) s.timePerOutputTokenSeconds.observe(perToken);
  }

  onGenerationEnd(model: string, version: string, e2eNs: number): void {
    const s = this.store.get(model, version);
    s.isGeneration = true;
    s.e2eRequestSeconds.observe(e2eNs / 1e9);
  }

  onExecution(model: string, version: string, batchSize: number): void {
    const s = this.store.get(model, version);
    s.execCount++;
    s.inferenceCount += batchSize;
    s.batchSize.observe(batchSize);
  }

  /**
   * Renders every metric. `models` lists the loaded versions with their queue lengths and
   * executing requests (`InferenceServer.pendingCounts()`): they get zero series before their
   * first request, the pending gauge and the in-flight gauge.
   */
  async render(models: readonly ModelPendingCount[] = []): Promise<string> {
    this.store.sync(models);
    return this.registry.metrics();
  }

  /**
   * The end-to-end duration histogram of successful requests of `model` `version` (seconds, the
   * `nereid_request_duration_seconds` series), or null when histograms are off or the version
   * has no series yet. The live object is returned: read it, never change it.
   */
  requestDurationHistogram(model: string, version: string): BucketCounts | null {
    if (!this.histograms) return null;
    return this.store.find(model, version)?.requestSeconds ?? null;
  }

  /**
   * A snapshot of the token totals of generation model `model` `version` (the dashboard's LLM
   * figures): zeros when the version has no series yet. Read once a second, off the token path.
   */
  generationTotals(model: string, version: string): GenerationTotals {
    const s = this.store.find(model, version);
    if (s === undefined) {
      return { outputTokens: 0, firstTokens: 0, firstTokenSeconds: 0, tokenGaps: 0, tokenGapSeconds: 0 };
    }
    return {
      outputTokens: s.generationTokens,
      firstTokens: s.timeToFirstTokenSeconds.count,
      firstTokenSeconds: s.timeToFirstTokenSeconds.sum,
      tokenGaps: s.timePerOutputTokenSeconds.count,
      tokenGapSeconds: s.timePerOutputTokenSeconds.sum,
    };
  }

  /** Samples the host gauges now (the timer does it every `metricsIntervalMs`). */
  refreshHostMetrics(): void {
    this.cpu?.refresh();
  }

  /** Stops the host-gauge timer. */
  close(): void {
    this.cpu?.stop();
  }

  private registerRequestMetrics(counterLatencies: boolean, cache: boolean): void {
    for (const def of REQUEST_METRICS) {
      if (def.group === 'counter-latency' && !counterLatencies) continue;
      if (def.group === 'cache' && !cache) continue;
      if (def.group === 'histogram-latency' && !this.histograms) continue;
      new SeriesMetric(this.store, def).register(this.registry);
    }
  }
}

/** Which switch a metric depends on: none, `counter_latencies`, `histogram_latencies` or a configured cache. */
type MetricGroup = 'always' | 'counter-latency' | 'histogram-latency' | 'cache';

/** Renders a family for generation (LLM) models only. */
function generationOnly(
  def: SeriesMetricOptions & { group: MetricGroup },
): SeriesMetricOptions & { group: MetricGroup } {
  return { ...def, only: isGenerationSeries };
}

function isGenerationSeries(series: ModelSeries): boolean {
  return series.isGeneration;
}

/** The `nereid_llm_*` families of generation models (vLLM's figures under Nereid's names). */
const LLM_METRICS: readonly (SeriesMetricOptions & { group: MetricGroup })[] = [
  histogram(
    'always',
    'nereid_llm_time_to_first_token_seconds',
    "Time from a generation request's arrival to its first output token, in seconds (cache hits excluded)",
    (s) => s.timeToFirstTokenSeconds,
  ),
  histogram(
    'always',
    'nereid_llm_time_per_output_token_seconds',
    'Time between consecutive output tokens of a generation request (inter-token latency), in seconds',
    (s) => s.timePerOutputTokenSeconds,
  ),
  histogram(
    'always',
    'nereid_llm_e2e_request_latency_seconds',
    "Time from a generation request's arrival to its end (any outcome, cache hits excluded), in seconds",
    (s) => s.e2eRequestSeconds,
  ),
  scalar(
    'always',
    'nereid_llm_prompt_tokens_total',
    'counter',
    'Prompt tokens of generation requests that produced a token',
    (s) => s.promptTokens,
  ),
  scalar(
    'always',
    'nereid_llm_generation_tokens_total',
    'counter',
    'Output tokens generated',
    (s) => s.generationTokens,
  ),
  scalar(
    'always',
    'nereid_llm_requests_running',
    'gauge',
    'Generation requests decoding now (each holds a sequence slot)',
    (s) => s.llmRunning,
  ),
  scalar(
    'always',
    'nereid_llm_requests_waiting',
    'gauge',
    'Generation requests waiting in the queue for a sequence slot',
    (s) => s.llmWaiting,
  ),
  scalar(
    'always',
    'nereid_llm_slots_used',
    'gauge',
    'Sequence slots (with their KV cache cells) in use',
    (s) => s.slotsUsed,
  ),
  scalar(
    'always',
    'nereid_llm_slot_usage_ratio',
    'gauge',
    'Share of the sequence slots (and KV cache) in use, 0 to 1',
    (s) => (s.slotsTotal === 0 ? 0 : s.slotsUsed / s.slotsTotal),
  ),
].map(generationOnly);

/** Every request metric, in exposition order. */
const REQUEST_METRICS: readonly (SeriesMetricOptions & { group: MetricGroup })[] = [
  scalar(
    'always',
    'nv_inference_request_success',
    'counter',
    'Number of successful inference requests, all batch sizes',
    (s) => s.success,
  ),
  {
    group: 'always',
    name: 'nv_inference_request_failure',
    type: 'counter',
    help: 'Number of failed inference requests, all batch sizes',
    source: { kind: 'failure' },
  },
  scalar(
    'always',
    'nv_inference_count',
    'counter',
    'Number of inferences performed (does not include cached requests)',
    (s) => s.inferenceCount,
  ),
  scalar(
    'always',
    'nv_inference_exec_count',
    'counter',
    'Number of model executions performed (does not include cached requests)',
    (s) => s.execCount,
  ),
  scalar(
    'always',
    'nv_inference_pending_request_count',
    'gauge',
    'Instantaneous number of pending requests awaiting execution per-model',
    (s) => s.pending,
  ),
  scalar(
    'always',
    'nereid_inference_inflight_requests',
    'gauge',
    'Instantaneous number of requests per-model accepted by the scheduler and not yet answered (pending plus executing)',
    (s) => s.inflight,
  ),
  scalar(
    'counter-latency',
    'nv_inference_request_duration_us',
    'counter',
    'Cumulative inference request duration in microseconds (includes cached requests)',
    (s) => usOf(s.requestNs),
  ),
  scalar(
    'counter-latency',
    'nv_inference_queue_duration_us',
    'counter',
    'Cumulative inference queuing duration in microseconds (includes cached requests)',
    (s) => usOf(s.queueNs),
  ),
  scalar(
    'counter-latency',
    'nv_inference_compute_input_duration_us',
    'counter',
    'Cumulative compute input duration in microseconds (does not include cached requests)',
    (s) => usOf(s.computeInputNs),
  ),
  scalar(
    'counter-latency',
    'nv_inference_compute_infer_duration_us',
    'counter',
    'Cumulative compute inference duration in microseconds (does not include cached requests)',
    (s) => usOf(s.computeInferNs),
  ),
  scalar(
    'counter-latency',
    'nv_inference_compute_output_duration_us',
    'counter',
    'Cumulative inference compute output duration in microseconds (does not include cached requests)',
    (s) => usOf(s.computeOutputNs),
  ),
  scalar(
    'cache',
    'nv_cache_num_hits_per_model',
    'counter',
    'Number of cache hits per model',
    (s) => s.cacheHits,
  ),
  scalar(
    'cache',
    'nv_cache_num_misses_per_model',
    'counter',
    'Number of cache misses per model',
    (s) => s.cacheMisses,
  ),
  scalar(
    'cache',
    'nv_cache_hit_duration_per_model',
    'counter',
    'Total cache hit duration per model, in microseconds',
    (s) => usOf(s.cacheHitNs),
  ),
  scalar(
    'cache',
    'nv_cache_miss_duration_per_model',
    'counter',
    'Total cache miss (insert+lookup) duration per model, in microseconds',
    (s) => usOf(s.cacheMissNs),
  ),
  histogram(
    'histogram-latency',
    'nv_inference_first_response_histogram_ms',
    'Duration from request to first response in milliseconds',
    (s) => s.firstResponseMs,
  ),
  histogram(
    'histogram-latency',
    'nereid_request_duration_seconds',
    'End-to-end duration of successful requests in seconds (includes cached requests)',
    (s) => s.requestSeconds,
  ),
  histogram(
    'histogram-latency',
    'nereid_queue_duration_seconds',
    'Queue duration of successful requests in seconds (includes cached requests)',
    (s) => s.queueSeconds,
  ),
  histogram(
    'histogram-latency',
    'nereid_compute_infer_duration_seconds',
    'Model execution duration of the batch each request ran in, in seconds (does not include cached requests)',
    (s) => s.computeInferSeconds,
  ),
  histogram(
    'always',
    'nereid_batch_size',
    'Rows per model execution (does not include cached requests)',
    (s) => s.batchSize,
  ),
  ...LLM_METRICS,
];

function scalar(
  group: MetricGroup,
  name: string,
  type: 'counter' | 'gauge',
  help: string,
  read: (s: ModelSeries) => number,
): SeriesMetricOptions & { group: MetricGroup } {
  return { group, name, type, help, source: { kind: 'scalar', read } };
}

function histogram(
  group: MetricGroup,
  name: string,
  help: string,
  read: (s: ModelSeries) => BucketCounts,
): SeriesMetricOptions & { group: MetricGroup } {
  return { group, name, type: 'histogram', help, source: { kind: 'histogram', read } };
}

/** Whole microseconds of a nanosecond total (Triton's counters are integer µs). */
function usOf(ns: number): number {
  return Math.floor(ns / 1000);
}
