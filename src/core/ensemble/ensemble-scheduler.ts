/**
 * The scheduler of an ensemble "model": it has no instances; each admitted request becomes an
 * EnsembleRun whose step requests go through the server's normal admission (`context.infer`), so
 * every composing model keeps its own scheduler and batches across ensemble requests. Ensemble
 * requests themselves never queue here. With `max_inflight_requests` N > 0 (Triton's global
 * per-step limit) at most N step requests of each step are in flight across all ensemble
 * requests; the next ones wait here, in order, until one of that step's requests is answered, so a
 * decoupled step that answers faster than the next step consumes cannot flood the next model's
 * queue. Step requests of an ensemble request that ended meanwhile are dropped, not submitted.
 */
import type { Clock } from '../../common/index.js';
import { FixedQueue, internal, toServerError, unavailable } from '../../common/index.js';
import type { ModelConfig } from '../../protocol/index.js';
import { type InferenceRequest, RequestState } from '../inference-request.js';
import type { ModelPlan } from '../model-plan.js';
import type { ModelReporter } from '../model-reporter.js';
import type { Scheduler, SchedulerContext, SchedulerFactory } from '../scheduler.js';
import { EnsembleGraph } from './ensemble-graph.js';
import { EnsembleRun, type EnsembleRunHost } from './ensemble-run.js';
import type { StepCall } from './step-call.js';

/** Runs ensemble requests as DAGs of composing-model requests. */
export class EnsembleScheduler implements Scheduler, EnsembleRunHost {
  /** The context it was built with. */
  readonly context: SchedulerContext;
  /** The ensemble's data flow. */
  readonly graph: EnsembleGraph;
  /** The ensemble's request plan (its own inputs and outputs). */
  readonly plan: ModelPlan;
  /** Where the ensemble's own outcomes are reported. */
  readonly reporter: ModelReporter;
  /** Time source. */
  readonly clock: Clock;
  /** The outputs answered when a request names none (all ensemble outputs, config order). */
  readonly wanted: readonly string[];
  private readonly infer: (request: InferenceRequest) => void;
  private readonly runs = new Set<EnsembleRun>();
  /** `max_inflight_requests` (0 = no limit). */
  private readonly maxInflight: number;
  /** Per step: requests in flight (admitted to the composing model, not fully answered). */
  private readonly inflight: number[];
  /** Per step: requests waiting for a place, oldest first (only with a limit). */
  private readonly waiting: FixedQueue<InferenceRequest>[];
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
    this.reporter = context.reporter;
    this.clock = context.clock;
    this.wanted = context.plan.allOutputNames;
    this.infer = infer;
    this.maxInflight = this.graph.maxInflightRequests;
    this.inflight = this.graph.steps.map(() => 0);
    this.waiting = this.graph.steps.map(() => new FixedQueue<InferenceRequest>());
  }

  /** Step requests of step `index` in flight at its composing model (for tests and diagnostics). */
  stepInflight(index: number): number {
    return this.inflight[index] ?? 0;
  }

  /** Step requests of step `index` waiting for a place under `max_inflight_requests`. */
  stepWaiting(index: number): number {
    return this.waiting[index]?.length ?? 0;
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

  /**
   * Admits one step request to its composing model, or queues it while its step has
   * `max_inflight_requests` in flight. Throws what the server's admission throws (the run fails).
   */
  submit(request: InferenceRequest, call: StepCall): void {
    if (this.maxInflight === 0) {
      this.infer(request);
      return;
    }
    const index = call.step.index;
    if (this.inflight[index]! >= this.maxInflight) {
      this.waiting[index]!.push(request);
      return;
    }
    this.admit(request, call);
  }

  /** A step request got its last answer: frees its place and admits the next waiting one. */
  release(call: StepCall): void {
    if (!call.holdsPlace) return;
    call.holdsPlace = false;
    const index = call.step.index;
    this.inflight[index]!--;
    const queue = this.waiting[index]!;
    while (this.inflight[index]! < this.maxInflight && !queue.isEmpty()) {
      const next = queue.shift()!;
      const nextCall = next.sink as StepCall;
      if (nextCall.run.isDone) continue; // its ensemble request already failed or was cancelled
      try {
        this.admit(next, nextCall);
      } catch (err) {
        next.sink.onError(next, toServerError(err));
      }
    }
  }

  private admit(request: InferenceRequest, call: StepCall): void {
    const index = call.step.index;
    this.inflight[index]!++;
    call.holdsPlace = true;
    try {
      this.infer(request);
    } catch (err) {
      call.holdsPlace = false;
      this.inflight[index]!--;
      throw err;
    }
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
