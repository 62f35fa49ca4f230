/** Unit: the exhaustive and quick searches over synthetic landscapes (no server, no sleeping). */
import { describe, expect, it } from 'vitest';
import {
  type Candidate,
  candidateKey,
  enumerateCandidates,
  exhaustiveSearch,
  quickSearch,
  type SearchSpace,
} from '../../../src/tools/tune/index.js';
import { defaultSpace, type Landscape, randomLandscape, scoreOf, seeded } from './landscapes.js';

/** Runs a strategy and returns every score it asked for, by key, in order. */
async function run(
  strategy: typeof quickSearch,
  space: SearchSpace,
  score: (c: Candidate) => number | null,
  maxConfigs = 1000,
): Promise<Map<string, number | null>> {
  const seen = new Map<string, number | null>();
  await strategy(
    space,
    async (c) => {
      const key = candidateKey(c);
      expect(seen.has(key)).toBe(false);
      seen.set(key, score(c));
      return seen.get(key)!;
    },
    { minGainPct: 5, maxConfigs },
  );
  return seen;
}

function best(scores: Map<string, number | null>): [string, number] {
  return [...scores.entries()].reduce<[string, number]>(
    (b, [k, v]) => (v !== null && v > b[1] ? [k, v] : b),
    ['', Number.NEGATIVE_INFINITY],
  );
}

const MEMORY_BOUND: Landscape = {
  base: 1100,
  batchingGain: 4,
  bestBatch: 16,
  instanceGain: 1.1,
  batchedInstanceGain: 0.5,
  delayGain: 1,
  oneThreadGain: 0.8,
  noise: 0,
  budgetThroughput: null,
};

const COMPUTE_BOUND: Landscape = {
  base: 450,
  batchingGain: 1.3,
  bestBatch: 8,
  instanceGain: 2,
  batchedInstanceGain: 1.8,
  delayGain: 0.98,
  oneThreadGain: 1,
  noise: 0,
  budgetThroughput: null,
};

describe('exhaustiveSearch', () => {
  it('measures every distinct candidate of the space once, in order', async () => {
    const space = defaultSpace();
    const seen = await run(exhaustiveSearch, space, () => 1);
    expect([...seen.keys()]).toEqual(enumerateCandidates(space).map(candidateKey));
    expect(seen.size).toBe(21);
  });
});

describe('quickSearch', () => {
  it('finds the best configuration of a memory-bound landscape: batching wins and a second instance hurts', async () => {
    const space = defaultSpace();
    const quick = await run(quickSearch, space, (c) => scoreOf(MEMORY_BOUND, c, 0));
    const all = await run(exhaustiveSearch, space, (c) => scoreOf(MEMORY_BOUND, c, 0));
    expect(best(quick)).toEqual(best(all));
    expect(best(quick)[0]).toBe('i1/mbs16/db:0:default/t0');
    expect(quick.size).toBeLessThan(all.size);
  });

  it('finds the best configuration of a compute-bound landscape: more instances win', async () => {
    const space = defaultSpace([1, 2, 3, 4]);
    const quick = await run(quickSearch, space, (c) => scoreOf(COMPUTE_BOUND, c, 0));
    const all = await run(exhaustiveSearch, space, (c) => scoreOf(COMPUTE_BOUND, c, 0));
    expect(best(quick)).toEqual(best(all));
    expect(best(quick)[0]).toMatch(/^i4\//);
    expect(quick.size).toBeLessThan(all.size / 2);
  });

  it('stays within 10 % of the exhaustive best on 99 % of 600 seeded noisy landscapes, measuring under half as many', async () => {
    let within = 0;
    let worst = 1;
    let quickCount = 0;
    let allCount = 0;
    for (const instances of [
      [1, 2],
      [1, 2, 3, 4],
    ]) {
      for (let seed = 1; seed <= 300; seed++) {
        const rand = seeded(seed);
        const landscape = randomLandscape(rand);
        const noise = new Map<string, number>();
        const score = (c: Candidate) => {
          if (!noise.has(candidateKey(c))) noise.set(candidateKey(c), rand() * 2 - 1);
          return scoreOf(landscape, c, noise.get(candidateKey(c))!);
        };
        const all = await run(exhaustiveSearch, defaultSpace(instances), score);
        const quick = await run(quickSearch, defaultSpace(instances), score);
        const ratio = best(quick)[1] / best(all)[1];
        if (ratio >= 0.9) within++;
        worst = Math.min(worst, ratio);
        quickCount += quick.size;
        allCount += all.size;
      }
    }
    expect(within).toBeGreaterThanOrEqual(594);
    expect(worst).toBeGreaterThan(0.8);
    expect(quickCount).toBeLessThan(allCount / 2);
  });

  it('walks a whole dimension while nothing meets the constraints, then stops at the first step that breaks them', async () => {
    const space = defaultSpace([1, 2, 3, 4]);
    // Only 3 instances without batching meet the constraint; every batched configuration breaks it.
    const score = (c: Candidate) =>
      !c.dynamicBatching && c.instances === 3 && c.intraOpThreads === 0 ? 100 : null;
    const quick = await run(quickSearch, space, score);
    expect(best(quick)).toEqual(['i3/mbs8/nodb/t0', 100]);
    // From the start (1 instance, off) it tried 2, 3 and then 4, which broke the constraint again.
    expect([...quick.keys()].slice(0, 4)).toEqual([
      'i1/mbs8/nodb/t0',
      'i2/mbs8/nodb/t0',
      'i3/mbs8/nodb/t0',
      'i4/mbs8/nodb/t0',
    ]);
  });

  it('measures at most --max-configs configurations', async () => {
    const quick = await run(quickSearch, defaultSpace([1, 2, 3, 4]), (c) => scoreOf(COMPUTE_BOUND, c, 0), 3);
    expect(quick.size).toBe(3);
  });
});
