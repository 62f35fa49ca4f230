/**
 * The ResponseSink of one ensemble step request: routes the composing model's answers back to
 * the EnsembleRun with the step attached (one small object per step call, no closures).
 */
import type { ServerError } from '../../common/index.js';
import type { InferenceRequest, InferenceResponse, ResponseSink } from '../inference-request.js';
import type { EnsembleStepPlan } from './ensemble-graph.js';

/**
 * What a step call reports to: the ensemble request it belongs to (EnsembleRun implements it; an
 * interface here so that step calls do not import the run that creates them).
 */
export interface StepCallOwner {
  /** Set once the ensemble request is answered; its waiting step requests are then dropped. */
  readonly isDone: boolean;
  /** A response of the step's request (null: an empty final response of a decoupled step). */
  onStepResponse(step: EnsembleStepPlan, response: InferenceResponse | null, final: boolean): void;
  /** The step's request failed. */
  onStepError(step: EnsembleStepPlan, error: ServerError): void;
  /** The step's request got its last answer. */
  onStepCallDone(call: StepCall): void;
}

/** The sink of one step request: routes its answers back to the run with the step attached. */
export class StepCall implements ResponseSink {
  /**
   * Set by the scheduler while the request counts against its step's `max_inflight_requests`;
   * cleared when the request's last answer frees the place.
   */
  holdsPlace = false;

  constructor(
    readonly run: StepCallOwner,
    readonly step: EnsembleStepPlan,
  ) {}

  onResponse(_request: InferenceRequest, response: InferenceResponse | null, final: boolean): void {
    this.run.onStepResponse(this.step, response, final);
    if (final) this.run.onStepCallDone(this);
  }

  onError(_request: InferenceRequest, error: ServerError): void {
    this.run.onStepError(this.step, error);
    this.run.onStepCallDone(this);
  }
}
