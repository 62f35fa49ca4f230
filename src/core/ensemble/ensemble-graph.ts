/**
 * The data flow of one ensemble, built once at load time from its validated config: each step's
 * model, which ensemble tensors feed which model inputs, where its outputs go, and which steps
 * consume each tensor. It does not run anything (EnsembleRun does) and trusts the validator for
 * the graph's soundness (every step reachable, one producer per tensor).
 */
import type { ModelConfig } from '../../protocol/index.js';
import type { RequestedOutput } from '../inference-request.js';

/** One model input fed from an ensemble tensor. */
export interface StepInput {
  /** The composing model's input name. */
  readonly modelInput: string;
  /** The ensemble tensor that feeds it. */
  readonly tensor: string;
}

/** One model output written to an ensemble tensor. */
export interface StepOutput {
  /** The composing model's output name. */
  readonly modelOutput: string;
  /** The ensemble tensor it becomes. */
  readonly tensor: string;
}

/** One step of the ensemble. */
export interface EnsembleStepPlan {
  /** Position in `ensemble_scheduling.step` (0-based). */
  readonly index: number;
  /** Composing model name. */
  readonly modelName: string;
  /** Composing model version as the request carries it ('' = latest). */
  readonly modelVersion: string;
  /** Inputs, in input_map order. */
  readonly inputs: readonly StepInput[];
  /** Outputs, in output_map order. */
  readonly outputs: readonly StepOutput[];
  /** The outputs requested from the composing model (raw tensors, no classification). */
  readonly requestedOutputs: RequestedOutput[];
}

/** The steps of an ensemble and how tensors connect them. */
export class EnsembleGraph {
  /** Ensemble name. */
  readonly name: string;
  /** Steps in config order. */
  readonly steps: readonly EnsembleStepPlan[];
  /** Steps whose inputs are all ensemble inputs: they start a request. */
  readonly initialSteps: readonly EnsembleStepPlan[];
  /** For each ensemble tensor, the steps that read it. */
  readonly consumers: ReadonlyMap<string, readonly EnsembleStepPlan[]>;
  /** Names of the ensemble outputs. */
  readonly outputNames: ReadonlySet<string>;
  /** `max_inflight_requests`: step requests in flight per step across all requests (0 = unlimited). */
  readonly maxInflightRequests: number;

  constructor(config: ModelConfig) {
    const scheduling = config.ensemble_scheduling;
    if (scheduling === undefined) throw new Error(`Model '${config.name}' has no ensemble_scheduling`);
    this.name = config.name;
    this.maxInflightRequests = scheduling.max_inflight_requests;
    this.steps = scheduling.step.map((step, index) => {
      const outputs = Object.entries(step.output_map).map(([modelOutput, tensor]) => ({
        modelOutput,
        tensor,
      }));
      return {
        index,
        modelName: step.model_name,
        modelVersion: step.model_version < 0 ? '' : String(step.model_version),
        inputs: Object.entries(step.input_map).map(([modelInput, tensor]) => ({ modelInput, tensor })),
        outputs,
        requestedOutputs: outputs.map((o) => ({ name: o.modelOutput, classCount: 0 })),
      };
    });
    const inputNames = new Set(config.input.map((i) => i.name));
    this.initialSteps = this.steps.filter((s) => s.inputs.every((i) => inputNames.has(i.tensor)));
    const consumers = new Map<string, EnsembleStepPlan[]>();
    for (const step of this.steps) {
      for (const input of step.inputs) {
        const list = consumers.get(input.tensor);
        if (list === undefined) consumers.set(input.tensor, [step]);
        else if (!list.includes(step)) list.push(step);
      }
    }
    this.consumers = consumers;
    this.outputNames = new Set(config.output.map((o) => o.name));
  }

  /** The distinct composing models (name and version string), in step order. */
  composingModels(): { name: string; version: string }[] {
    const seen = new Set<string>();
    const models: { name: string; version: string }[] = [];
    for (const step of this.steps) {
      const key = `${step.modelName}\u0000${step.modelVersion}`;
      if (seen.has(key)) continue;
      seen.add(key);
      models.push({ name: step.modelName, version: step.modelVersion });
    }
    return models;
  }
}
