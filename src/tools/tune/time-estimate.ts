/**
 * How long a tune run will take, said before it starts: configurations to measure (all of them
 * for the exhaustive search; for the quick search about one per value of each dimension plus a
 * confirming pass), each one a config load plus load levels of 3 to --max-trials windows. Also
 * the remaining-time figure of the progress line, from the configurations measured so far.
 */
import { DIMENSIONS, type SearchSpace } from './search-space.js';

/** An estimate in milliseconds. */
export interface TimeEstimate {
  /** Configurations expected to be measured. */
  configs: number;
  /** Configurations at most. */
  maxConfigs: number;
  /** Likely duration, ms. */
  typicalMs: number;
  /** Shortest duration (every sweep stops after one level and 3 windows), ms. */
  minMs: number;
  /** Longest duration (every level of every configuration to --max-trials), ms. */
  maxMs: number;
}

/** What an estimate depends on. */
export interface EstimateInput {
  readonly search: 'quick' | 'exhaustive';
  readonly space: SearchSpace;
  /** Distinct configurations in the space (plus the original when it lies outside). */
  readonly size: number;
  readonly maxConfigs: number;
  readonly levels: number;
  readonly measurementIntervalMs: number;
  readonly maxTrials: number;
}

/** Assumed time to load one configuration and start the load workers, ms. */
export const LOAD_ESTIMATE_MS = 2000;
/** Windows a level typically needs before it is stable (3 is the least). */
const TYPICAL_WINDOWS = 4;
/** Load levels a sweep typically climbs before throughput stops rising. */
const TYPICAL_LEVELS = 4;

/** Configurations the quick search typically measures. */
function quickConfigs(space: SearchSpace): number {
  return 1 + DIMENSIONS.reduce((n, d) => n + space[d].length - 1, 0) + 2;
}

/** Estimates a run. */
export function estimateDuration(input: EstimateInput): TimeEstimate {
  const maxConfigs = Math.min(input.size, input.maxConfigs);
  const configs =
    input.search === 'exhaustive' ? maxConfigs : Math.min(maxConfigs, quickConfigs(input.space));
  const window = input.measurementIntervalMs;
  const typicalLevels = Math.min(input.levels, TYPICAL_LEVELS);
  const typicalWindows = Math.min(input.maxTrials, TYPICAL_WINDOWS);
  return {
    configs,
    maxConfigs,
    typicalMs: configs * (LOAD_ESTIMATE_MS + typicalLevels * typicalWindows * window),
    minMs: configs * (LOAD_ESTIMATE_MS + 3 * window),
    maxMs: maxConfigs * (LOAD_ESTIMATE_MS + input.levels * input.maxTrials * window),
  };
}

/** `45 s`, `3.5 min`, `1.2 h`. */
export function formatDuration(ms: number): string {
  if (ms < 90_000) return `${Math.max(1, Math.round(ms / 1000))} s`;
  if (ms < 90 * 60_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}
