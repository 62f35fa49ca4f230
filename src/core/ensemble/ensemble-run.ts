/**
 * One ensemble request in flight: holds its ensemble tensors (inputs and intermediate tensors stay
 * here, never reach the client), fires each step as soon as all its mapped inputs exist (so
 * independent steps run concurrently, each through its own model's scheduler), forwards
 * responses of decoupled steps, and answers the ensemble request exactly once (decoupled
 * ensembles: one or more responses, the last final). It does not queue or batch anything itself.
 */
import type { Clock } from '../../common/index.js';
import { cancelled, ServerError, Status } from '../../common/index.js';
import type { Tensor } from '../../protocol/index.js';
import { classify } from '../../protocol/index.js';
import { InferenceRequest, type InferenceResponse, RequestState } from '../inference-request.js';
import type { ModelPlan } from '../model-plan.js';
import type { ModelReporter } from '../model-reporter.js';
import type { SchedulerContext } from '../scheduler.js';
import { findTensor } from '../tensor-rows.js';
import { traceEnded } from '../trace-hooks.js';
import type { EnsembleGraph, EnsembleStepPlan } from './ensemble-graph.js';
import { StepCall, type StepCallOwner } from './step-call.js';

/**
 * What a run uses of its ensemble's scheduler (EnsembleScheduler implements it; an interface here
 * so that a run does not import the scheduler that creates it).
 */
export interface EnsembleRunHost {
  /** The ensemble's scheduler context (model name and version for metrics). */
  readonly context: SchedulerContext;
  /** The ensemble's steps and tensor wiring. */
  readonly graph: EnsembleGraph;
  /** The ensemble's request plan. */
  readonly plan: ModelPlan;
  /** Reports the ensemble's outcomes to its statistics and metrics. */
  readonly reporter: ModelReporter;
  /** Time source. */
  readonly clock: Clock;
  /** The outputs a request without `outputs` gets, in config order. */
  readonly wanted: readonly string[];
  /** Admits a step request (now, or when its step has a free place). */
  submit(request: InferenceRequest, call: StepCall): void;
  /** Frees the place of a step request that got its last answer. */
  release(call: StepCall): void;
  /** The run answered its request. */
  onRunDone(run: EnsembleRun): void;
}

/** One ensemble request being executed. */
export class EnsembleRun implements StepCallOwner {
  private readonly scheduler: EnsembleRunHost;
  /** The client's ensemble request. */
  readonly request: InferenceRequest;
  /** Ensemble tensors by name (inputs, intermediates, outputs). */
  private readonly tensors = new Map<string, Tensor>();
  /** Ensemble outputs written since the last response (decoupled ensembles). */
  private readonly pending = new Map<string, Tensor>();
  /** Step requests admitted and not finished (plus one while firing). */
  private outstanding: number;
  /** Set once the ensemble request is answered (final response or error). */
  private done: boolean;
  /** Summed server-side times of the step responses, in ns. */
  private queueNs: number;
  private computeInputNs: number;
  private computeInferNs: number;
  private computeOutputNs: number;

  constructor(scheduler: EnsembleRunHost, request: InferenceRequest) {
    this.scheduler = scheduler;
    this.request = request;
    this.outstanding = 0;
    this.done = false;
    this.queueNs = 0;
    this.computeInputNs = 0;
    this.computeInferNs = 0;
    this.computeOutputNs = 0;
  }

  /** Starts every step whose inputs are all ensemble inputs. */
  start(): void {
    for (const t of this.request.inputs) this.tensors.set(t.name, t);
    this.outstanding++; // guard: a step answering synchronously must not end the run early
    for (const step of this.scheduler.graph.initialSteps) {
      if (this.done) break;
      this.fire(step);
    }
    this.outstanding--;
    this.checkComplete();
  }

  /** A response of a step (decoupled steps: one of many; `response` null = empty final). */
  onStepResponse(step: EnsembleStepPlan, response: InferenceResponse | null, final: boolean): void {
    if (this.done) {
      if (final) this.outstanding--;
      return;
    }
    let ready: EnsembleStepPlan[] | null = null;
    if (response !== null) {
      this.queueNs += response.timing.queueNs;
      this.computeInputNs += response.timing.computeInputNs;
      this.computeInferNs += response.timing.computeInferNs;
      this.computeOutputNs += response.timing.computeOutputNs;
      ready = this.store(step, response.outputs);
    }
    if (ready !== null) for (const next of ready) if (!this.done) this.fire(next);
    if (final) this.outstanding--;
    if (this.done) return;
    if (this.scheduler.plan.decoupled && this.hasAllWanted(this.pending)) {
      if (this.outstanding === 0) this.succeed(this.pending);
      else this.respond(this.pending, false);
      this.pending.clear();
      return;
    }
    this.checkComplete();
  }

  /** Whether the request was answered (or failed); later step answers are dropped. */
  get isDone(): boolean {
    return this.done;
  }

  /** A step request got its last answer (or failed): its place at the step is free again. */
  onStepCallDone(call: StepCall): void {
    this.scheduler.release(call);
  }

  /** A step failed: the ensemble request fails with a message naming the step. */
  onStepError(step: EnsembleStepPlan, error: ServerError): void {
    this.outstanding--;
    this.fail(step, error);
  }

  /** Writes a step's outputs under their ensemble names; returns the steps that became ready. */
  private store(step: EnsembleStepPlan, outputs: readonly Tensor[]): EnsembleStepPlan[] | null {
    const { graph } = this.scheduler;
    let ready: EnsembleStepPlan[] | null = null;
    for (const mapped of step.outputs) {
      const t = findTensor(outputs, mapped.modelOutput);
      if (t === undefined) continue;
      const renamed: Tensor = { name: mapped.tensor, datatype: t.datatype, shape: t.shape, data: t.data };
      this.tensors.set(mapped.tensor, renamed);
      if (graph.outputNames.has(mapped.tensor)) this.pending.set(mapped.tensor, renamed);
      const consumers = graph.consumers.get(mapped.tensor);
      if (consumers === undefined) continue;
      for (const next of consumers) {
        if (!next.inputs.every((i) => this.tensors.has(i.tensor))) continue;
        if (ready === null) ready = [next];
        else if (!ready.includes(next)) ready.push(next);
      }
    }
    return ready;
  }

  /** Submits one step request to its composing model (cancellation is checked here). */
  private fire(step: EnsembleStepPlan): void {
    if (this.request.cancelled) {
      this.cancel(step);
      return;
    }
    const inputs: Tensor[] = new Array(step.inputs.length);
    for (let i = 0; i < step.inputs.length; i++) {
      const mapped = step.inputs[i]!;
      const t = this.tensors.get(mapped.tensor)!;
      inputs[i] = { name: mapped.modelInput, datatype: t.datatype, shape: t.shape, data: t.data };
    }
    const call = new StepCall(this, step);
    const stepRequest = new InferenceRequest({
      modelName: step.modelName,
      modelVersion: step.modelVersion,
      id: this.request.id,
      parameters: this.request.parameters,
      inputs,
      outputs: step.requestedOutputs,
      sink: call,
      trace: this.request.trace === null ? null : this.request.trace.spawn(step.modelName),
    });
    this.outstanding++;
    try {
      this.scheduler.submit(stepRequest, call);
    } catch (err) {
      this.outstanding--;
      this.fail(
        step,
        err instanceof ServerError ? err : new ServerError(Status.INTERNAL, 'ERR_ENSEMBLE_STEP', String(err)),
      );
    }
  }

  /** Answers the request when no step is running any more. */
  private checkComplete(): void {
    if (this.done || this.outstanding !== 0) return;
    if (this.scheduler.plan.decoupled) {
      if (this.pending.size > 0 && this.hasAllWanted(this.pending)) this.succeed(this.pending);
      else this.succeed(null);
      return;
    }
    const { wanted } = this.scheduler;
    for (const name of this.request.outputs?.map((o) => o.name) ?? wanted) {
      if (!this.tensors.has(name)) {
        this.finishWithError(
          new ServerError(
            Status.INTERNAL,
            'ERR_ENSEMBLE_OUTPUT',
            `Ensemble '${this.scheduler.graph.name}' finished without producing output '${name}'`,
          ),
          'OTHER',
        );
        return;
      }
    }
    this.succeed(this.tensors);
  }

  private hasAllWanted(tensors: ReadonlyMap<string, Tensor>): boolean {
    const requested = this.request.outputs;
    if (requested === null) {
      for (const name of this.scheduler.wanted) if (!tensors.has(name)) return false;
      return true;
    }
    for (const o of requested) if (!tensors.has(o.name)) return false;
    return true;
  }

  /** Sends the final response (`tensors` null = an empty final response) and records success. */
  private succeed(tensors: ReadonlyMap<string, Tensor> | null): void {
    const response = tensors === null ? null : this.buildResponse(tensors);
    this.done = true;
    const { reporter, clock } = this.scheduler;
    const request = this.request;
    request.state = RequestState.DONE;
    const totalNs = clock.nowNs() - request.arrivalNs;
    reporter.succeeded({
      queueNs: this.queueNs,
      computeInputNs: this.computeInputNs,
      computeInferNs: this.computeInferNs,
      computeOutputNs: this.computeOutputNs,
      totalNs,
    });
    reporter.composed(request.batchSize);
    if (request.trace !== null) traceEnded(request.trace, request.arrivalNs + totalNs);
    this.scheduler.onRunDone(this);
    request.sink.onResponse(request, response, true);
  }

  /** Sends a non-final response of a decoupled ensemble. */
  private respond(tensors: ReadonlyMap<string, Tensor>, final: boolean): void {
    this.request.sink.onResponse(this.request, this.buildResponse(tensors), final);
  }

  private buildResponse(tensors: ReadonlyMap<string, Tensor>): InferenceResponse {
    const { context, plan, wanted, clock } = this.scheduler;
    const request = this.request;
    const outputs: Tensor[] = [];
    if (request.outputs === null) {
      for (const name of wanted) outputs.push(tensors.get(name)!);
    } else {
      for (const o of request.outputs) {
        const t = tensors.get(o.name)!;
        outputs.push(
          o.classCount > 0
            ? classify(t, o.classCount, {
                batched: plan.batched,
                labels: plan.outputsByName.get(o.name)?.labels ?? null,
              })
            : t,
        );
      }
    }
    return {
      modelName: context.modelName,
      modelVersion: context.versionString,
      id: request.id,
      parameters: null,
      outputs,
      timing: {
        queueNs: this.queueNs,
        computeInputNs: this.computeInputNs,
        computeInferNs: this.computeInferNs,
        computeOutputNs: this.computeOutputNs,
        totalNs: clock.nowNs() - request.arrivalNs,
      },
    };
  }

  private fail(step: EnsembleStepPlan, error: ServerError): void {
    if (this.done) return;
    const message = `Ensemble step ${step.index + 1} ('${step.modelName}') of '${this.scheduler.graph.name}' failed: ${error.message}`;
    this.finishWithError(
      new ServerError(error.status, 'ERR_ENSEMBLE_STEP', message, { cause: error }),
      'OTHER',
    );
  }

  private cancel(step: EnsembleStepPlan): void {
    if (this.done) return;
    this.finishWithError(
      cancelled(
        'ERR_CANCELLED',
        `Ensemble request to '${this.scheduler.graph.name}' was cancelled before step ${step.index + 1} ('${step.modelName}')`,
      ),
      'CANCELED',
    );
  }

  private finishWithError(error: ServerError, reason: 'OTHER' | 'CANCELED'): void {
    this.done = true;
    const { reporter, clock } = this.scheduler;
    const request = this.request;
    request.state = RequestState.DONE;
    const totalNs = clock.nowNs() - request.arrivalNs;
    if (reason === 'OTHER') reporter.failed('OTHER', totalNs);
    else reporter.cancelled(totalNs);
    if (request.trace !== null) traceEnded(request.trace, request.arrivalNs + totalNs);
    this.scheduler.onRunDone(this);
    request.sink.onError(request, error);
  }
}
