/**
 * The server-wide bound on model instances: every instance is a worker thread (or process) with
 * its own runtime and memory (tens of MB each), so one model config or a flood of loads must not
 * be able to start an unbounded number of them. A version reserves its instances before they
 * start and releases them when it is unloaded; a reload holds old and new at once while it swaps.
 */
import { invalidArg, unavailable } from '../common/index.js';

/** Default most instances of one model version (`--max-instances-per-model`). */
export const DEFAULT_MAX_INSTANCES_PER_MODEL = 64;

/** Default most instances across the server (`--max-total-instances`). */
export const DEFAULT_MAX_TOTAL_INSTANCES = 256;

/** Options of an InstanceBudget. */
export interface InstanceBudgetOptions {
  /** Most instances of one model version; default 64. */
  maxPerModel?: number;
  /** Most instances across the server, all versions and reloads in progress; default 256. */
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
    this.maxPerModel = options.maxPerModel ?? DEFAULT_MAX_INSTANCES_PER_MODEL;
    this.maxTotal = options.maxTotal ?? DEFAULT_MAX_TOTAL_INSTANCES;
  }

  /** Instances reserved now. */
  get reserved(): number {
    return this.used;
  }

  /**
   * Reserves `count` instances for `model`.
   * @throws ServerError INVALID_ARG (ERR_INSTANCE_LIMIT) past the per-model bound (the config is wrong);
   *   UNAVAILABLE (ERR_INSTANCE_LIMIT) past the server-wide bound (others hold the room)
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
        'ERR_INSTANCE_LIMIT',
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
