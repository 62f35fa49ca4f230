/**
 * The one place a model version's outcomes are reported (Triton's MetricModelReporter): created
 * with the version at load, it applies each outcome to the version's statistics (the statistics
 * extension) and to the metrics observer (Prometheus) together, so schedulers call it once per
 * outcome and never touch ModelStatistics or the observer themselves. Main thread only.
 */
import type { ExecutionTiming } from '../backends/index.js';
import type { Clock } from '../common/index.js';
import type { RequestTiming } from './inference-request.js';
import { ModelStatistics } from './model-statistics.js';
import type { FailureReason, RequestObserver } from './request-observer.js';

/** What a reporter is created with. */
export interface ModelReporterOptions {
  /** Model name (the metrics' `model` label). */
  readonly modelName: string;
  /** Version as a decimal string (the metrics' `version` label). */
  readonly versionString: string;
  /** Time source of `last_inference` (its wall clock). */
  readonly clock: Clock;
  /** Metrics hook, or null when metrics are off; default null. */
  readonly observer?: RequestObserver | null;
}

/** Reports the outcomes of one model version to its statistics and to the metrics. */
export class ModelReporter {
  /** Model name. */
  readonly modelName: string;
  /** Version as a decimal string. */
  readonly versionString: string;
  /** The version's statistics (read by `GET /v2/models/{m}/stats`). */
  readonly stats: ModelStatistics;
  private readonly observer: RequestObserver | null;
  private readonly clock: Clock;

  constructor(options: ModelReporterOptions) {
    this.modelName = options.modelName;
    this.versionString = options.versionString;
    this.stats = new ModelStatistics();
    this.observer = options.observer ?? null;
    this.clock = options.clock;
  }

  /** One model execution of `rows` rows took `timing`. */
  executed(rows: number, timing: ExecutionTiming): void {
    this.stats.recordExecution(rows, timing);
    this.observer?.onExecution(this.modelName, this.versionString, rows);
  }

  /**
   * One execution of `rows` rows that ran as other models' executions (an ensemble's steps): it
   * counts in the execution and inference counts only, as in Triton, never in the batch stats or
   * the metrics' execution count (the steps' own models report those).
   */
  composed(rows: number): void {
    this.stats.countExecution(rows);
  }

  /** A request that ran succeeded with `timing` (its final response). */
  succeeded(timing: RequestTiming): void {
    this.stats.recordSuccess(timing, this.clock.wallMs());
    this.observer?.onSuccess(this.modelName, this.versionString, timing, false);
  }

  /** A request was answered from the response cache with `timing`, after a `lookupNs` lookup. */
  cacheHit(timing: RequestTiming, lookupNs: number): void {
    this.stats.recordCacheHit(timing, lookupNs, this.clock.wallMs());
    this.observer?.onCacheLookup?.(this.modelName, this.versionString, true, lookupNs);
    this.observer?.onSuccess(this.modelName, this.versionString, timing, true);
  }

  /** A request missed the response cache: `ns` of lookup plus insert time. */
  cacheMiss(ns: number): void {
    this.stats.recordCacheMiss(ns);
    this.observer?.onCacheLookup?.(this.modelName, this.versionString, false, ns);
  }

  /** A request failed for `reason`, `totalNs` after it arrived: it counts in the `fail` statistics. */
  failed(reason: FailureReason, totalNs: number): void {
    this.stats.recordFailure(totalNs, this.clock.wallMs());
    this.observer?.onFailure(this.modelName, this.versionString, reason, totalNs);
  }

  /**
   * A request was cancelled `totalNs` after it arrived, before it produced an answer: it counts
   * as cancelled, not in the `fail` statistics (Triton's CANCELED failure metric only).
   */
  cancelled(totalNs: number): void {
    this.stats.cancelCount++;
    this.observer?.onFailure(this.modelName, this.versionString, 'CANCELED', totalNs);
  }

  /** A generation request's first token came `ttftNs` after it arrived, from `promptTokens` tokens. */
  firstToken(promptTokens: number, ttftNs: number): void {
    this.observer?.onFirstToken?.(this.modelName, this.versionString, promptTokens, ttftNs);
  }

  /** A generation request produced `tokens` more tokens, `intervalNs` after its previous ones. */
  nextTokens(tokens: number, intervalNs: number): void {
    this.observer?.onNextTokens?.(this.modelName, this.versionString, tokens, intervalNs);
  }

  /** A generation request ended `e2eNs` after it arrived (any outcome). */
  generationEnded(e2eNs: number): void {
    this.observer?.onGenerationEnd?.(this.modelName, this.versionString, e2eNs);
  }
}
