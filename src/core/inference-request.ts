/**
 * A request as the core sees it after a frontend decoded it, and the sink that receives its
 * responses. The frontend creates one InferenceRequest (every field set in the constructor, so
 * the object keeps one hidden class) and one ResponseSink object; the core never allocates
 * closures per request.
 */
import type { ServerError } from '../common/index.js';
import type { Parameters, Tensor } from '../protocol/index.js';
import type { RequestTrace } from './trace/index.js';

/** An output the client asked for. */
export interface RequestedOutput {
  /** Output name. */
  readonly name: string;
  /** Top-N classification instead of raw values; 0 = off. */
  readonly classCount: number;
}

/** Server-side time spent on one request, in nanoseconds. */
export interface RequestTiming {
  /** From arrival at the core to the start of its execution (or cache lookup). */
  queueNs: number;
  /** Input preparation of the batch it ran in. */
  computeInputNs: number;
  /** Model execution of the batch it ran in. */
  computeInferNs: number;
  /** Output preparation of the batch it ran in. */
  computeOutputNs: number;
  /** From arrival at the core to the response. */
  totalNs: number;
}

/** A response of the core. */
export interface InferenceResponse {
  /** Model name. */
  readonly modelName: string;
  /** The version that answered, as a decimal string. */
  readonly modelVersion: string;
  /** The request id, echoed ('' when none). */
  readonly id: string;
  /** Response parameters, or null. */
  readonly parameters: Parameters | null;
  /** Output tensors in the order requested (or the model's order when none were named). */
  readonly outputs: Tensor[];
  /** Where the time went. */
  readonly timing: RequestTiming;
}

/** Receives what the core answers for one request. */
export interface ResponseSink {
  /**
   * A response. Non-decoupled models call it once with `final` true; decoupled models any number
   * of times, the last with `final` true (its `response` may be null for an empty final response).
   */
  onResponse(request: InferenceRequest, response: InferenceResponse | null, final: boolean): void;
  /** The request failed; nothing more follows. */
  onError(request: InferenceRequest, error: ServerError): void;
}

/** Lifecycle states, in order; hot code compares integers. */
export const RequestState = {
  CREATED: 0,
  QUEUED: 1,
  EXECUTING: 2,
  DONE: 3,
} as const;

/** Options to build an InferenceRequest. */
export interface InferenceRequestOptions {
  /** Model name. */
  modelName: string;
  /** Requested version as a string; '' lets the version policy choose. Default ''. */
  modelVersion?: string;
  /** Request id; default ''. */
  id?: string;
  /** Request parameters; default {}. */
  parameters?: Parameters;
  /** Input tensors. */
  inputs: Tensor[];
  /** Requested outputs; null = all outputs. Default null. */
  outputs?: RequestedOutput[] | null;
  /** Receives the response(s). */
  sink: ResponseSink;
  /** Arrival time in ns on the core's clock; default: when `infer` is called. */
  arrivalNs?: number;
  /** Its trace when the frontend sampled it (Tracer.sample); default null (not traced). */
  trace?: RequestTrace | null;
}

/** One inference request inside the core. */
export class InferenceRequest {
  /** Model name. */
  readonly modelName: string;
  /** Requested version string ('' = policy). */
  readonly modelVersion: string;
  /** Request id ('' when none). */
  readonly id: string;
  /** Request parameters. */
  readonly parameters: Parameters;
  /** Input tensors as decoded. */
  readonly inputs: Tensor[];
  /** Requested outputs, or null for all. */
  readonly outputs: RequestedOutput[] | null;
  /** Where responses go. */
  readonly sink: ResponseSink;
  /** Arrival time in ns (-1 until the core stamps it). */
  arrivalNs: number;
  /** Rows in this request (its batch size), set by validation. */
  batchSize: number;
  /** Priority level after defaulting (1 = highest), set by the scheduler. */
  priorityLevel: number;
  /** Absolute deadline in ns while queued; 0 = none. */
  deadlineNs: number;
  /** Time execution started, in ns (-1 before). */
  startNs: number;
  /** Lifecycle state (RequestState). */
  state: number;
  /** Set when the client went away or asked to cancel. */
  cancelled: boolean;
  /** Opaque slot for the scheduler that owns the request. */
  schedulerData: unknown;
  /** Its trace when sampled, else null (then tracing costs this request null checks only). */
  trace: RequestTrace | null;

  constructor(options: InferenceRequestOptions) {
    this.modelName = options.modelName;
    this.modelVersion = options.modelVersion ?? '';
    this.id = options.id ?? '';
    this.parameters = options.parameters ?? {};
    this.inputs = options.inputs;
    this.outputs = options.outputs ?? null;
    this.sink = options.sink;
    this.arrivalNs = options.arrivalNs ?? -1;
    this.batchSize = 1;
    this.priorityLevel = 0;
    this.deadlineNs = 0;
    this.startNs = -1;
    this.state = RequestState.CREATED;
    this.cancelled = false;
    this.schedulerData = undefined;
    this.trace = options.trace ?? null;
  }
}
