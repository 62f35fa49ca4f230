/**
 * One ModelStreamInfer stream: many requests in, responses out. For ordinary models exactly one
 * response per request is written, in request order (a later request that finishes first waits);
 * for decoupled models every response is written as it comes, with `triton_final_response`, and
 * the empty final response only when the request asked for it. Errors travel in-band in
 * `error_message`, or, when the client opened the stream with the `triton_grpc_error: true`
 * header, end the stream with a gRPC status. A stream the client cancels or drops cancels its
 * queued requests and drops the answers of running ones.
 *
 *   data ─▶ StreamEntry (ResponseSink) ─▶ core
 *             ordinary: ordered queue ─▶ flush head entries that are done ─▶ write
 *             decoupled: write each response at once
 */
import type { ServerDuplexStream } from '@grpc/grpc-js';
import type { Logger } from '../../common/index.js';
import { FixedQueue, ServerError, Status, toServerError } from '../../common/index.js';
import {
  type InferenceRequest,
  type InferenceResponse,
  type InferenceServer,
  type ResponseSink,
  writeSharedMemoryOutputs,
} from '../../core/index.js';
import {
  encodeGrpcInferResponse,
  encodeGrpcStreamError,
  encodeGrpcStreamResponse,
  type ModelInferRequestMessage,
  type ModelStreamInferResponseMessage,
} from '../../protocol/grpc/index.js';
import { logRequestOutcome } from '../request-log.js';
import { GrpcInferRpc, prepareGrpcRequest } from './grpc-infer-request.js';
import { grpcErrorOf } from './grpc-status.js';
import { sampleGrpcRequest, traceGrpcSendEnd, traceGrpcSendStart } from './grpc-trace.js';

/** A ModelStreamInfer call as grpc-js hands it to the handler. */
export type ModelStreamInferCall = ServerDuplexStream<
  ModelInferRequestMessage,
  ModelStreamInferResponseMessage
>;

/**
 * Most bytes of responses a ModelStreamInfer client may be behind by (written by the session, not
 * yet taken by HTTP/2 flow control) before the stream is ended: 16 MiB, as for generate_stream.
 */
export const GRPC_STREAM_MAX_UNSENT_BYTES = 16 * 1024 * 1024;

/** Metadata key that asks for errors as a gRPC status that ends the stream. */
export const GRPC_ERROR_HEADER = 'triton_grpc_error';

/** Response parameter flagging a decoupled request's last response. */
export const FINAL_RESPONSE_PARAMETER = 'triton_final_response';

/** Request parameter asking for an empty response carrying only the final flag. */
export const EMPTY_FINAL_RESPONSE_PARAMETER = 'triton_enable_empty_final_response';

const kSession = Symbol('nereid.grpcStreamSession');
type TrackedStream = ModelStreamInferCall & { [kSession]?: GrpcStreamSession };

// Listeners shared by every stream; `this` is the stream.
function onStreamData(this: TrackedStream, message: ModelInferRequestMessage): void {
  this[kSession]?.receive(message);
}
function onStreamEnd(this: TrackedStream): void {
  this[kSession]?.onInputEnd();
}
function onStreamCancelled(this: TrackedStream): void {
  this[kSession]?.cancelAll();
}

/** One request of a stream; its ResponseSink. */
class StreamEntry implements ResponseSink {
  readonly session: GrpcStreamSession;
  readonly message: ModelInferRequestMessage;
  request: InferenceRequest | null;
  decoupled: boolean;
  /** Model name and version that answer, for the empty final response. */
  modelName: string;
  versionString: string;
  /** Answer of an ordered entry once it arrived (response or error). */
  response: ModelStreamInferResponseMessage | null;
  error: ServerError | null;
  done: boolean;

  constructor(session: GrpcStreamSession, message: ModelInferRequestMessage) {
    this.session = session;
    this.message = message;
    this.request = null;
    this.decoupled = false;
    this.modelName = message.model_name ?? '';
    this.versionString = message.model_version ?? '';
    this.response = null;
    this.error = null;
    this.done = false;
  }

  onResponse(request: InferenceRequest, response: InferenceResponse | null, final: boolean): void {
    const trace = final ? request.trace : null;
    if (trace !== null) traceGrpcSendStart(trace);
    const logger = this.session.logger;
    if (final && logger.verboseLevel !== 0) {
      logRequestOutcome(logger, 'gRPC stream', this.modelName, this.versionString, request.id, 'OK');
    }
    this.session.onEntryResponse(this, request, response, final);
    if (trace !== null) traceGrpcSendEnd(trace);
  }

  onError(request: InferenceRequest, error: ServerError): void {
    const trace = request.trace;
    if (trace !== null) traceGrpcSendStart(trace);
    const logger = this.session.logger;
    if (logger.verboseLevel !== 0) {
      const outcome = `${error.status}: ${error.message}`;
      logRequestOutcome(logger, 'gRPC stream', this.modelName, this.versionString, request.id, outcome);
    }
    this.session.onEntryError(this, error);
    if (trace !== null) traceGrpcSendEnd(trace);
  }
}

/** The state of one ModelStreamInfer call. */
export class GrpcStreamSession {
  private readonly server: InferenceServer;
  private readonly call: ModelStreamInferCall;
  private readonly statusErrors: boolean;
  private readonly ordered = new FixedQueue<StreamEntry>();
  private readonly active = new Set<StreamEntry>();
  private inputEnded = false;
  private closed = false;
  /** Approximate bytes of responses written and not yet sent, and each one's share, oldest first. */
  private unsentBytes = 0;
  private readonly unsentSizes = new FixedQueue<number>();
  private readonly onWritten = (): void => {
    this.unsentBytes -= this.unsentSizes.shift() ?? 0;
  };
  /** Called once when the session ends (answered everything, cancelled or failed); default none. */
  onClosed: ((session: GrpcStreamSession) => void) | null = null;

  constructor(server: InferenceServer, call: ModelStreamInferCall) {
    this.server = server;
    this.call = call;
    const header = call.metadata.get(GRPC_ERROR_HEADER)[0];
    this.statusErrors = typeof header === 'string' && header.toLowerCase() === 'true';
    (call as TrackedStream)[kSession] = this;
    call.on('data', onStreamData);
    call.on('end', onStreamEnd);
    call.on('cancelled', onStreamCancelled);
  }

  /** The server log (verbose request lines). */
  get logger(): Logger {
    return this.server.logger;
  }

  /** Requests admitted and not yet fully answered. */
  get activeCount(): number {
    return this.active.size;
  }

  /** Handles one request message of the stream. */
  receive(message: ModelInferRequestMessage): void {
    if (this.closed) return;
    const entry = new StreamEntry(this, message);
    let request: InferenceRequest;
    try {
      const prepared = prepareGrpcRequest(this.server, message, entry, GrpcInferRpc.STREAM);
      request = prepared.request;
      const tracer = this.server.tracer;
      if (tracer.on !== 0) request.trace = sampleGrpcRequest(tracer, prepared.model.name, this.call.metadata);
      entry.request = request;
      entry.decoupled = prepared.model.plan.decoupled;
      entry.modelName = prepared.model.name;
      entry.versionString = prepared.model.versionString;
    } catch (err) {
      this.ordered.push(entry);
      this.complete(entry, null, toServerError(err));
      return;
    }
    if (!entry.decoupled) this.ordered.push(entry);
    this.active.add(entry);
    try {
      this.server.infer(request);
    } catch (err) {
      this.onEntryError(entry, toServerError(err));
    }
  }

  /** A response of `entry`'s request reached the sink. */
  onEntryResponse(
    entry: StreamEntry,
    request: InferenceRequest,
    answer: InferenceResponse | null,
    final: boolean,
  ): void {
    if (final) this.active.delete(entry);
    if (this.closed) return;
    let response = answer;
    if (response !== null && request.outputs !== null) {
      try {
        // Outputs sent to shared memory are written there and answered with an empty raw entry.
        const outputs = writeSharedMemoryOutputs(this.server.sharedMemory, request.outputs, response.outputs);
        if (outputs !== response.outputs) response = { ...response, outputs };
      } catch (err) {
        this.onEntryError(entry, toServerError(err));
        return;
      }
    }
    if (!entry.decoupled) {
      if (response === null) return;
      this.complete(entry, encodeGrpcStreamResponse(encodeResponse(response, false, true)), null);
      return;
    }
    if (response !== null) {
      this.write(encodeGrpcStreamResponse(encodeResponse(response, true, final)));
    } else if (final && request.parameters[EMPTY_FINAL_RESPONSE_PARAMETER] === true) {
      this.write(
        encodeGrpcStreamResponse(
          encodeGrpcInferResponse({
            modelName: entry.modelName,
            modelVersion: entry.versionString,
            id: request.id,
            parameters: { [FINAL_RESPONSE_PARAMETER]: true },
            outputs: [],
          }),
        ),
      );
    }
    if (final) this.maybeEnd();
  }

  /** `entry`'s request failed. */
  onEntryError(entry: StreamEntry, error: ServerError): void {
    this.active.delete(entry);
    if (this.closed) return;
    if (!entry.decoupled) {
      this.complete(entry, null, error);
      return;
    }
    this.writeError(entry, error);
    this.maybeEnd();
  }

  /** The client half-closed the stream: end it once every request is answered. */
  onInputEnd(): void {
    this.inputEnded = true;
    this.maybeEnd();
  }

  /** The server is stopping: answer what was received, then end the stream as if the client half-closed. */
  drain(): void {
    this.onInputEnd();
  }

  /** The client cancelled or went away: cancel queued work and drop every later answer. */
  cancelAll(): void {
    if (this.closed) return;
    this.close();
  }

  // An ordered entry's answer arrived: store it and write every finished entry at the head.
  private complete(
    entry: StreamEntry,
    response: ModelStreamInferResponseMessage | null,
    error: ServerError | null,
  ): void {
    entry.response = response;
    entry.error = error;
    entry.done = true;
    const ordered = this.ordered;
    while (!this.closed && ordered.length > 0 && ordered.peek()!.done) {
      const head = ordered.shift()!;
      if (head.error !== null) this.writeError(head, head.error);
      else this.write(head.response!);
    }
    this.maybeEnd();
  }

  private writeError(entry: StreamEntry, error: ServerError): void {
    if (this.statusErrors) {
      this.close();
      this.call.emit('error', grpcErrorOf(error));
      return;
    }
    const m = entry.message;
    this.write(encodeGrpcStreamError(error.message, m.model_name ?? '', m.model_version ?? '', m.id ?? ''));
  }

  /**
   * Writes one response, counting its bytes until HTTP/2 takes them. A client more than
   * GRPC_STREAM_MAX_UNSENT_BYTES behind (it stopped reading) ends the stream: its requests are cancelled and the
   * call ends with UNAVAILABLE, which it sees after the responses already written.
   */
  private write(message: ModelStreamInferResponseMessage): void {
    const bytes = approximateBytes(message);
    this.unsentBytes += bytes;
    this.unsentSizes.push(bytes);
    this.call.write(message, this.onWritten);
    if (this.unsentBytes > GRPC_STREAM_MAX_UNSENT_BYTES && !this.closed) this.onSlowClient();
  }

  private onSlowClient(): void {
    const bytes = this.unsentBytes;
    this.close();
    const message = `The client fell ${bytes} bytes behind this ModelStreamInfer stream (limit ${GRPC_STREAM_MAX_UNSENT_BYTES}): its requests were cancelled and the stream ended`;
    this.server.logger.logWarning(message);
    this.call.emit(
      'error',
      grpcErrorOf(new ServerError(Status.UNAVAILABLE, 'ERR_STREAM_SLOW_CLIENT', message)),
    );
  }

  private maybeEnd(): void {
    if (this.closed || !this.inputEnded || this.ordered.length > 0 || this.active.size > 0) return;
    this.closed = true;
    this.call.end();
    this.onClosed?.(this);
  }

  // Stops the session: cancels every request still active (queued ones leave their queue).
  private close(): void {
    this.closed = true;
    this.onClosed?.(this);
    this.ordered.drain();
    const entries = [...this.active];
    this.active.clear();
    for (const entry of entries) {
      if (entry.request !== null) this.server.cancel(entry.request);
    }
  }
}

/** About how many bytes a stream response takes on the wire (its tensor bytes dominate). */
function approximateBytes(message: ModelStreamInferResponseMessage): number {
  let bytes = 64 + (message.error_message?.length ?? 0);
  const raw = message.infer_response?.raw_output_contents;
  if (raw !== undefined && raw !== null) for (let i = 0; i < raw.length; i++) bytes += raw[i]!.length;
  return bytes;
}

// A core response as a ModelInferResponse; decoupled ones carry the final flag as a parameter.
function encodeResponse(response: InferenceResponse, decoupled: boolean, final: boolean) {
  const parameters = decoupled
    ? { ...response.parameters, [FINAL_RESPONSE_PARAMETER]: final }
    : (response.parameters ?? undefined);
  return encodeGrpcInferResponse({
    modelName: response.modelName,
    modelVersion: response.modelVersion,
    id: response.id,
    parameters,
    outputs: response.outputs,
  });
}
