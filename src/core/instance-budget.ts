/**
 * The server-wide bound on model instances: every instance is a worker thread (or process) with
 * its own runtime and memory (tens of MB each), so one model config or a flood of loads must not
 * be able to start an unbounded number of them. A version reserves its instances before they
 * start and releases them when it is unloaded; a reload holds old and new at once while it swaps.
 */
import { availableParallelism } from 'node:os';
import { invalidArg, unavailable } from '../common/index.js';

/**
 * Default most instances of one model version: 4 per core, at least 16. Instances beyond the
 * cores add memory (tens of MB each), not speed, for compute-bound models; I/O-bound ones may
 * raise it with `--max-instances-per-model`.
 */
export function defaultMaxInstancesPerModel(cores: number = availableParallelism()): number {
  return Math.max(16, 4 * cores);
}

/** Default most instances across the server: 16 per core, at least 64. */
export function defaultMaxTotalInstances(cores: number = availableParallelism()): number {
  return Math.max(64, 16 * cores);
}

/** Options of an InstanceBudget. */
export interface InstanceBudgetOptions {
  /** Most instances of one model version; default defaultMaxInstancesPerModel(). */
  maxPerModel?: number;
  /** Most instances across the server, all versions and reloads in progress; default defaultMaxTotalInstances(). */
  maxTotal?: number;
}

/** Counts the instances the server runs against its bounds. */
export class InstanceBudget {
  /** Most instances of one model version. */
  readonly maxPerModel: number;
  /** Most instances across the server. */
  readonly maxTotal: number;
  private used = 0;

  constructor(options: InstanceBudgetOptions = {}) {
    this.maxPerModel = options.maxPerModel ?? defaultMaxInstancesPerModel();
    this.maxTotal = options.maxTotal ?? defaultMaxTotalInstances();
  }

  /** Instances reserved now. */
  get reserved(): number {
    return this.used;
  }

  /**
   * Reserves `count` instances for `model`.
   * @throws ServerError INVALID_ARG (ERR_INSTANCE_LIMIT) past the per-model bound (the config is wrong);
   *   UNAVAILABLE (ERR_SERVER_INSTANCE_LIMIT) past the server-wide bound (others hold the room)
   */
  reserve(model: string, count: number): void {
    if (count > this.maxPerModel) {
      throw invalidArg(
        'ERR_INSTANCE_LIMIT',
        `instance_group asks for ${count} instances of '${model}': at most ${this.maxPerModel} per model (--max-instances-per-model)`,
      );
    }
    if (this.used + count > this.maxTotal) {
      throw unavailable(
        'ERR_SERVER_INSTANCE_LIMIT',
        `instance_group asks for ${count} instances of '${model}' but only ${this.maxTotal - this.used} of ${this.maxTotal} remain on this server (--max-total-instances)`,
      );
    }
    this.used += count;
  }

  /** Returns `count` instances reserved earlier. */
  release(count: number): void {
    this.used = Math.max(0, this.used - count);
  }
}
