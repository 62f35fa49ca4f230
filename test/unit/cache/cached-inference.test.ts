/**
 * CachedInference with a remote-style cache whose lookups resolve later: a request cancelled
 * while its lookup was in flight is answered CANCELLED without running, a queue refusal after
 * the lookup reaches the sink as an error (not a throw) and counts as a failure, and a hit answers
 * through the sink with Triton's statistics. The scheduler is a recording stub: the real ones need
 * worker instances and are covered by the e2e tests.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/clock.js';
import { type ServerError, unavailable } from '../../../src/common/errors.js';
import { silentLogger } from '../../../src/common/logger.js';
import {
  buildEntry,
  CachedInference,
  type CacheEntry,
  CacheInsertSink,
  emptyCacheStats,
  type ResponseCache,
  type ResponseCacheStats,
} from '../../../src/core/cache/index.js';
import {
  InferenceRequest,
  type InferenceResponse,
  RequestState,
  type ResponseSink,
} from '../../../src/core/index.js';
import { ModelReporter } from '../../../src/core/model-reporter.js';
import type { ModelVersion } from '../../../src/core/model-version.js';

/** A cache whose lookups stay pending until `resolve` is called. */
class DeferredCache implements ResponseCache {
  readonly name = 'deferred';
  readonly waiting: ((entry: CacheEntry | null) => void)[] = [];
  lookup(): Promise<CacheEntry | null> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }
  insert(): boolean {
    return true;
  }
  stats(): ResponseCacheStats {
    return emptyCacheStats();
  }
  flush(): Promise<void> {
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

class RecordingSink implements ResponseSink {
  readonly responses: (InferenceResponse | null)[] = [];
  readonly errors: ServerError[] = [];
  onResponse(_r: InferenceRequest, response: InferenceResponse | null): void {
    this.responses.push(response);
  }
  onError(_r: InferenceRequest, error: ServerError): void {
    this.errors.push(error);
  }
}

function setup(refuse = false) {
  const clock = new ManualClock(1_000_000);
  const cache = new DeferredCache();
  const enqueued: InferenceRequest[] = [];
  const reporter = new ModelReporter({ modelName: 'm', versionString: '1', clock });
  const mv = {
    name: 'm',
    versionString: '1',
    plan: { decoupled: false },
    reporter,
    stats: reporter.stats,
    scheduler: {
      enqueue(request: InferenceRequest) {
        if (refuse) throw unavailable('ERR_QUEUE_FULL', 'Exceeds maximum queue size');
        enqueued.push(request);
      },
    },
  } as unknown as ModelVersion;
  const flow = new CachedInference(cache, clock, silentLogger);
  const sink = new RecordingSink();
  const request = new InferenceRequest({
    modelName: 'm',
    inputs: [{ name: 'X', datatype: 'INT32', shape: [1], data: new Uint8Array(4) }],
    sink,
    arrivalNs: clock.nowNs(),
  });
  return { clock, cache, mv, flow, sink, request, enqueued };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('CachedInference', () => {
  it('CachedInference answers CANCELLED, without running it, a request cancelled during its lookup', async () => {
    const { cache, mv, flow, sink, request, enqueued } = setup();
    flow.admit(request, mv);
    request.cancelled = true;
    cache.waiting[0]!(null);
    await flush();
    expect(enqueued).toEqual([]);
    expect(sink.errors.map((e) => e.status)).toEqual(['CANCELLED']);
    expect(mv.stats.fail.count).toBe(1);
  });

  it('CachedInference sends a queue refusal after the lookup to the sink and counts a failure', async () => {
    const { cache, mv, flow, sink, request } = setup(true);
    expect(() => flow.admit(request, mv)).not.toThrow();
    cache.waiting[0]!(null);
    await flush();
    expect(sink.errors.map((e) => e.code)).toEqual(['ERR_QUEUE_FULL']);
    expect(mv.stats.fail.count).toBe(1);
    expect(request.state).toBe(RequestState.DONE);
  });

  it('CachedInference queues a miss behind an insert sink and answers a hit from the entry', async () => {
    const { clock, cache, mv, flow, sink, request, enqueued } = setup();
    flow.admit(request, mv);
    cache.waiting[0]!(null);
    await flush();
    expect(enqueued).toEqual([request]);
    expect(request.sink).toBeInstanceOf(CacheInsertSink);

    const hit = new InferenceRequest({
      modelName: 'm',
      id: 'r2',
      inputs: request.inputs,
      sink,
      arrivalNs: clock.nowNs(),
    });
    flow.admit(hit, mv);
    clock.advanceUs(30);
    const out = { name: 'Y', datatype: 'INT32' as const, shape: [1], data: new Uint8Array([9, 0, 0, 0]) };
    cache.waiting[1]!(buildEntry([{ outputs: [out], parameters: null, final: true }]));
    await flush();
    expect(sink.responses.length).toBe(1);
    expect(sink.responses[0]!.id).toBe('r2');
    expect(sink.responses[0]!.outputs[0]!.data).toBe(out.data);
    expect(mv.stats.cacheHit).toEqual({ count: 1, ns: 30_000 });
    expect(mv.stats.success.count).toBe(1);
    expect(mv.stats.computeInfer.count).toBe(0);
  });
});
