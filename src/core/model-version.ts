/**
 * One loaded, servable version of a model: its config, plan, instances, scheduler and statistics.
 * The request path finds a ModelVersion and hands the request to its scheduler.
 */
import type { ModelConfig } from '../protocol/index.js';
import type { InstancePool } from './instance-pool.js';
import type { ModelPlan } from './model-plan.js';
import type { ModelReporter } from './model-reporter.js';
import type { ModelStatistics } from './model-statistics.js';
import type { Scheduler } from './scheduler.js';

/** A servable model version. */
export class ModelVersion {
  /** Model name. */
  readonly name: string;
  /** Version number. */
  readonly version: number;
  /** Version as a decimal string (what the protocol carries). */
  readonly versionString: string;
  /** Validated config. */
  readonly config: ModelConfig;
  /** Request plan. */
  readonly plan: ModelPlan;
  /** Instances. */
  readonly pool: InstancePool;
  /** Scheduling policy. */
  readonly scheduler: Scheduler;
  /** Where its outcomes are reported (its statistics and the metrics). */
  readonly reporter: ModelReporter;
  /** Name of the scheduling policy, for logs. */
  readonly schedulerName: string;
  /** Called once the instances are released (returns them to the server's instance budget). */
  private readonly onReleased: (() => void) | null;

  constructor(
    name: string,
    version: number,
    config: ModelConfig,
    plan: ModelPlan,
    pool: InstancePool,
    scheduler: Scheduler,
    reporter: ModelReporter,
    schedulerName: string,
    onReleased: (() => void) | null = null,
  ) {
    this.name = name;
    this.version = version;
    this.versionString = String(version);
    this.config = config;
    this.plan = plan;
    this.pool = pool;
    this.scheduler = scheduler;
    this.reporter = reporter;
    this.schedulerName = schedulerName;
    this.onReleased = onReleased;
  }

  /** Statistics (Triton's statistics extension), as its reporter keeps them. */
  get stats(): ModelStatistics {
    return this.reporter.stats;
  }

  /** Finishes queued and running work, then releases the instances. */
  async unload(): Promise<void> {
    await this.scheduler.idle();
    this.scheduler.close();
    try {
      await this.pool.close();
    } finally {
      this.onReleased?.();
    }
  }
}
