/** A PerfReport built from real window statistics, for the report writer tests. */
import {
  countersOf,
  type LevelResult,
  type PerfReport,
  percentileList,
  serverAverages,
  windowFromSamples,
} from '../../../src/tools/perf/index.js';

function level(value: number, latencyUs: number, requests: number): LevelResult {
  const latencies = Float64Array.from({ length: requests }, (_, i) => latencyUs + (i % 10) * 10);
  const window = windowFromSamples(
    [
      {
        count: requests,
        errors: 0,
        firstError: '',
        responses: requests * 2,
        latenciesUs: latencies,
        sendUsTotal: requests * 20,
        durationMs: 1000,
        eluActiveMs: 100,
        eluUtilization: value > 2 ? 0.95 : 0.2,
        sent: requests,
        delayed: 0,
        inFlight: 0,
      },
    ],
    1000,
    1,
    percentileList(null),
  );
  const d = (count: number, usEach: number) => ({ count, ns: count * usEach * 1000 });
  const server = countersOf(
    {
      model_stats: [
        {
          name: 'simple',
          version: '1',
          last_inference: 0,
          inference_count: requests,
          execution_count: requests,
          inference_stats: {
            success: d(requests, 300),
            queue: d(requests, 50),
            compute_input: d(requests, 10),
            compute_infer: d(requests, 200),
            compute_output: d(requests, 5),
            cache_hit: d(requests / 2, 4),
            cache_miss: d(requests / 2, 6),
          },
          response_stats: {},
          batch_stats: [],
          memory_usage: [],
        },
      ],
    },
    'simple',
    '',
  );
  return {
    level: value,
    stable: true,
    trials: [],
    mergedWindows: 1,
    client: window.client,
    server,
    serverAverages: serverAverages(server),
    warnings: value > 2 ? ['Load worker 0 was busy 95% of the time'] : [],
  };
}

/** A two-level concurrency report (level 4 is measured first and has the higher throughput). */
export function sampleReport(overrides: Partial<PerfReport['model']> = {}, verboseCsv = false): PerfReport {
  return {
    tool: 'nereid perf',
    startedAt: '2025-01-01T00:00:00.000Z',
    settings: {
      model: 'simple',
      modelVersion: '',
      protocol: 'http',
      url: '127.0.0.1:8000',
      batchSize: 1,
      mode: 'concurrency',
      requestDistribution: 'constant',
      measurementIntervalMs: 1000,
      stabilityPercentage: 10,
      maxTrials: 10,
      percentile: null,
      verboseCsv,
      inputData: 'random',
      streaming: false,
      sequences: false,
      threads: 1,
    },
    model: {
      maxBatchSize: 8,
      decoupled: false,
      sequenceBatching: false,
      responseCache: false,
      statistics: true,
      ...overrides,
    },
    levels: [level(4, 2000, 2000), level(1, 1000, 1000)],
    totals: { sent: 3000, completed: 3000, errors: 0, responses: 3000 },
    warnings: [],
  };
}
