/** Unit: the tune options, the search space derived from a model and the flags, and the plan's time estimate. */
import { describe, expect, it } from 'vitest';
import {
  buildSearchSpace,
  candidateKey,
  defaultLoadLevels,
  enumerateCandidates,
  estimateDuration,
  formatDuration,
  resolveTuneOptions,
  type TunableModel,
  type TuneOptions,
  tunableModel,
} from '../../../src/tools/tune/index.js';
import { serverErrorOf } from '../../helpers/server-error-of.js';

const ONNX = tunableModel(
  'text_orientation',
  { name: 'text_orientation', backend: 'onnxruntime', max_batch_size: 8, instance_group: [{ count: 1 }] },
  'http',
);
const JS: TunableModel = { ...ONNX, name: 'simple_identity', backend: 'javascript', onnx: false };
const NO_BATCH: TunableModel = { ...ONNX, name: 'simple_string', maxBatchSize: 0 };
const SEQUENCE: TunableModel = { ...ONNX, name: 'silero_vad', maxBatchSize: 64, sequence: true };

function opts(extra: Partial<TuneOptions> = {}) {
  return resolveTuneOptions({ model: 'm', url: 'localhost:8000', cores: 2, ...extra });
}

function optionError(f: () => unknown): string {
  const err = serverErrorOf(f);
  expect(err.code).toBe('ERR_TUNE_OPTION');
  return err.message;
}

describe('resolveTuneOptions', () => {
  it('defaults to a quick search for throughput at p99 with 1000 ms windows', () => {
    const o = opts();
    expect(o).toMatchObject({
      search: 'quick',
      objective: 'throughput',
      percentile: 99,
      latencyBudgetMs: null,
      loadMode: 'concurrency',
      loadLevels: null,
      measurementIntervalMs: 1000,
      maxTrials: 5,
      minGainPct: 5,
      maxConfigs: 64,
    });
  });

  it('refuses options that cannot work, saying what was received', () => {
    expect(optionError(() => resolveTuneOptions({ model: 'm' }))).toMatch(
      /^Give a running server in explicit model-control mode \(-u HOST:PORT\) or a model repository/,
    );
    expect(optionError(() => opts({ search: 'fast' as 'quick' }))).toBe(
      "Option search must be quick or exhaustive: received 'fast'",
    );
    expect(optionError(() => opts({ latencyBudgetMs: 0 }))).toBe(
      'Option latency-budget-ms must be > 0: received 0',
    );
    expect(optionError(() => opts({ percentile: 100 }))).toBe(
      'Option percentile must be in (0, 100): received 100',
    );
    expect(optionError(() => opts({ instances: [0, 2] }))).toBe(
      'Option instances must list integers >= 1: received [0, 2]',
    );
    expect(optionError(() => opts({ concurrency: [4], requestRates: [100] }))).toBe(
      'Options concurrency and request-rate cannot be used together',
    );
    expect(optionError(() => opts({ objective: 'latency' }))).toMatch(
      /give exactly one --concurrency or --request-rate level/,
    );
    expect(optionError(() => opts({ writeConfig: true }))).toMatch(
      /^Option write-config needs --model-repository/,
    );
    expect(optionError(() => opts({ maxTrials: 2 }))).toBe(
      'Option max-trials must be an integer >= 3: received 2',
    );
  });
});

describe('buildSearchSpace', () => {
  it('derives instances 1..cores, batching off and on, max_batch_size 1x 2x 4x, delays 0 and 1000 µs and default or 1 thread for an ONNX model that batches', () => {
    const space = buildSearchSpace(ONNX, opts());
    expect(space).toMatchObject({
      instances: [1, 2],
      dynamicBatching: [false, true],
      maxBatchSize: [8, 16, 32],
      maxQueueDelayUs: [0, 1000],
      preferredBatchSizes: [[]],
      intraOpThreads: [0, 1],
    });
    // 1 instance: (off + 3 x 2 batched) x 2 thread settings; 2 instances: 1 thread is the default's count.
    expect(enumerateCandidates(space)).toHaveLength(21);
    expect(new Set(enumerateCandidates(space).map(candidateKey)).size).toBe(21);
  });

  it('gives a JavaScript model no thread dimension, a model without batching no batching, a sequence model its own max_batch_size', () => {
    expect(buildSearchSpace(JS, opts()).intraOpThreads).toEqual([0]);
    expect(buildSearchSpace(NO_BATCH, opts())).toMatchObject({ dynamicBatching: [false], maxBatchSize: [0] });
    expect(enumerateCandidates(buildSearchSpace(NO_BATCH, opts({ intraOpThreads: [0] })))).toHaveLength(2);
    const sequence = buildSearchSpace(SEQUENCE, opts({ maxBatchSizes: [32, 64] }));
    expect(sequence).toMatchObject({ dynamicBatching: [false], maxBatchSize: [32, 64] });
    expect(enumerateCandidates(sequence).map((c) => c.maxBatchSize)).toContain(32);
  });

  it('refuses dimension values that cannot apply to the model', () => {
    expect(optionError(() => buildSearchSpace(NO_BATCH, opts({ dynamicBatching: [true] })))).toBe(
      "Option dynamic-batching on does not apply to model 'simple_string': it does not batch (max_batch_size 0)",
    );
    expect(optionError(() => buildSearchSpace(SEQUENCE, opts({ dynamicBatching: [false, true] })))).toMatch(
      /it has sequence_batching$/,
    );
    expect(optionError(() => buildSearchSpace(JS, opts({ intraOpThreads: [1] })))).toBe(
      "Option intra-op-threads applies to ONNX Runtime models only: model 'simple_identity' has backend 'javascript'",
    );
    expect(optionError(() => buildSearchSpace(ONNX, opts({ batchSize: 4, maxBatchSizes: [2, 8] })))).toBe(
      'Option max-batch-sizes must be >= the batch size of the load (-b 4): received 2',
    );
  });

  it('skips preferred batch sizes above max_batch_size', () => {
    const space = buildSearchSpace(
      ONNX,
      opts({ maxBatchSizes: [4, 8], preferredBatchSizes: [[8]], instances: [1], intraOpThreads: [0] }),
    );
    const batched = enumerateCandidates(space).filter((c) => c.dynamicBatching);
    expect(batched.map((c) => c.maxBatchSize)).toEqual([8, 8]);
  });
});

describe('defaultLoadLevels', () => {
  it('doubles from 1 to twice the most rows the largest configuration runs at once, between 8 and 64', () => {
    expect(defaultLoadLevels(buildSearchSpace(ONNX, opts()))).toEqual([1, 2, 4, 8, 16, 32, 64]);
    expect(defaultLoadLevels(buildSearchSpace(NO_BATCH, opts()))).toEqual([1, 2, 4, 8]);
    expect(
      defaultLoadLevels(buildSearchSpace(ONNX, opts({ maxBatchSizes: [4], instances: [1, 2] }))),
    ).toEqual([1, 2, 4, 8, 16]);
  });
});

describe('estimateDuration', () => {
  it('counts every configuration for an exhaustive search and about one per dimension value for a quick one', () => {
    const space = buildSearchSpace(ONNX, opts());
    const input = { space, size: 21, maxConfigs: 64, levels: 7, measurementIntervalMs: 1000, maxTrials: 5 };
    const all = estimateDuration({ ...input, search: 'exhaustive' });
    const quick = estimateDuration({ ...input, search: 'quick' });
    expect(all.configs).toBe(21);
    expect(quick.configs).toBeLessThan(21);
    for (const e of [all, quick]) {
      expect(e.minMs).toBeLessThanOrEqual(e.typicalMs);
      expect(e.typicalMs).toBeLessThanOrEqual(e.maxMs);
    }
    expect(all.maxMs).toBe(21 * (2000 + 7 * 5 * 1000));
    expect(formatDuration(45_000)).toBe('45 s');
    expect(formatDuration(210_000)).toBe('3.5 min');
  });
});
