/**
 * The sink a cache miss runs behind: it passes every response on to the request's own sink and,
 * when the request has succeeded, stores what it answered (one response, or for a decoupled
 * model the whole ordered stream with its final flag) and records the miss (lookup + insert
 * time). Errors are passed on and nothing is stored. One small object per miss, no closures.
 */
import type { Clock, ServerError } from '../../common/index.js';
import type { InferenceRequest, InferenceResponse, ResponseSink } from '../inference-request.js';
import type { ModelVersion } from '../model-version.js';
import { buildEntry } from './entry-codec.js';
import type { CachedResponse, ResponseCache } from './response-cache.js';

/** What an insert sink needs from the cache step (CachedInference provides it). */
export interface CacheInsertContext {
  /** Where answers are stored. */
  readonly cache: ResponseCache;
  /** Time source for the insert duration. */
  readonly clock: Clock;
}

/** Forwards one request's answer and stores it in the cache on success. */
export class CacheInsertSink implements ResponseSink {
  /** The request's own sink (the frontend's). */
  readonly inner: ResponseSink;
  private readonly flow: CacheInsertContext;
  private readonly mv: ModelVersion;
  private readonly key: string;
  private readonly lookupNs: number;
  /** Responses of a decoupled request so far; null for ordinary models. */
  private responses: CachedResponse[] | null;

  constructor(
    flow: CacheInsertContext,
    inner: ResponseSink,
    mv: ModelVersion,
    key: string,
    lookupNs: number,
  ) {
    this.flow = flow;
    this.inner = inner;
    this.mv = mv;
    this.key = key;
    this.lookupNs = lookupNs;
    this.responses = mv.plan.decoupled ? [] : null;
  }

  onResponse(request: InferenceRequest, response: InferenceResponse | null, final: boolean): void {
    const responses = this.responses;
    if (responses !== null) {
      if (response !== null || final) {
        responses.push({
          outputs: response === null ? null : response.outputs,
          parameters: response === null ? null : response.parameters,
          final,
        });
      }
      if (final) this.store(responses);
    } else if (final && response !== null) {
      this.store([{ outputs: response.outputs, parameters: response.parameters, final: true }]);
    }
    this.inner.onResponse(request, response, final);
  }

  onError(request: InferenceRequest, error: ServerError): void {
    this.responses = null;
    this.recordMiss(this.lookupNs);
    this.inner.onError(request, error);
  }

  private store(responses: CachedResponse[]): void {
    const { clock, cache } = this.flow;
    const start = clock.nowNs();
    try {
      cache.insert(this.key, buildEntry(responses));
    } catch {
      // An answer the codec cannot represent (rank > 255, a name over 64 KiB) is just not cached.
    }
    this.recordMiss(this.lookupNs + (clock.nowNs() - start));
  }

  private recordMiss(ns: number): void {
    this.mv.reporter.cacheMiss(ns);
  }
}
