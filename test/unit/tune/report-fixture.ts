/** A whole TuneReport around the results fixture, for the writer tests. */
import { chooseWinner, type TuneReport } from '../../../src/tools/tune/index.js';
import { cand, constraints, result } from './results-fixture.js';

/** A finished exhaustive run of four configurations with a 20 ms budget; the fourth breaks it. */
export function sampleTuneReport(): TuneReport {
  const c = constraints(20);
  const results = [
    result(
      1,
      cand(),
      [
        [1, 300, 4],
        [2, 480, 6],
        [4, 470, 12],
      ],
      160,
      c,
    ),
    result(
      2,
      cand({ instances: 2 }),
      [
        [1, 500, 3],
        [2, 900, 6],
        [4, 1100, 11],
      ],
      198,
      c,
    ),
    result(
      3,
      cand({ dynamicBatching: true, maxQueueDelayUs: 1000 }),
      [
        [1, 280, 5],
        [2, 600, 9],
      ],
      170,
      c,
    ),
    result(
      4,
      cand({ instances: 2, dynamicBatching: true }),
      [
        [1, 400, 21],
        [2, 700, 30],
      ],
      205,
      c,
    ),
  ];
  return {
    tool: 'nereid tune',
    startedAt: '2026-12-07T00:00:00.000Z',
    durationMs: 61_000,
    settings: {
      search: 'exhaustive',
      objective: 'throughput',
      percentile: 99,
      latencyBudgetMs: 20,
      minThroughput: 0,
      memoryBudgetMb: null,
      loadMode: 'concurrency',
      loadLevels: [1, 2, 4],
      batchSize: 1,
      measurementIntervalMs: 1000,
      maxTrials: 5,
      stabilityPercentage: 10,
      minGainPct: 5,
      protocol: 'http',
    },
    model: {
      name: 'text_orientation',
      backend: 'onnxruntime',
      maxBatchSize: 8,
      sequence: false,
      decoupled: false,
    },
    server: { url: '127.0.0.1:8000', owned: true, cores: 2, baselineRssBytes: 100e6 },
    space: {
      instances: [1, 2],
      dynamicBatching: [false, true],
      maxBatchSize: [8],
      maxQueueDelayUs: [0, 1000],
      preferredBatchSizes: [[]],
      intraOpThreads: [0],
      size: 6,
    },
    results,
    winner: chooseWinner(results, 5),
    original: 0,
    explanation: 'A second instance raised throughput 2.3× at −1.0 ms p99 and 38 MB',
    recommendedConfig: 'name: "text_orientation"\ninstance_group [\n  {\n    count: 2\n  }\n]\n',
    restored: "The servers tune started were stopped; the repository's files were not changed",
    warnings: ['Model </script> has the response cache on'],
  };
}
