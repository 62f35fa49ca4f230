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
}
