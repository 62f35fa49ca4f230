/**
 * Measured-looking tune results for the scoring, explanation and writer tests: a candidate, its
 * load levels (level, throughput, latency at the percentile) and memory, judged against the
 * given constraints the way CandidateMeasurer judges a real one.
 */
import {
  type Candidate,
  type CandidateResult,
  type Constraints,
  candidateKey,
  describeCandidate,
  judge,
} from '../../../src/tools/tune/index.js';

/** A candidate with defaults: 1 instance, no dynamic batching, max_batch_size 8, default threads. */
export function cand(extra: Partial<Candidate> = {}): Candidate {
  return {
    instances: 1,
    dynamicBatching: false,
    maxBatchSize: 8,
    maxQueueDelayUs: 0,
    preferredBatchSizes: [],
    intraOpThreads: 0,
    ...extra,
  };
}

/** Constraints: throughput objective at p99, with an optional budget in ms. */
export function constraints(budgetMs: number | null = null, extra: Partial<Constraints> = {}): Constraints {
  return {
    objective: 'throughput',
    percentile: 99,
    latencyBudgetUs: budgetMs === null ? null : budgetMs * 1000,
    minThroughput: 0,
    memoryBudgetBytes: null,
    loadLabel: 'concurrency',
    ...extra,
  };
}

/** A judged result with levels given as [level, infer/s, latency ms]. */
export function result(
  index: number,
  candidate: Candidate,
  levels: readonly [number, number, number][],
  rssMb: number | null,
  c: Constraints,
  error: string | null = null,
): CandidateResult {
  const points = levels.map(([level, throughput, ms]) => ({
    level,
    throughput,
    latencyUs: ms * 1000,
    p50Us: ms * 500,
    p99Us: ms * 1000,
    avgUs: ms * 600,
    queueUs: ms * 100,
    computeUs: ms * 300,
    avgBatchSize: candidate.dynamicBatching ? Math.min(level, candidate.maxBatchSize) : 1,
    stable: true,
  }));
  const rssBytes = rssMb === null ? null : rssMb * 1e6;
  return {
    index,
    key: candidateKey(candidate),
    label: describeCandidate(candidate, true),
    candidate,
    original: index === 1,
    error,
    levels: points,
    rssBytes,
    memoryPerInstanceBytes: rssBytes === null ? null : (rssBytes - 100e6) / candidate.instances,
    loadMs: 900,
    measureMs: 6000,
    ...judge(points, rssBytes, error, c),
  };
}
