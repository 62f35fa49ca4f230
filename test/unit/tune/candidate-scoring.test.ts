/** Unit: judging configurations against the constraints, choosing the winner, the Pareto front. */
import { describe, expect, it } from 'vitest';
import { chooseWinner, judge, paretoFront } from '../../../src/tools/tune/index.js';
import { cand, constraints, result } from './results-fixture.js';

const LEVELS: [number, number, number][] = [
  [1, 300, 4],
  [4, 900, 12],
  [16, 1000, 35],
];

describe('judge', () => {
  it('reports the highest-throughput level within the latency budget', () => {
    const r = result(1, cand(), LEVELS, 150, constraints(20));
    expect(r.chosenLevel).toBe(1);
    expect(r.score).toBe(900);
    expect(r.verdict).toBe('ok');
  });

  it('names the lowest latency and the budget when no level meets it', () => {
    const r = result(1, cand(), LEVELS, 150, constraints(3));
    expect(r.score).toBeNull();
    expect(r.chosenLevel).toBe(0);
    expect(r.verdict).toBe('p99 4.00 ms at concurrency 1 is over the 3.00 ms budget');
  });

  it('fails a configuration under the minimum throughput or over the memory budget', () => {
    expect(result(1, cand(), LEVELS, 150, constraints(null, { minThroughput: 2000 })).verdict).toBe(
      '1000 infer/s is below the minimum of 2000',
    );
    const heavy = result(1, cand(), LEVELS, 650, constraints(null, { memoryBudgetBytes: 500e6 }));
    expect(heavy.score).toBeNull();
    expect(heavy.verdict).toBe('server memory 650 MB is over the 500 MB budget');
  });

  it('scores minus the latency for the latency objective and reports a failed one as failed', () => {
    const c = constraints(null, { objective: 'latency' });
    expect(judge([{ ...result(1, cand(), [[8, 500, 7]], null, c).levels[0]! }], null, null, c).score).toBe(
      -7000,
    );
    expect(result(1, cand(), [], null, c, 'the server refused the config: too many instances').verdict).toBe(
      'failed: the server refused the config: too many instances',
    );
  });
});

describe('chooseWinner', () => {
  it('prefers the cheaper configuration within --min-gain-pct of the best score', () => {
    const c = constraints();
    const results = [
      result(1, cand(), [[8, 1000, 10]], 150, c),
      result(2, cand({ instances: 2 }), [[8, 1030, 9]], 190, c),
      result(3, cand({ instances: 2, dynamicBatching: true }), [[8, 1200, 9]], 200, c),
    ];
    expect(chooseWinner(results.slice(0, 2), 5)).toBe(0);
    expect(chooseWinner(results.slice(0, 2), 0)).toBe(1);
    expect(chooseWinner(results, 5)).toBe(2);
    expect(chooseWinner([result(1, cand(), LEVELS, null, constraints(1))], 5)).toBeNull();
  });
});

describe('paretoFront', () => {
  it('keeps only configurations no other beats on both throughput and latency, by rising latency', () => {
    const c = constraints();
    const results = [
      result(1, cand(), [[4, 500, 5]], null, c),
      result(2, cand({ instances: 2 }), [[4, 800, 6]], null, c),
      result(3, cand({ dynamicBatching: true }), [[4, 700, 8]], null, c),
      result(4, cand({ instances: 3 }), [[4, 1100, 15]], null, c),
      result(5, cand({ instances: 4 }), [], null, c, 'refused'),
    ];
    expect(paretoFront(results)).toEqual([0, 1, 3]);
  });
});
