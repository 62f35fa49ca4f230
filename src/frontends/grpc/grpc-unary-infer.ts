/**
 * One unary ModelInfer call: decodes the request, submits it to the core, is its ResponseSink and
 * answers the call once with every output in `raw_output_contents` (or with the mapped gRPC
 * status). A client that cancels (or disconnects) cancels the request: removed from its queue if
 * it has not started, its answer dropped if it has.
 */
import type { ServerUnaryCall, sendUnaryData } from '@grpc/grpc-js';
import type { ServerError } from '../../common/index.js';
import {
  type InferenceRequest,
  type InferenceResponse,
  type InferenceServer,
  type RequestTrace,
  type ResponseSink,
  writeSharedMemoryOutputs,
} from '../../core/index.js';
import {
  encodeGrpcInferResponse,
  type ModelInferRequestMessage,
  type ModelInferResponseMessage,
} from '../../protocol/grpc/index.js';
import { logRequestOutcome } from '../request-log.js';
import { GrpcInferRpc, prepareGrpcRequest } from './grpc-infer-request.js';
import { grpcErrorOf } from './grpc-status.js';
import { sampleGrpcRequest, traceGrpcSendEnd, traceGrpcSendStart } from './grpc-trace.js';

/** A unary ModelInfer call as grpc-js hands it to the handler. */
export type ModelInferCall = ServerUnaryCall<ModelInferRequestMessage, ModelInferResponseMessage>;

const kUnaryInfer = Symbol('nereid.grpcUnaryInfer');
type TrackedCall = ModelInferCall & { [kUnaryInfer]?: GrpcUnaryInfer };

// Listener shared by every call (no closure per request); `this` is the call.
function onUnaryCancelled(this: TrackedCall): void {
  this[kUnaryInfer]?.cancel();
}

/** The sink of one unary ModelInfer call. */
export class GrpcUnaryInfer implements ResponseSink {
  private readonly server: InferenceServer;
  private readonly callback: sendUnaryData<ModelInferResponseMessage>;
  private request: InferenceRequest | null;
  private finished: boolean;
  /** The call's trace when sampled, else null. */
  private trace: RequestTrace | null;

  constructor(server: InferenceServer, callback: sendUnaryData<ModelInferResponseMessage>) {
    this.server = server;
    this.callback = callback;
    this.request = null;
    this.finished = false;
    this.trace = null;
  }

  /** Decodes and submits the call's request; failures answer the call at once. */
  start(call: ModelInferCall): void {
    const tracer = this.server.tracer;
    if (tracer.on !== 0) this.trace = sampleGrpcRequest(tracer, call.request.model_name ?? '', call.metadata);
    try {
      const { request } = prepareGrpcRequest(this.server, call.request, this, GrpcInferRpc.UNARY);
      request.trace = this.trace;
      this.request = request;
      (call as TrackedCall)[kUnaryInfer] = this;
      call.on('cancelled', onUnaryCancelled);
      this.server.infer(request);
    } catch (err) {
      if (this.finished) return;
      this.finished = true;
      this.answerError(err, call.request.model_name ?? '');
    }
  }

  /** The client went away: cancel the request; nothing is sent any more. */
  cancel(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.request !== null) this.server.cancel(this.request);
  }

  onResponse(request: InferenceRequest, response: InferenceResponse | null, _final: boolean): void {
    if (this.finished || response === null) return;
    this.finished = true;
    let outputs: InferenceResponse['outputs'];
    try {
      // Outputs sent to shared memory are written there and answered with an empty raw entry.
      outputs = writeSharedMemoryOutputs(this.server.sharedMemory, request.outputs, response.outputs);
    } catch (err) {
      this.answerError(err, request.modelName);
      return;
    }
    const logger = this.server.logger;
    if (logger.verboseLevel !== 0) {
      logRequestOutcome(logger, 'gRPC', response.modelName, response.modelVersion, response.id, 'OK');
    }
    const trace = this.trace;
    if (trace !== null) traceGrpcSendStart(trace);
    this.callback(
      null,
      encodeGrpcInferResponse({
        modelName: response.modelName,
        modelVersion: response.modelVersion,
        id: response.id,
        parameters: response.parameters ?? undefined,
        outputs,
      }),
    );
    if (trace !== null) traceGrpcSendEnd(trace);
  }

  onError(request: InferenceRequest, error: ServerError): void {
    if (this.finished) return;
    this.finished = true;
    this.answerError(error, request.modelName);
  }

  /** Ends the call with `err`, logging and tracing it. */
  private answerError(err: unknown, model: string): void {
    const logger = this.server.logger;
    if (logger.verboseLevel !== 0) {
      const e = err as { status?: string; message?: string };
      const outcome = `${e.status ?? 'ERROR'}: ${e.message ?? String(err)}`;
      logRequestOutcome(
        logger,
        'gRPC',
        model,
        this.request?.modelVersion ?? '',
        this.request?.id ?? '',
        outcome,
      );
    }
    const trace = this.trace;
    if (trace !== null) traceGrpcSendStart(trace);
    this.callback(grpcErrorOf(err));
    if (trace !== null) traceGrpcSendEnd(trace);
  }
}
