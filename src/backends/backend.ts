/**
 * The contract between the schedulers (main thread) and model instances (worker threads).
 * A Backend creates instances; an instance executes one batch at a time and reports through an
 * ExecutionSink object (no per-request closures). Nothing here schedules or knows about HTTP.
 */
import type { ServerError } from '../common/index.js';
import type { ModelFileMetadata } from '../config/index.js';
import type { ModelConfig, Parameters, Tensor } from '../protocol/index.js';

export type { ModelFileMetadata, NumericText, TensorMetadata } from '../config/index.js';

/** Per-request facts a batch carries, for backends that answer per request (JS, decoupled). */
export interface ExecutionRequestInfo {
  /** Request id as the client sent it ('' when none). */
  readonly id: string;
  /** Rows of the batch this request owns (its batch size; 1 for non-batching models). */
  readonly rows: number;
  /** Request parameters (reserved keys included). */
  readonly parameters: Parameters;
  /** Its trace id when the request is traced (model-to-model calls pass it on); absent or 0 = not traced. */
  readonly traceId?: number;
}

/** One execution: the batched inputs the scheduler assembled. */
export interface ExecutionBatch {
  /** Total rows (sum of the requests' rows); 1 for models with max_batch_size 0. */
  readonly batchSize: number;
  /** Batched inputs, one tensor per model input present in the requests. */
  readonly inputs: readonly Tensor[];
  /** Outputs to compute, in the model's output order. */
  readonly outputNames: readonly string[];
  /** The requests in the batch, in row order. */
  readonly requests: readonly ExecutionRequestInfo[];
}

/** Time the backend spent on one execution, in nanoseconds. */
export interface ExecutionTiming {
  /** Preparing inputs (bytes → framework tensors). */
  computeInputNs: number;
  /** Running the model. */
  computeInferNs: number;
  /** Preparing outputs (framework tensors → bytes). */
  computeOutputNs: number;
  /**
   * When the instance started this execution, on the core clock's time line (Clock.nowNs of the
   * system clock); absent or -1 when the backend cannot say. An execution handed to a busy
   * instance waits inside it first (pipelining, docs/adr/0005): that wait ends here, so the core
   * counts it as queue time rather than as nothing.
   */
  computeStartNs?: number;
}

/** The outcome of a successful non-decoupled execution. */
export interface ExecutionResult extends ExecutionTiming {
  /**
   * Batched outputs in `outputNames` order, when the backend answers for the whole batch (ONNX);
   * the scheduler slices them back per request along dim 0.
   */
  outputs: Tensor[] | null;
  /** Per-request answers in request order, when the backend answers per request (JS models). */
  perRequest: (Tensor[] | ServerError)[] | null;
}

/** Receives the outcome of one execution. Exactly one of onResult/onError is called. */
export interface ExecutionSink {
  /** The execution succeeded. */
  onResult(result: ExecutionResult): void;
  /** The execution failed as a whole (model error, worker crash, timeout). */
  onError(error: ServerError): void;
  /**
   * Decoupled models only: one response for request `index` of the batch. `outputs` is null for
   * an empty final response; `final` marks the request's last response. Called any number of
   * times, possibly after onResult.
   */
  onResponse?(index: number, outputs: Tensor[] | null, final: boolean, error: ServerError | null): void;
}

/** A request one model sends to another through the server (Triton's BLS). */
export interface ModelCallRequest {
  /** Target model name. */
  readonly modelName: string;
  /** Target version as a string; '' lets the version policy choose. */
  readonly modelVersion: string;
  /** Request id ('' when none). */
  readonly id: string;
  /** Request parameters. */
  readonly parameters: Parameters;
  /** Input tensors. */
  readonly inputs: Tensor[];
  /** Requested outputs (classCount 0), or null for all. */
  readonly outputs: { readonly name: string; readonly classCount: number }[] | null;
  /** The trace id of the calling request, when the model passed it (its child trace); absent or 0 = none. */
  readonly parentTraceId?: number;
}

/** One answer of a model-to-model call (the core's InferenceResponse fits it). */
export interface ModelCallResponse {
  /** The version that answered. */
  readonly modelVersion: string;
  /** Response parameters, or null. */
  readonly parameters: Parameters | null;
  /** Output tensors. */
  readonly outputs: Tensor[];
}

/**
 * Receives the answers of a model-to-model call (the core's ResponseSink fits it); `request` is the
 * core's request object, opaque here. Decoupled targets answer any number of times until `final`.
 */
export interface ModelCallSink {
  /** One response; `response` is null for an empty final response. */
  onResponse(request: unknown, response: ModelCallResponse | null, final: boolean): void;
  /** The call failed; nothing more follows. */
  onError(request: unknown, error: ServerError): void;
}

/** Submits requests to the server's models on behalf of a model (BLS), through their schedulers. */
export interface ModelCaller {
  /** Submits `request`; answers reach `sink`. Throws a ServerError when the request is not admitted. */
  infer(request: ModelCallRequest, sink: ModelCallSink): void;
}

/** What a backend needs to create one instance (or to inspect a model file). */
export interface InstanceContext {
  /** Model name. */
  readonly modelName: string;
  /** Model version number. */
  readonly version: number;
  /** The model directory (`<repository>/<model>`). */
  readonly modelDir: string;
  /** The version directory (`<repository>/<model>/<version>`). */
  readonly versionDir: string;
  /** Absolute path of the model file (`<versionDir>/<default_model_filename>`). */
  readonly modelPath: string;
  /** The model's config (complete and validated, except when inspecting). */
  readonly config: ModelConfig;
  /** Instance name, `<group name>_<index within group>`. */
  readonly instanceName: string;
  /** Instance kind after KIND_AUTO is decided. */
  readonly kind: 'KIND_CPU' | 'KIND_GPU' | 'KIND_MODEL';
  /** GPU device id for KIND_GPU, else -1. */
  readonly deviceId: number;
  /** Total instances of this model, to divide cores among them. */
  readonly instanceCount: number;
  /** Where the instance's logs (worker stdout/stderr, backend warnings) go; default: warnings to stderr. */
  readonly logger?: BackendLogger;
  /** Lets the instance call other models of the server (BLS); absent when the server offers none. */
  readonly bls?: ModelCaller;
  /** The model repository directory holding `modelDir`. */
  readonly repositoryDir?: string;
}

/** Severity of a backend log line, most severe first. */
export type BackendLogLevel = 'error' | 'warn' | 'info' | 'verbose';

/** Receives backend log lines (worker output, load warnings); must not throw. */
export type BackendLogger = (level: BackendLogLevel, message: string) => void;

/** One loaded copy of a model, running on its own worker thread. */
export interface BackendInstance {
  /** Instance name, as in InstanceContext. */
  readonly name: string;
  /**
   * Executes one batch. Never throws: every failure reaches `sink.onError`. At most
   * `maxInFlight` executions are in flight per instance; the scheduler guarantees it. Executions
   * run one after the other, in the order they were given.
   */
  execute(batch: ExecutionBatch, sink: ExecutionSink): void;
  /**
   * Executions the instance accepts at once (the later ones wait inside it, already handed to
   * its thread, so the thread never sleeps between them); default 1.
   */
  readonly maxInFlight?: number;
  /** Registers a listener called once if the instance dies on its own (worker crash). */
  onExit(listener: (error: ServerError) => void): void;
  /** Releases the instance (terminates its worker). Idempotent. */
  close(): Promise<void>;
  /** The model file's I/O metadata as the loaded instance sees it, when the backend reads it. */
  readonly metadata?: ModelFileMetadata | null;
}

/** A kind of model (ONNX Runtime, JavaScript, ...); chosen by `backend`/`platform` in the config. */
export interface Backend {
  /** Backend name as `backend:` in config.pbtxt (`onnxruntime`). */
  readonly name: string;
  /** `platform:` names that select this backend (`onnxruntime_onnx`). */
  readonly platforms: readonly string[];
  /** Default model file name in a version directory (`model.onnx`). */
  readonly defaultModelFilename: string;
  /**
   * Whether its instances carry a sequence's implicit state (`sequence_batching.state`) from one
   * execution to the next as state tensors; a model with such state on a backend without it is
   * refused at load.
   */
  readonly implicitState: boolean;
  /** Reads the model file's I/O metadata off the main thread, for config auto-complete. */
  inspect(context: InstanceContext): Promise<ModelFileMetadata>;
  /** Loads one instance; rejects with a ServerError that says why the load failed. */
  createInstance(context: InstanceContext): Promise<BackendInstance>;
}
