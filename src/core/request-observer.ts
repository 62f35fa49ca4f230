/**
 * Hook through which metrics (and any other observer) see requests and executions, so the
 * request path calls one method instead of knowing about Prometheus. Null when metrics are off:
 * observability costs nothing then.
 */
import type { RequestTiming } from './inference-request.js';

/** Why a request failed, as Triton's failure metric labels it. */
export type FailureReason = 'REJECTED' | 'CANCELED' | 'BACKEND' | 'OTHER';

/** Sees each request's end and each execution. */
export interface RequestObserver {
  /** A request succeeded (cache hits included, `cacheHit` true). */
  onSuccess(model: string, version: string, timing: RequestTiming, cacheHit: boolean): void;
  /** A request failed. */
  onFailure(model: string, version: string, reason: FailureReason, totalNs: number): void;
  /** One model execution of `batchSize` rows. */
  onExecution(model: string, version: string, batchSize: number): void;
  /**
   * A response-cache lookup of a request: a hit (`durationNs` = lookup time) or a miss
   * (`durationNs` = lookup + insert time, reported when the request ends). Optional.
   */
  onCacheLookup?(model: string, version: string, hit: boolean, durationNs: number): void;
  /**
   * A generation request produced its first token `ttftNs` after it arrived, from a prompt of
   * `promptTokens` tokens. Optional.
   */
  onFirstToken?(model: string, version: string, promptTokens: number, ttftNs: number): void;
  /** A generation request produced `tokens` more tokens, `intervalNs` after its previous ones. Optional. */
  onNextTokens?(model: string, version: string, tokens: number, intervalNs: number): void;
  /** A generation request ended `e2eNs` after it arrived (any outcome, cache hits excluded). Optional. */
  onGenerationEnd?(model: string, version: string, e2eNs: number): void;
}
