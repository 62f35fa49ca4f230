/**
 * Synthetic throughput landscapes for the search tests: a model's throughput as a product of
 * effects of each setting (batching gain shaped by max_batch_size and the queue delay, instances
 * that help or hurt with and without batching, intra-op threads), with seeded noise and an
 * optional latency budget that some configurations break. Deterministic for a seed.
 */
import type { Candidate, SearchSpace } from '../../../src/tools/tune/index.js';

/** One landscape's effects. */
export interface Landscape {
  /** Throughput of 1 instance without batching. */
  base: number;
  /** Throughput factor of dynamic batching at the best max_batch_size. */
  batchingGain: number;
  /** The max_batch_size batching works best at. */
  bestBatch: number;
  /** Factor per extra instance without batching. */
  instanceGain: number;
  /** Factor per extra instance with batching. */
  batchedInstanceGain: number;
  /** Factor of a 1000 µs queue delay with batching. */
  delayGain: number;
  /** Factor of one intra-op thread instead of the default. */
  oneThreadGain: number;
  /** Relative noise amplitude (0.05 = ±5 %). */
  noise: number;
  /** Configurations whose throughput exceeds this break the budget (null = no budget). */
  budgetThroughput: number | null;
}

/** A small deterministic PRNG (mulberry32). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The landscape's score of `c` (null when it breaks the budget). */
export function scoreOf(l: Landscape, c: Candidate, noise: number): number | null {
  let tp = l.base;
  if (c.dynamicBatching) {
    const distance = Math.abs(Math.log2(c.maxBatchSize / l.bestBatch));
    tp *= 1 + (l.batchingGain - 1) / (1 + distance);
    if (c.maxQueueDelayUs > 0) tp *= l.delayGain;
  }
  tp *= (c.dynamicBatching ? l.batchedInstanceGain : l.instanceGain) ** (c.instances - 1);
  if (c.intraOpThreads === 1) tp *= l.oneThreadGain;
  tp *= 1 + noise * l.noise;
  if (l.budgetThroughput !== null && tp > l.budgetThroughput) return null;
  return tp;
}

/** A random landscape of plausible shape. */
export function randomLandscape(rand: () => number): Landscape {
  const pick = (lo: number, hi: number) => lo + (hi - lo) * rand();
  return {
    base: pick(100, 2000),
    batchingGain: pick(0.7, 6),
    bestBatch: [8, 16, 32][Math.floor(rand() * 3)]!,
    instanceGain: pick(0.8, 1.9),
    batchedInstanceGain: pick(0.5, 1.6),
    delayGain: pick(0.9, 1.1),
    oneThreadGain: pick(0.8, 1.25),
    noise: 0.03,
    budgetThroughput: null,
  };
}

/** The space of a batching ONNX model on a 2-core machine (the default dimensions). */
export function defaultSpace(instances: readonly number[] = [1, 2]): SearchSpace {
  return {
    instances,
    dynamicBatching: [false, true],
    maxBatchSize: [8, 16, 32],
    maxQueueDelayUs: [0, 1000],
    preferredBatchSizes: [[]],
    intraOpThreads: [0, 1],
    servedMaxBatchSize: 8,
    sequence: false,
    cores: 2,
  };
}
