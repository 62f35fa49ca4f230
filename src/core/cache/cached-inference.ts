/**
 * The response cache on the request path, for models with `response_cache { enable: true }`:
 * hash the request, look it up, answer a hit from the entry (every cached response, in order,
 * with the final flag; no scheduler, no execution) or send a miss on to the scheduler behind a
 * CacheInsertSink that stores the answer once it has succeeded. Statistics follow Triton: hits
 * count in success and queue and in cache_hit (lookup time); misses in cache_miss (lookup +
 * insert time). It does not store anything itself (the ResponseCache does).
 */
import type { Clock, Logger } from '../../common/index.js';
import { cancelled, ServerError, Status } from '../../common/index.js';
import {
  type InferenceRequest,
  type InferenceResponse,
  RequestState,
  type RequestTiming,
  type ResponseSink,
} from '../inference-request.js';
import type { ModelVersion } from '../model-version.js';
import { traceEnded } from '../trace-hooks.js';
import { CacheInsertSink } from './cache-insert-sink.js';
import { cacheKey } from './cache-key.js';
import { type CacheEntry, isPendingLookup, type ResponseCache } from './response-cache.js';

/** The cache step between admission and the scheduler. */
export class CachedInference {
  /** The cache every enabled model shares. */
  readonly cache: ResponseCache;
  /** @internal */
  readonly clock: Clock;
  private readonly logger: Logger;

  constructor(cache: ResponseCache, clock: Clock, logger: Logger) {
    this.cache = cache;
    this.clock = clock;
    this.logger = logger;
  }

  /**
   * Looks `request` (already validated against `mv`) up and answers it or queues it; `salt` is
   * hashed into its key (see cacheKey). A local cache decides at once (queue errors then throw, as from `scheduler.enqueue`); a remote one
   * decides later, and every later failure reaches the request's sink instead.
   */
  admit(request: InferenceRequest, mv: ModelVersion, salt = ''): void {
    const startNs = this.clock.nowNs();
    const key = cacheKey(mv.name, mv.versionString, request.inputs, request.outputs, salt);
    const found = this.cache.lookup(key);
    if (!isPendingLookup(found)) {
      this.decide(request, mv, key, startNs, found);
      return;
    }
    found.then(
      (entry) => this.decideLater(request, mv, key, startNs, entry),
      (err: unknown) => this.decideLater(request, mv, key, startNs, null, err),
    );
  }

  /** Answers a hit, or queues a miss behind an insert sink (may throw what `enqueue` throws). */
  private decide(
    request: InferenceRequest,
    mv: ModelVersion,
    key: string,
    startNs: number,
    entry: CacheEntry | null,
  ): void {
    const lookupNs = this.clock.nowNs() - startNs;
    if (entry !== null && fitsModel(entry, mv)) {
      this.answerHit(request, mv, entry, startNs, lookupNs);
      return;
    }
    setSink(request, new CacheInsertSink(this, request.sink, mv, key, lookupNs));
    mv.scheduler.enqueue(request);
  }

  private decideLater(
    request: InferenceRequest,
    mv: ModelVersion,
    key: string,
    startNs: number,
    entry: CacheEntry | null,
    err?: unknown,
  ): void {
    if (err !== undefined) this.logger.logWarning(`Response cache lookup failed: ${String(err)}`);
    if (request.cancelled) {
      this.fail(request, mv, cancelled('ERR_CANCELLED', 'Request was cancelled'), 'CANCELED');
      return;
    }
    try {
      this.decide(request, mv, key, startNs, entry);
    } catch (error) {
      const e =
        error instanceof ServerError
          ? error
          : new ServerError(Status.INTERNAL, 'ERR_INTERNAL', String(error));
      this.fail(request, mv, e, e.status === Status.UNAVAILABLE ? 'REJECTED' : 'OTHER');
    }
  }

  private fail(
    request: InferenceRequest,
    mv: ModelVersion,
    error: ServerError,
    reason: 'CANCELED' | 'REJECTED' | 'OTHER',
  ): void {
    const totalNs = this.clock.nowNs() - request.arrivalNs;
    request.state = RequestState.DONE;
    mv.reporter.failed(reason, totalNs);
    if (request.trace !== null) traceEnded(request.trace, request.arrivalNs + totalNs);
    request.sink.onError(request, error);
  }

  private answerHit(
    request: InferenceRequest,
    mv: ModelVersion,
    entry: CacheEntry,
    startNs: number,
    lookupNs: number,
  ): void {
    const endNs = this.clock.nowNs();
    const timing: RequestTiming = {
      queueNs: startNs - request.arrivalNs,
      computeInputNs: 0,
      computeInferNs: 0,
      computeOutputNs: 0,
      totalNs: endNs - request.arrivalNs,
    };
    request.state = RequestState.DONE;
    mv.reporter.cacheHit(timing, lookupNs);
    if (request.trace !== null) traceEnded(request.trace, endNs);
    const sink = request.sink;
    const responses = entry.responses;
    for (let i = 0; i < responses.length; i++) {
      const cached = responses[i]!;
      const response: InferenceResponse | null =
        cached.outputs === null
          ? null
          : {
              modelName: mv.name,
              modelVersion: mv.versionString,
              id: request.id,
              parameters: cached.parameters,
              outputs: cached.outputs,
              timing,
            };
      sink.onResponse(request, response, cached.final);
    }
  }
}

/** Whether a (possibly remote, possibly foreign) entry can answer for this model's kind. */
function fitsModel(entry: CacheEntry, mv: ModelVersion): boolean {
  const n = entry.responses.length;
  if (n === 0 || !entry.responses[n - 1]!.final) return false;
  if (mv.plan.decoupled) return true;
  return n === 1 && entry.responses[0]!.outputs !== null;
}

/** Puts `sink` in front of the request's own sink (the field is readonly to everyone else). */
function setSink(request: InferenceRequest, sink: ResponseSink): void {
  (request as { sink: ResponseSink }).sink = sink;
}
