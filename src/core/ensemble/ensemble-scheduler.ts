/**
 * The scheduler of an ensemble "model": it has no instances; each admitted request becomes an
 * EnsembleRun whose step requests go through the server's normal admission (`context.infer`), so
 * every composing model keeps its own scheduler and batches across ensemble requests. It does
 * not queue (there is nothing to wait for here) and does not enforce `max_inflight_requests`.
 */
import type { Clock } from '../../common/clock.js';
import { internal, unavailable } from '../../common/errors.js';
import type { ModelConfig } from '../../config/model-config.js';
import { type InferenceRequest, RequestState } from '../inference-request.js';
import type { ModelPlan } from '../model-plan.js';
import type { ModelStatistics } from '../model-statistics.js';
import type { RequestObserver } from '../request-observer.js';
import type { Scheduler, SchedulerContext, SchedulerFactory } from '../scheduler.js';
import { EnsembleGraph } from './ensemble-graph.js';
import { EnsembleRun } from './ensemble-run.js';

/** Runs ensemble requests as DAGs of composing-model requests. */
export class EnsembleScheduler implements Scheduler {
  /** The context it was built with. */
  readonly context: SchedulerContext;
  /** The ensemble's data flow. */
  readonly graph: EnsembleGraph;
  /** The ensemble's request plan (its own inputs and outputs). */
  readonly plan: ModelPlan;
  /** Statistics of the ensemble itself. */
  readonly stats: ModelStatistics;
  /** Time source. */
  readonly clock: Clock;
  /** Metrics hook or null. */
  readonly observer: RequestObserver | null;
  /** The outputs answered when a request names none (all ensemble outputs, config order). */
  readonly wanted: readonly string[];
  private readonly infer: (request: InferenceRequest) => void;
  private readonly runs = new Set<EnsembleRun>();
  private closed = false;
  private idleWaiters: (() => void)[] = [];

  constructor(context: SchedulerContext) {
    const infer = context.infer;
    if (infer === undefined) {
      throw internal(
        'ERR_ENSEMBLE',
        `Ensemble '${context.modelName}' needs the server's infer in its scheduler context`,
      );
    }
    this.context = context;
    this.graph = new EnsembleGraph(context.config);
    this.plan = context.plan;
    this.stats = context.stats;
    this.clock = context.clock;
    this.observer = context.observer;
    this.wanted = context.plan.allOutputNames;
    this.infer = infer;
  }

  /** Ensemble requests are never queued here. */
  get pendingCount(): number {
    return 0;
  }

  /** Ensemble requests in flight. */
  get executingCount(): number {
    return this.runs.size;
  }

  enqueue(request: InferenceRequest): void {
    if (this.closed) {
      throw unavailable('ERR_MODEL_UNLOADING', `Model '${this.context.modelName}' is unloading`);
    }
    request.state = RequestState.EXECUTING;
    request.startNs = this.clock.nowNs();
    const run = new EnsembleRun(this, request);
    this.runs.add(run);
    run.start();
  }

  /** A running ensemble request is not removed; its run stops at the next step (request.cancelled). */
  cancel(_request: InferenceRequest): boolean {
    return false;
  }

  /** Admits one step request to its composing model. */
  submit(request: InferenceRequest): void {
    this.infer(request);
  }

  /** Called by a run once its request is answered. */
  onRunDone(run: EnsembleRun): void {
    this.runs.delete(run);
    if (this.runs.size !== 0 || this.idleWaiters.length === 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  idle(): Promise<void> {
    if (this.runs.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  close(): void {
    this.closed = true;
  }
}

/** Selects the ensemble scheduler for `platform: "ensemble"` / `ensemble_scheduling` configs. */
export const ensembleSchedulerFactory: SchedulerFactory = {
  name: 'ensemble',
  matches: (config: ModelConfig) =>
    config.ensemble_scheduling !== undefined || config.platform === 'ensemble',
  create: (context) => new EnsembleScheduler(context),
};
