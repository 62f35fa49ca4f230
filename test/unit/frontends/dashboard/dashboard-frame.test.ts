/**
 * Unit: the dashboard's per-window figures from two readings of the statistics extension, the
 * models table rows from configs, latency percentiles of one window of a bucket histogram, and
 * the LLM figures of a generation model from two readings of its token totals.
 */
import { describe, expect, it } from 'vitest';
import { parseModelConfig } from '../../../../src/config/index.js';
import type { ModelStatisticsJson } from '../../../../src/core/index.js';
import {
  type GenerationTotals,
  llmWindow,
  modelRow,
  modelWindow,
  windowQuantile,
} from '../../../../src/frontends/dashboard/index.js';

type Counts = Partial<Record<keyof ModelStatisticsJson['inference_stats'], [number, number]>>;

/** A statistics reading with `[count, ns]` per field and `[size, count, ns]` per batch size. */
function reading(
  stats: Counts,
  executions: number,
  batches: [number, number, number][],
): ModelStatisticsJson {
  const d = (k: keyof ModelStatisticsJson['inference_stats']) => ({
    count: stats[k]?.[0] ?? 0,
    ns: stats[k]?.[1] ?? 0,
  });
  return {
    name: 'simple',
    version: '1',
    last_inference: 0,
    inference_count: batches.reduce((n, [size, count]) => n + size * count, 0),
    execution_count: executions,
    inference_stats: {
      success: d('success'),
      fail: d('fail'),
      queue: d('queue'),
      compute_input: d('compute_input'),
      compute_infer: d('compute_infer'),
      compute_output: d('compute_output'),
      cache_hit: d('cache_hit'),
      cache_miss: d('cache_miss'),
    },
    response_stats: {},
    batch_stats: batches.map(([batch_size, count, ns]) => ({
      batch_size,
      compute_input: { count, ns: 0 },
      compute_infer: { count, ns },
      compute_output: { count, ns: 0 },
    })),
    memory_usage: [],
  };
}

describe('modelWindow', () => {
  it('turns two statistics readings into per-second rates, mean times and the batch sizes of the window', () => {
    const before = reading({ success: [10, 10_000_000], queue: [10, 1_000_000] }, 10, [[1, 10, 5_000_000]]);
    const after = reading(
      {
        success: [30, 50_000_000],
        fail: [2, 0],
        queue: [30, 5_000_000],
        compute_input: [20, 200_000],
        compute_infer: [20, 4_000_000],
        compute_output: [20, 400_000],
      },
      15,
      [
        [1, 12, 6_000_000],
        [4, 3, 9_000_000],
      ],
    );
    const m = modelWindow(before, after, 2e9, 1);
    expect(m.successPerS).toBe(10);
    expect(m.failuresPerS).toBe(1);
    expect(m.executionsPerS).toBe(2.5);
    expect(m.inferencesPerS).toBe((2 + 12) / 2);
    expect(m.latencyAvgUs).toBe(2000);
    expect(m.queueUs).toBe(200);
    expect(m.computeInputUs).toBe(10);
    expect(m.computeInferUs).toBe(200);
    expect(m.computeOutputUs).toBe(20);
    expect(m.batches).toEqual([
      [1, 2],
      [4, 3],
    ]);
    expect(m.busyFraction).toBeCloseTo(10_000_000 / 2e9);
    expect(m.cacheHitRatio).toBeNull();
  });

  it('gives null means, zero rates and no batches for a window without requests', () => {
    const r = reading({ success: [5, 5_000_000] }, 5, [[1, 5, 1000]]);
    const m = modelWindow(r, r, 1e9, 2);
    expect(m.successPerS).toBe(0);
    expect(m.latencyAvgUs).toBeNull();
    expect(m.queueUs).toBeNull();
    expect(m.batches).toEqual([]);
    expect(m.busyFraction).toBe(0);
  });

  it('starts the window from zero when the counters went down (the model was reloaded)', () => {
    const before = reading({ success: [100, 100_000_000] }, 100, [[1, 100, 1]]);
    const after = reading({ success: [3, 3_000_000] }, 3, [[1, 3, 1]]);
    const m = modelWindow(before, after, 1e9, 1);
    expect(m.successPerS).toBe(3);
    expect(m.latencyAvgUs).toBe(1000);
    expect(m.batches).toEqual([[1, 3]]);
  });

  it('gives the cache hit ratio of the lookups in the window only', () => {
    const before = reading({ cache_hit: [100, 0], cache_miss: [100, 0] }, 0, []);
    const after = reading({ cache_hit: [103, 0], cache_miss: [101, 0] }, 0, []);
    expect(modelWindow(before, after, 1e9, 1).cacheHitRatio).toBe(0.75);
  });

  it('caps the busy fraction at 1 and leaves it null when the instance count is unknown', () => {
    const after = reading({}, 1, [[8, 1, 3e9]]);
    expect(modelWindow(undefined, after, 1e9, 2).busyFraction).toBe(1);
    expect(modelWindow(undefined, after, 1e9, null).busyFraction).toBeNull();
  });
});

describe('llmWindow', () => {
  const load = { running: 3, waiting: 2, slotsUsed: 3, slotsTotal: 4 };
  const totals = (
    outputTokens: number,
    first: [number, number],
    gaps: [number, number],
  ): GenerationTotals => ({
    outputTokens,
    firstTokens: first[0],
    firstTokenSeconds: first[1],
    tokenGaps: gaps[0],
    tokenGapSeconds: gaps[1],
  });

  it('gives output tokens per second, mean time to first token and inter-token latency of the window, and the load now', () => {
    const before = totals(100, [10, 1], [90, 0.9]);
    const after = totals(300, [14, 1.2], [286, 2.86]);
    expect(llmWindow(before, after, 2e9, load)).toEqual({
      tokensPerS: 100,
      timeToFirstTokenMs: expect.closeTo(50, 9),
      interTokenLatencyMs: expect.closeTo(10, 9),
      runningSequences: 3,
      waitingSequences: 2,
    });
  });

  it('leaves the latencies null and the rate 0 for a window without tokens', () => {
    const r = totals(100, [10, 1], [90, 0.9]);
    expect(llmWindow(r, r, 1e9, load)).toMatchObject({
      tokensPerS: 0,
      timeToFirstTokenMs: null,
      interTokenLatencyMs: null,
    });
  });

  it('starts the window from zero when the totals went down (the model was reloaded)', () => {
    const figures = llmWindow(totals(500, [50, 5], [450, 4.5]), totals(20, [2, 0.1], [18, 0.36]), 1e9, load);
    expect(figures.tokensPerS).toBe(20);
    expect(figures.timeToFirstTokenMs).toBeCloseTo(50, 9);
    expect(figures.interTokenLatencyMs).toBeCloseTo(20, 9);
  });

  it('keeps the sequences but leaves the token figures null without metrics', () => {
    expect(llmWindow(undefined, null, 1e9, load)).toEqual({
      tokensPerS: null,
      timeToFirstTokenMs: null,
      interTokenLatencyMs: null,
      runningSequences: 3,
      waitingSequences: 2,
    });
  });
});

describe('modelRow', () => {
  it('summarises a loaded model: backend, instances over every group, dynamic batching and cache', () => {
    const config = parseModelConfig(
      `name: "m" backend: "onnxruntime" max_batch_size: 8
       instance_group [{ count: 2 kind: KIND_CPU }, { count: 1 kind: KIND_CPU }]
       dynamic_batching { max_queue_delay_microseconds: 500 preferred_batch_size: [4, 8] }
       response_cache { enable: true }`,
    );
    const row = modelRow({ name: 'm', version: '3', state: 'READY', reason: '' }, config);
    expect(row).toEqual({
      name: 'm',
      version: '3',
      state: 'READY',
      reason: '',
      platform: '',
      backend: 'onnxruntime',
      instances: 3,
      batching: { kind: 'dynamic', maxBatchSize: 8, maxQueueDelayUs: 500, preferredBatchSizes: [4, 8] },
      cache: true,
    });
  });

  it('keeps the state and reason of a model that is not loaded and leaves its settings null', () => {
    const row = modelRow({ name: '<b>x</b>', state: 'UNAVAILABLE', reason: 'failed to load' }, null);
    expect(row).toMatchObject({
      name: '<b>x</b>',
      version: '',
      state: 'UNAVAILABLE',
      reason: 'failed to load',
      backend: null,
      instances: null,
      batching: null,
      cache: null,
    });
  });
});

describe('windowQuantile', () => {
  const bounds = [0.001, 0.002, 0.004];

  it('interpolates the p50 and p99 inside the buckets of the observations of the window only', () => {
    const prev = [100, 0, 0, 0];
    const cur = { bounds, counts: [100, 50, 50, 0] };
    expect(windowQuantile(prev, cur, 0.5)).toBeCloseTo(0.002);
    expect(windowQuantile(prev, cur, 0.99)).toBeCloseTo(0.002 + 0.002 * 0.98);
  });

  it('is null for a window without observations and uses the last bound for the +Inf bucket', () => {
    expect(windowQuantile([1, 2, 3, 4], { bounds, counts: [1, 2, 3, 4] }, 0.5)).toBeNull();
    expect(windowQuantile(null, { bounds, counts: [0, 0, 0, 5] }, 0.99)).toBe(0.004);
  });

  it('starts from zero when a count went down (the histogram was reset)', () => {
    expect(windowQuantile([0, 10, 0, 0], { bounds, counts: [4, 0, 0, 0] }, 0.5)).toBeCloseTo(0.0005);
  });
});
