/**
 * Unit: the sentences that end a tune run. A memory-bound model (batching pays, a second instance
 * does not) and a compute-bound one (a second instance pays) get different recommendations, and
 * the sentence names the reason; no winner gets the closest configuration and what it broke.
 */
import { describe, expect, it } from 'vitest';
import {
  buildSearchSpace,
  type CandidateResult,
  chooseWinner,
  compareWithOriginal,
  explainNoWinner,
  explainWinner,
  gainText,
  resolveTuneOptions,
  tunableModel,
} from '../../../src/tools/tune/index.js';
import { cand, constraints, result } from './results-fixture.js';

const SPACE = buildSearchSpace(
  tunableModel('m', { backend: 'onnxruntime', max_batch_size: 8, instance_group: [{ count: 1 }] }, 'http'),
  resolveTuneOptions({ model: 'm', url: 'x:1', cores: 2, maxBatchSizes: [8, 16], maxQueueDelaysUs: [0] }),
);
const C = constraints(20);

function winnerOf(results: CandidateResult[]): number {
  return chooseWinner(results, 5)!;
}

/** Figures shaped like BENCHMARKS.md's optimisation ladder: batching pays 4x, a second instance costs. */
function memoryBound(): CandidateResult[] {
  return [
    result(1, cand(), [[16, 1100, 15]], 180, C),
    result(2, cand({ dynamicBatching: true }), [[16, 3400, 17]], 185, C),
    result(3, cand({ dynamicBatching: true, maxBatchSize: 16 }), [[16, 4400, 18]], 190, C),
    result(4, cand({ instances: 2, dynamicBatching: true, maxBatchSize: 16 }), [[16, 2200, 19]], 240, C),
    result(5, cand({ instances: 2 }), [[16, 1240, 14]], 230, C),
  ];
}

/** Shaped like text_orientation on 2 cores: a second instance pays 2.4x, batching much less. */
function computeBound(): CandidateResult[] {
  return [
    result(1, cand(), [[4, 470, 12]], 160, C),
    result(2, cand({ dynamicBatching: true }), [[8, 650, 16]], 170, C),
    result(3, cand({ instances: 2 }), [[8, 1130, 11]], 198, C),
    result(4, cand({ instances: 2, dynamicBatching: true }), [[16, 1170, 19]], 205, C),
  ];
}

describe('explainWinner', () => {
  it('explains a memory-bound winner by batching and why a second instance was not taken', () => {
    const results = memoryBound();
    const w = winnerOf(results);
    expect(results[w]!.candidate).toMatchObject({ instances: 1, dynamicBatching: true, maxBatchSize: 16 });
    expect(explainWinner(results, w, SPACE, C, 5)).toBe(
      'Dynamic batching (max 16, delay 0 µs) raised throughput 4.0× at +3.0 ms p99 and 10 MB',
    );
  });

  it('explains a compute-bound winner by a second instance, with its memory', () => {
    const results = computeBound();
    const w = winnerOf(results);
    expect(results[w]!.candidate).toMatchObject({ instances: 2, dynamicBatching: false });
    expect(explainWinner(results, w, SPACE, C, 5)).toBe(
      'A second instance raised throughput 2.4× at −1.0 ms p99 and 38 MB; 2 instances, dynamic batching (max 8, delay 0 µs), default intra-op threads measured 4 % more for 7 MB more, within --min-gain-pct 5, so the cheaper one is recommended',
    );
  });

  it('writes a memory decrease with a minus sign', () => {
    const results = [
      result(1, cand(), [[8, 500, 9]], 190, C),
      result(2, cand({ dynamicBatching: true }), [[8, 900, 10]], 189, C),
    ];
    expect(explainWinner(results, winnerOf(results), SPACE, C, 5)).toBe(
      'Dynamic batching (max 8, delay 0 µs) raised throughput 1.8× at +1.0 ms p99 and −1 MB',
    );
  });

  it('says a configuration went faster but broke the budget', () => {
    const results = [
      ...computeBound(),
      result(5, cand({ instances: 2, maxBatchSize: 16, dynamicBatching: true }), [[32, 1500, 31]], 210, C),
    ];
    const text = explainWinner(results, winnerOf(results), SPACE, C, 5);
    expect(text).toMatch(
      /went faster \(1500 infer\/s\) but p99 31\.0 ms at concurrency 32 is over the 20\.0 ms budget$/,
    );
  });

  it('compares the alternatives when the plainest configuration wins', () => {
    const results = [
      result(1, cand(), [[4, 1000, 10]], 150, C),
      result(2, cand({ dynamicBatching: true }), [[4, 900, 12]], 160, C),
      result(3, cand({ instances: 2 }), [[4, 980, 10]], 190, C),
    ];
    expect(explainWinner(results, winnerOf(results), SPACE, C, 5)).toBe(
      '1 instance, no dynamic batching (max 8), default intra-op threads was best: ' +
        '1 instance, dynamic batching (max 8, delay 0 µs), default intra-op threads reached 900 infer/s (−10 %) at p99 12.0 ms; ' +
        '2 instances, no dynamic batching (max 8), default intra-op threads reached 980 infer/s (−2 %) at p99 10.0 ms',
    );
  });
});

describe('explainNoWinner and compareWithOriginal', () => {
  it('names the closest configuration and the budget it broke', () => {
    const tight = constraints(2);
    const results = [
      result(1, cand(), [[1, 300, 3.1]], null, tight),
      result(2, cand({ instances: 2 }), [[1, 320, 2.6]], null, tight),
    ];
    expect(chooseWinner(results, 5)).toBeNull();
    expect(explainNoWinner(results)).toBe(
      'No configuration met the constraints: the closest, 2 instances, no dynamic batching (max 8), default intra-op threads, p99 2.60 ms at concurrency 1 is over the 2.00 ms budget',
    );
    expect(explainNoWinner([result(1, cand(), [], null, tight, 'boom')])).toBe(
      'No configuration could be measured: 1 instance, no dynamic batching (max 8), default intra-op threads failed: boom',
    );
  });

  it('gives the ratio against the original config', () => {
    const results = memoryBound();
    expect(compareWithOriginal(results, winnerOf(results), 0, 99)).toBe(
      'Against the original config (1 instance, no dynamic batching (max 8), default intra-op threads): 4.00× the throughput (1100 → 4400 infer/s), p99 15.0 → 18.0 ms',
    );
    expect(compareWithOriginal(results, 0, 0, 99)).toMatch(/^The original config is the one recommended/);
    expect(gainText(1.06)).toBe('6 %');
    expect(gainText(0.88)).toBe('−12 %');
  });
});
