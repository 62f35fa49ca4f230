/**
 * The types of the JavaScript model API (`nereid/backend`): what a model class implements, what
 * `initialize` and `execute` receive, what they return, and the shapes of model-to-model calls.
 * Types only; the worker runtime (js-model-runtime.ts) builds these objects and the helpers live
 * in tensor-helpers.ts, model-call.ts and model-logger.ts.
 */
import type { ModelConfig, Parameters, Tensor } from '../../protocol/index.js';

/** What `initialize(args)` receives (Triton python_backend's `args`, in camelCase). */
export interface InitializeArgs {
  /** The model's complete config in Triton's JSON form. */
  readonly modelConfig: ModelConfig;
  /** Model name. */
  readonly modelName: string;
  /** Model version number. */
  readonly modelVersion: number;
  /** Instance name, `<group name>_<index>`. */
  readonly modelInstanceName: string;
  /** Instance kind (KIND_CPU, KIND_GPU or KIND_MODEL). */
  readonly modelInstanceKind: 'KIND_CPU' | 'KIND_GPU' | 'KIND_MODEL';
  /** GPU device id for KIND_GPU, else -1. */
  readonly modelInstanceDeviceId: number;
  /** The model repository directory. */
  readonly modelRepository: string;
  /** The model directory (`<repository>/<model>`). */
  readonly modelDir: string;
  /** The version directory (`<repository>/<model>/<version>`). */
  readonly versionDir: string;
  /** Whether the model is decoupled (model_transaction_policy.decoupled). */
  readonly decoupled: boolean;
}

/** Options of ResponseSender.send. */
export interface SendOptions {
  /** This is the request's last response. Default false. */
  final?: boolean;
}

/** Sends the responses of one request of a decoupled model, any number of times, from anywhere. */
export interface ResponseSender {
  /**
   * Sends a response (tensors), an error (ends the request), or nothing but the final flag
   * (`send(null, { final: true })`). Throws a ModelError once the request has ended.
   */
  send(response?: ModelResponse | null, options?: SendOptions): void;
  /** Whether the request has ended (final flag or error sent, or the instance stopped). */
  readonly closed: boolean;
}

/** One request as `execute` sees it. */
export interface ModelRequest {
  /** Request id as the client sent it ('' when none). */
  readonly id: string;
  /** Request parameters (Triton's reserved keys included). */
  readonly parameters: Parameters;
  /** Rows of this request (its batch size); 1 for models with max_batch_size 0. */
  readonly batchSize: number;
  /** Input tensors; `data` is valid until execute returns (decoupled models: until the final response). */
  readonly inputs: readonly Tensor[];
  /** Outputs the batch asked for, in the config's order. */
  readonly requestedOutputNames: readonly string[];
  /** The request's trace id when the server traces it, else 0: pass it as `infer({ trace })` to trace a call as its child. */
  readonly trace: number;
  /** The input named `name`; throws an INVALID_ARG ModelError naming the inputs present when absent. */
  input(name: string): Tensor;
  /** The input named `name`, or null when the request lacks it (optional inputs). */
  optionalInput(name: string): Tensor | null;
  /** The request's response sender; decoupled models only (throws otherwise). */
  responseSender(): ResponseSender;
}

/** A response: output tensors, or an Error (a ModelError chooses the status) failing that request only. */
export type ModelResponse = readonly Tensor[] | Error;

/** An instance of a model class. One per instance_group entry, each on its own worker thread. */
export interface ModelInstance {
  /** Called once after construction; a rejection fails the load with its message. */
  initialize?(args: InitializeArgs): void | Promise<void>;
  /**
   * Runs one batch: `requests` is the whole batch the scheduler formed. Returns one response per
   * request, in order; decoupled models return nothing and answer through response senders.
   * A throw fails every request of this call (never other batches); the instance keeps serving.
   */
  execute(requests: ModelRequest[]): ModelResponse[] | undefined | Promise<ModelResponse[] | undefined>;
  /** Called once when the instance is unloaded (bounded by the backend's stop grace). */
  finalize?(): void | Promise<void>;
}

/** A model class: the default export (or the export `Model`) of `model.js`. */
export interface ModelClass {
  new (): ModelInstance;
  /**
   * Optional: completes the config before the model loads (Triton's auto_complete_config), e.g.
   * adds inputs, outputs, max_batch_size or the decoupled policy. Receives a copy; returns the config.
   */
  autoCompleteConfig?(config: ModelConfig): ModelConfig | Promise<ModelConfig>;
}

/** A request to another model of the server (Triton's BLS `InferenceRequest`). */
export interface InferOptions {
  /** Target model name. */
  model: string;
  /** Target version; default '' (the version policy decides). */
  version?: string;
  /** Input tensors. */
  inputs: readonly Tensor[];
  /** Outputs to return; default all. */
  outputs?: readonly string[];
  /** Request id; default ''. */
  id?: string;
  /** Request parameters; default none. */
  parameters?: Parameters;
  /**
   * The calling request's `trace` (ModelRequest.trace): the call is then traced as its child, as
   * Triton's `trace=request.trace()`; default none (the call is not traced).
   */
  trace?: number;
}

/** One answer of another model. */
export interface InferResponse {
  /** Target model name. */
  readonly modelName: string;
  /** The version that answered. */
  readonly modelVersion: string;
  /** Response parameters. */
  readonly parameters: Parameters;
  /** Output tensors. */
  readonly outputs: readonly Tensor[];
  /** The last answer of the call. */
  readonly final: boolean;
  /** The output named `name`; throws a ModelError naming the outputs present when absent. */
  output(name: string): Tensor;
}

/** Writes lines into the server's log, tagged with the model and instance. */
export interface ModelLogger {
  /** An informational line. */
  info(message: string): void;
  /** A warning. */
  warn(message: string): void;
  /** An error. */
  error(message: string): void;
  /** A verbose line (shown at --log-verbose 1 and above). */
  verbose(message: string): void;
}
