/**
 * The space tune searches: the values of each dimension (given by flags, or derived from the model
 * and the machine), a point in it as one index per dimension, the candidate a point stands for
 * (settings that do not apply, such as the queue delay without dynamic batching, take one fixed
 * value, so points that differ only there are the same candidate), and every distinct candidate
 * in order. Values that cannot apply to the model are refused with ERR_TUNE_OPTION.
 */
import { invalidArg } from '../../common/index.js';
import { type Candidate, candidateKey, effectiveThreads } from './candidate.js';
import type { TunableModel } from './tunable-model.js';
import type { ResolvedTuneOptions } from './tune-options.js';

/** The dimensions, in the order the quick search climbs them. */
export const DIMENSIONS = [
  'dynamicBatching',
  'maxBatchSize',
  'maxQueueDelayUs',
  'preferredBatchSizes',
  'instances',
  'intraOpThreads',
] as const;

/** One dimension's name. */
export type Dimension = (typeof DIMENSIONS)[number];

/** The values of every dimension (each list in climbing order) and the facts candidates depend on. */
export interface SearchSpace {
  readonly instances: readonly number[];
  readonly dynamicBatching: readonly boolean[];
  readonly maxBatchSize: readonly number[];
  readonly maxQueueDelayUs: readonly number[];
  readonly preferredBatchSizes: readonly (readonly number[])[];
  readonly intraOpThreads: readonly number[];
  /** max_batch_size of the model as served: kept when dynamic batching is off. */
  readonly servedMaxBatchSize: number;
  /** Sequence model: max_batch_size applies without dynamic batching (it sizes the sequence slots). */
  readonly sequence: boolean;
  /** Cores of the server's machine: two thread settings that give the same count are one candidate. */
  readonly cores: number;
}

/** A point: one index into each dimension's values. */
export type SearchPoint = Readonly<Record<Dimension, number>>;

/** Largest max_batch_size tune derives by default. */
const DEFAULT_MAX_BATCH_LIMIT = 128;

function optionError(message: string): Error {
  return invalidArg('ERR_TUNE_OPTION', message);
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

function defaultMaxBatchSizes(served: number, batchSize: number): number[] {
  const start = Math.max(served, batchSize);
  const out = [start];
  for (const factor of [2, 4]) if (start * factor <= DEFAULT_MAX_BATCH_LIMIT) out.push(start * factor);
  return out;
}

/** The space for `model`: each dimension from the options, or its default (see docs/tune.md). */
export function buildSearchSpace(model: TunableModel, opts: ResolvedTuneOptions): SearchSpace {
  const batches = model.maxBatchSize > 0;
  const dynamic = batches && !model.sequence;
  const name = `'${model.name}'`;
  if (opts.dynamicBatching?.includes(true) && !dynamic) {
    throw optionError(
      `Option dynamic-batching on does not apply to model ${name}: ${model.sequence ? 'it has sequence_batching' : 'it does not batch (max_batch_size 0)'}`,
    );
  }
  if (opts.maxBatchSizes !== null) {
    if (!batches)
      throw optionError(
        `Option max-batch-sizes does not apply to model ${name}: it does not batch (max_batch_size 0)`,
      );
    const small = opts.maxBatchSizes.filter((n) => n < opts.batchSize);
    if (small.length > 0)
      throw optionError(
        `Option max-batch-sizes must be >= the batch size of the load (-b ${opts.batchSize}): received ${small.join(', ')}`,
      );
  }
  if (opts.intraOpThreads?.some((t) => t > 0) && !model.onnx)
    throw optionError(
      `Option intra-op-threads applies to ONNX Runtime models only: model ${name} has backend '${model.backend}'`,
    );
  const maxBatchSize =
    opts.maxBatchSizes ??
    (dynamic ? defaultMaxBatchSizes(model.maxBatchSize, opts.batchSize) : [model.maxBatchSize]);
  return Object.freeze({
    instances: opts.instances ?? range(1, opts.cores),
    dynamicBatching: opts.dynamicBatching ?? (dynamic ? [false, true] : [false]),
    maxBatchSize,
    maxQueueDelayUs: opts.maxQueueDelaysUs ?? [0, 1000],
    preferredBatchSizes: opts.preferredBatchSizes ?? [[]],
    intraOpThreads: opts.intraOpThreads ?? (model.onnx ? [0, 1] : [0]),
    servedMaxBatchSize: model.maxBatchSize,
    sequence: model.sequence,
    cores: opts.cores,
  });
}

/** The point of the first value of every dimension, where the quick search starts. */
export function startPoint(): SearchPoint {
  return {
    dynamicBatching: 0,
    maxBatchSize: 0,
    maxQueueDelayUs: 0,
    preferredBatchSizes: 0,
    instances: 0,
    intraOpThreads: 0,
  };
}

/**
 * The candidate at `point`, or null when the point is not a configuration of its own: preferred
 * batch sizes above max_batch_size, or explicit intra-op threads equal to the default's count.
 */
export function candidateAt(space: SearchSpace, point: SearchPoint): Candidate | null {
  const dynamicBatching = space.dynamicBatching[point.dynamicBatching]!;
  const maxBatchSize =
    dynamicBatching || space.sequence ? space.maxBatchSize[point.maxBatchSize]! : space.servedMaxBatchSize;
  const preferred = dynamicBatching ? space.preferredBatchSizes[point.preferredBatchSizes]! : [];
  if (preferred.some((n) => n > maxBatchSize)) return null;
  const candidate: Candidate = {
    instances: space.instances[point.instances]!,
    dynamicBatching,
    maxBatchSize,
    maxQueueDelayUs: dynamicBatching ? space.maxQueueDelayUs[point.maxQueueDelayUs]! : 0,
    preferredBatchSizes: preferred,
    intraOpThreads: space.intraOpThreads[point.intraOpThreads]!,
  };
  // An explicit count equal to what the default gives is the default's configuration.
  if (
    candidate.intraOpThreads > 0 &&
    space.intraOpThreads.includes(0) &&
    effectiveThreads({ ...candidate, intraOpThreads: 0 }, space.cores) === candidate.intraOpThreads
  ) {
    return null;
  }
  return candidate;
}

function* points(
  space: SearchSpace,
  index: number,
  point: Record<Dimension, number>,
): Generator<SearchPoint> {
  if (index === DIMENSIONS.length) {
    yield { ...point };
    return;
  }
  const dim = DIMENSIONS[index]!;
  for (let i = 0; i < space[dim].length; i++) {
    point[dim] = i;
    yield* points(space, index + 1, point);
  }
}

/** Every distinct candidate of the space, in dimension order, each once. */
export function enumerateCandidates(space: SearchSpace): Candidate[] {
  const out = new Map<string, Candidate>();
  for (const point of points(space, 0, { ...startPoint() })) {
    const c = candidateAt(space, point);
    if (c !== null && !out.has(candidateKey(c))) out.set(candidateKey(c), c);
  }
  return [...out.values()];
}

/** Highest concurrency of the default load sweep. */
const DEFAULT_MAX_CONCURRENCY = 64;

/**
 * The default load: concurrency 1, 2, 4, ... up to twice the rows the largest configuration can
 * run at once (instances × max_batch_size), at least 8 and at most 64.
 */
export function defaultLoadLevels(space: SearchSpace): number[] {
  const batch =
    space.dynamicBatching.includes(true) || space.sequence ? Math.max(1, ...space.maxBatchSize) : 1;
  const top = Math.min(DEFAULT_MAX_CONCURRENCY, Math.max(8, 2 * Math.max(...space.instances) * batch));
  const levels: number[] = [];
  for (let c = 1; c <= top; c *= 2) levels.push(c);
  return levels;
}
