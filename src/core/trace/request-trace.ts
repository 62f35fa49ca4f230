/**
 * One sampled request's trace: its Triton timestamps (one slot per TraceActivity), the model it
 * ran on and, for an ensemble or a model-to-model call, its child traces. Only sampled requests
 * get one (InferenceRequest.trace stays null otherwise), so tracing costs an unsampled request one
 * null check per hook. The frontend that sampled the root finishes it once the response is sent;
 * the Tracer then writes the whole tree (trace file or OpenTelemetry spans).
 */
import type { Tensor } from '../../protocol/index.js';
import { TRACE_ACTIVITY_COUNT, type TraceActivity, TraceLevel, TraceProtocol } from './trace-activity.js';

/** A tensor captured at the TENSORS level, with Triton's activity name. */
export interface TracedTensor {
  /** 'TENSOR_QUEUE_INPUT' (as the request brought it) or 'TENSOR_BACKEND_OUTPUT' (as the model answered). */
  readonly activity: 'TENSOR_QUEUE_INPUT' | 'TENSOR_BACKEND_OUTPUT';
  /** The tensor (its bytes are not copied: tensors are never written to after decoding). */
  readonly tensor: Tensor;
}

/** Where finished root traces go (the Tracer). */
export interface TraceOwner {
  /** Monotonic time in ns (the core's clock). */
  nowNs(): number;
  /** A new trace id (Triton numbers every trace, children included, from 1). */
  nextTraceId(): number;
  /** The root trace `trace` finished: write it with its children. */
  finishTrace(trace: RequestTrace): void;
  /** `trace`'s request was admitted: model-to-model calls it makes may find it by id. */
  trackTrace(trace: RequestTrace): void;
  /** `trace`'s request ended. */
  untrackTrace(trace: RequestTrace): void;
}

/** The trace of one request (and of its children). */
export class RequestTrace {
  /** Trace id, unique in this server run. */
  readonly id: number;
  /** The parent trace (ensemble or calling model), or null for a root. */
  readonly parent: RequestTrace | null;
  /** TraceLevel bits this trace records. */
  readonly level: number;
  /** log_frequency of the setting that sampled it (the trace file's split). */
  readonly logFrequency: number;
  /** The protocol of the root request (TraceProtocol); NONE for children. */
  readonly protocol: TraceProtocol;
  /** W3C `traceparent` the client sent ('' when none); roots only. */
  readonly traceparent: string;
  /** W3C `tracestate` the client sent ('' when none); roots only. */
  readonly tracestate: string;
  /** Model name. */
  modelName: string;
  /** The version that ran, as a decimal string ('' until admitted). */
  modelVersion: string;
  /** The request id ('' when none). */
  requestId: string;
  /** Time of each TraceActivity in ns on the core's clock; -1 where it did not happen. */
  readonly stamps: Float64Array;
  /** Child traces (ensemble steps, model-to-model calls), or null. */
  children: RequestTrace[] | null;
  /** Captured tensors (TENSORS level), or null. */
  tensors: TracedTensor[] | null;
  /** Set once the root was finished (later stamps are not written). */
  finished: boolean;
  private readonly owner: TraceOwner;

  constructor(
    owner: TraceOwner,
    parent: RequestTrace | null,
    level: number,
    logFrequency: number,
    modelName: string,
    protocol: TraceProtocol,
    traceparent: string,
    tracestate: string,
  ) {
    this.owner = owner;
    this.id = owner.nextTraceId();
    this.parent = parent;
    this.level = level;
    this.logFrequency = logFrequency;
    this.protocol = protocol;
    this.traceparent = traceparent;
    this.tracestate = tracestate;
    this.modelName = modelName;
    this.modelVersion = '';
    this.requestId = '';
    this.stamps = new Float64Array(TRACE_ACTIVITY_COUNT).fill(-1);
    this.children = null;
    this.tensors = null;
    this.finished = false;
  }

  /** Records `activity` at `ns`. */
  stamp(activity: TraceActivity, ns: number): void {
    this.stamps[activity] = ns;
  }

  /** Records `activity` now. */
  stampNow(activity: TraceActivity): void {
    this.stamps[activity] = this.owner.nowNs();
  }

  /** A child trace for a request this one makes to `modelName` (an ensemble step, a model call). */
  spawn(modelName: string): RequestTrace {
    const child = new RequestTrace(
      this.owner,
      this,
      this.level,
      this.logFrequency,
      modelName,
      TraceProtocol.NONE,
      '',
      '',
    );
    (this.children ??= []).push(child);
    return child;
  }

  /** Keeps `tensors` for the trace file when the level includes TENSORS. */
  captureTensors(activity: TracedTensor['activity'], tensors: readonly Tensor[]): void {
    if ((this.level & TraceLevel.TENSORS) === 0) return;
    const list = (this.tensors ??= []);
    for (let i = 0; i < tensors.length; i++) list.push({ activity, tensor: tensors[i]! });
  }

  /** The root trace of this tree. */
  get root(): RequestTrace {
    let t: RequestTrace = this;
    while (t.parent !== null) t = t.parent;
    return t;
  }

  /** The request was admitted (its calls to other models can now become child traces). */
  admitted(): void {
    this.owner.trackTrace(this);
  }

  /** The request ended (no more calls of it are linked). */
  ended(): void {
    this.owner.untrackTrace(this);
  }

  /** Ends a root trace: it is written with its children. Idempotent; ignored on a child. */
  finish(): void {
    if (this.finished || this.parent !== null) return;
    this.finished = true;
    this.owner.finishTrace(this);
  }
}
