import { describe, expect, it } from 'vitest';
import type { ModelStatisticsResponse } from '../../../src/client/index.js';
import { countersOf, diffCounters, serverAverages } from '../../../src/tools/perf/index.js';

function stats(version: string, n: number): ModelStatisticsResponse['model_stats'][number] {
  const d = (count: number, ns: number) => ({ count, ns });
  return {
    name: 'simple',
    version,
    last_inference: 0,
    inference_count: n,
    execution_count: n,
    inference_stats: {
      success: d(n, n * 10_000),
      fail: d(0, 0),
      queue: d(n, n * 1000),
      compute_input: d(n, n * 2000),
      compute_infer: d(n, n * 4000),
      compute_output: d(n, n * 1000),
      cache_hit: d(0, 0),
      cache_miss: d(0, 0),
    },
    response_stats: {},
    batch_stats: [],
    memory_usage: [],
  };
}

describe('server statistics of a window', () => {
  it('countersOf sums the versions of the model, or takes the one asked for', () => {
    const response = { model_stats: [stats('1', 10), stats('2', 5), { ...stats('1', 99), name: 'other' }] };
    expect(countersOf(response, 'simple', '').successCount).toBe(15);
    expect(countersOf(response, 'simple', '2').successCount).toBe(5);
    expect(countersOf(response, 'simple', '').computeInferNs).toBe(15 * 4000);
  });

  it('diffCounters gives what happened between two snapshots', () => {
    const before = countersOf({ model_stats: [stats('1', 10)] }, 'simple', '');
    const after = countersOf({ model_stats: [stats('1', 30)] }, 'simple', '');
    const d = diffCounters(after, before);
    expect(d.successCount).toBe(20);
    expect(d.queueNs).toBe(20 * 1000);
  });

  it('serverAverages splits the request latency into phases and the unaccounted overhead in microseconds', () => {
    const a = serverAverages(countersOf({ model_stats: [stats('1', 4)] }, 'simple', ''));
    expect(a.requestUs).toBe(10);
    expect(a.queueUs).toBe(1);
    expect(a.computeInputUs).toBe(2);
    expect(a.computeInferUs).toBe(4);
    expect(a.computeOutputUs).toBe(1);
    expect(a.overheadUs).toBe(2);
    expect(a.cacheHitUs).toBe(0);
  });
});
