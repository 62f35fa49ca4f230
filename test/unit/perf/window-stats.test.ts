import { describe, expect, it } from 'vitest';
import {
  type ClientWindow,
  isStable,
  mergeWindows,
  percentileList,
  percentileOf,
  type WindowSample,
  windowFromSamples,
} from '../../../src/tools/perf/index.js';

function sample(latencies: number[], extra: Partial<WindowSample> = {}): WindowSample {
  return {
    count: latencies.length,
    errors: 0,
    firstError: '',
    responses: latencies.length,
    latenciesUs: Float64Array.from(latencies),
    sendUsTotal: latencies.length * 10,
    durationMs: 1000,
    eluActiveMs: 500,
    eluUtilization: 0.5,
    sent: latencies.length,
    delayed: 0,
    inFlight: 0,
    ...extra,
  };
}

function client(throughput: number, avgLatencyUs: number): ClientWindow {
  return {
    durationMs: 1000,
    requestCount: 100,
    errorCount: 0,
    responseCount: 100,
    throughput,
    responseThroughput: throughput,
    avgLatencyUs,
    stdLatencyUs: 0,
    percentilesUs: { 99: avgLatencyUs * 2 },
    avgSendUs: 0,
    sent: 100,
    delayed: 0,
    workers: [],
    firstError: '',
  };
}

describe('window statistics', () => {
  it('percentileOf takes the nearest rank of sorted values', () => {
    const sorted = Float64Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentileOf(sorted, 50)).toBe(50);
    expect(percentileOf(sorted, 99)).toBe(99);
    expect(percentileOf(new Float64Array(0), 99)).toBe(0);
  });

  it('percentileList adds the --percentile value to p50/p90/p95/p99', () => {
    expect(percentileList(null)).toEqual([50, 90, 95, 99]);
    expect(percentileList(75)).toEqual([50, 75, 90, 95, 99]);
    expect(percentileList(99)).toEqual([50, 90, 95, 99]);
  });

  it('windowFromSamples merges workers and counts the batch size in the throughput', () => {
    const w = windowFromSamples([sample([100, 300]), sample([200, 400])], 2000, 4, [50, 99]);
    expect(w.client.requestCount).toBe(4);
    expect(w.client.throughput).toBe((4 * 4) / 2);
    expect(w.client.avgLatencyUs).toBe(250);
    expect(w.client.percentilesUs).toEqual({ 50: 200, 99: 400 });
    expect(w.client.avgSendUs).toBe(10);
    expect(w.client.workers).toEqual([
      { eluUtilization: 0.5, overheadUsPerRequest: 250_000 },
      { eluUtilization: 0.5, overheadUsPerRequest: 250_000 },
    ]);
  });

  it('mergeWindows sums counts and durations and recomputes percentiles over all latencies', () => {
    const a = windowFromSamples([sample([100, 100])], 1000, 1, [50, 99]);
    const b = windowFromSamples([sample([300, 300])], 1000, 1, [50, 99]);
    const m = mergeWindows([a, b], 1, [50, 99]);
    expect(m.client.requestCount).toBe(4);
    expect(m.client.durationMs).toBe(2000);
    expect(m.client.throughput).toBe(2);
    expect(m.client.avgLatencyUs).toBe(200);
    expect(m.client.percentilesUs[99]).toBe(300);
  });

  it('isStable needs 3 windows whose throughput and latency are within the percentage of their mean', () => {
    expect(isStable([client(100, 1000), client(102, 1010)], 10, null)).toBe(false);
    expect(
      isStable([client(50, 5000), client(100, 1000), client(102, 1010), client(98, 990)], 10, null),
    ).toBe(true);
    expect(isStable([client(100, 1000), client(130, 1000), client(100, 1000)], 10, null)).toBe(false);
    expect(isStable([client(100, 1000), client(100, 1300), client(100, 1000)], 10, null)).toBe(false);
  });

  it('isStable uses the --percentile latency instead of the average when given', () => {
    const windows = [client(100, 1000), client(100, 1000), client(100, 1000)];
    windows[1]!.percentilesUs[99] = 9000;
    expect(isStable(windows, 10, null)).toBe(true);
    expect(isStable(windows, 10, 99)).toBe(false);
  });
});
