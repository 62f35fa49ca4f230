/**
 * The Scheduler contract every scheduling policy implements (default FIFO, dynamic batcher,
 * sequence batcher, ...), the context they are built with, and the registry that picks one from
 * a model's config. Policies decide *which* requests run together and *when*; BatchExecution does
 * the running.
 */
import type { Clock, Logger } from '../common/index.js';
import type { ModelConfig } from '../protocol/index.js';
import type { InferenceRequest } from './inference-request.js';
import type { InstancePool } from './instance-pool.js';
import type { ModelPlan } from './model-plan.js';
import type { ModelReporter } from './model-reporter.js';

/** A scheduling policy for one model version. */
export interface Scheduler {
  /**
   * Admits a validated request. Every admitted request completes exactly once through its sink.
   * @throws ServerError when the request cannot be admitted (e.g. queue full); the caller answers it
   */
  enqueue(request: InferenceRequest): void;
  /** Removes a request that has not started; true when it was removed (the caller answers it). */
  cancel(request: InferenceRequest): boolean;
  /** Requests waiting to execute. */
  readonly pendingCount: number;
  /** Requests executing now. */
  readonly executingCount: number;
  /** Resolves once nothing is queued or executing. */
  idle(): Promise<void>;
  /** Stops scheduling; queued requests fail with UNAVAILABLE. */
  close(): void;
  /**
   * Optional: reads and checks what this policy needs from a validated request before the cache
   * and the queue see it (a generation request's prompt and sampling parameters).
   * @throws ServerError when the request is malformed for this policy
   */
  prepare?(request: InferenceRequest): void;
  /**
   * Optional, after `prepare`: what besides the inputs decides the answer, hashed into the
   * response-cache key ('' when nothing), or null when the answer must not be cached (sampling
   * that is not deterministic). Without it every request is cacheable on its inputs.
   */
  cacheSalt?(request: InferenceRequest): string | null;
  /** Optional: the generation load (sequences running and waiting, slots) read when metrics are scraped. */
  generationLoad?(): GenerationLoad;
}

/** What a generation scheduler reports to the metrics. */
export interface GenerationLoad {
  /** Requests decoding now (each holds a sequence slot). */
  readonly running: number;
  /** Requests waiting for a slot. */
  readonly waiting: number;
  /** Sequence slots in use (their KV cells). */
  readonly slotsUsed: number;
  /** Sequence slots of all instances. */
  readonly slotsTotal: number;
}

/** What a scheduler is built with. */
export interface SchedulerContext {
  /** Model name. */
  readonly modelName: string;
  /** Version as a decimal string. */
  readonly versionString: string;
  /** The validated config. */
  readonly config: ModelConfig;
  /** The request plan. */
  readonly plan: ModelPlan;
  /** The instances to run on. */
  readonly pool: InstancePool;
  /** Where every outcome of this version is reported (its statistics and the metrics), once each. */
  readonly reporter: ModelReporter;
  /** Time source. */
  readonly clock: Clock;
  /** Server log. */
  readonly logger: Logger;
  /** Admits a request to another model (the server's infer); ensembles submit their steps with it. */
  readonly infer?: (request: InferenceRequest) => void;
  /** The model directory (`<repository>/<model>`), for files such as initial_state data; default unknown. */
  readonly modelDir?: string;
  /** Whether the model's backend carries implicit sequence state (Backend.implicitState); default false. */
  readonly implicitState?: boolean;
}

/** Builds a scheduler for a model whose config selects it. */
export interface SchedulerFactory {
  /** Policy name for logs (`default`, `dynamic`, `sequence`). */
  readonly name: string;
  /** Whether this policy serves the given config. */
  matches(config: ModelConfig): boolean;
  /** Creates the scheduler. */
  create(context: SchedulerContext): Scheduler;
}

/** Picks a scheduler factory by config; the last registered matching factory wins. */
export class SchedulerRegistry {
  private readonly factories: SchedulerFactory[] = [];

  /** Adds a policy. */
  register(factory: SchedulerFactory): this {
    this.factories.push(factory);
    return this;
  }

  /** The policy for `config`. */
  resolve(config: ModelConfig): SchedulerFactory {
    for (let i = this.factories.length - 1; i >= 0; i--) {
      if (this.factories[i]!.matches(config)) return this.factories[i]!;
    }
    throw new Error(`No scheduler serves model '${config.name}'`);
  }
}
