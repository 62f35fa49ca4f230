/**
 * One gRPC ModelStreamInfer call as an object: `send(request)` writes requests (sequences,
 * decoupled models), and `for await (const item of stream)` reads what the server answers: an
 * InferResult per response or an InferenceServerError per in-band error (Triton's
 * `error_message`). The loop ends when the server closes the stream after `end()`; it throws when
 * the call fails (connection, gRPC status with the `triton_grpc_error` header) or is aborted.
 * Reading is flow-controlled: the call pauses while many answers wait unread.
 */
import type * as grpc from '@grpc/grpc-js';
import { Status } from '../common/index.js';
import type { ModelStreamInferResponseMessage } from '../protocol/grpc/index.js';
import { statusFromGrpcCode } from '../protocol/index.js';
import { decodeGrpcInferResponse, encodeGrpcInferRequest } from './grpc-infer-codec.js';
import type { InferInput } from './infer-input.js';
import type { InferOptions } from './infer-options.js';
import type { InferResult } from './infer-result.js';
import {
  asClientError,
  badResponse,
  ClientErrorCode,
  cancelledError,
  InferenceServerError,
  invalidInput,
} from './inference-server-error.js';

/** One request sent on a stream. */
export interface StreamInferRequest
  extends Omit<InferOptions, 'signal' | 'timeoutMs' | 'headers' | 'json' | 'compression'> {
  /** Model name. */
  model: string;
  /** Input tensors. */
  inputs: readonly InferInput[];
  /** Ask a decoupled model for an empty final response carrying only the final flag; default false. */
  enableEmptyFinalResponse?: boolean;
}

/** Options of a stream. */
export interface StreamOptions {
  /** Cancels the whole stream when aborted (the loop throws CANCELLED); default none. */
  signal?: AbortSignal;
  /** Deadline of the whole stream in milliseconds; default none. */
  timeoutMs?: number;
  /** Extra metadata sent when the stream opens; default none. */
  headers?: Record<string, string>;
  /** Send `triton_grpc_error: true`: the server ends the stream with a gRPC status on error; default false. */
  tritonGrpcError?: boolean;
}

/** What a stream yields: a response, or an in-band error carrying the failed request's id. */
export type StreamItem = InferResult | InferenceServerError;

/** Answers kept unread before the call is paused. */
const HIGH_WATER_ITEMS = 256;

/** A bidirectional inference stream (see the file header). */
export class InferStream implements AsyncIterable<StreamItem> {
  private readonly call: grpc.ClientDuplexStream<object, ModelStreamInferResponseMessage>;
  private readonly signal: AbortSignal | undefined;
  private readonly timeoutMs: number;
  private readonly items: StreamItem[] = [];
  private head = 0;
  private waiter: (() => void) | null = null;
  private failure: InferenceServerError | null = null;
  private finished = false;
  private writable = true;
  private paused = false;
  private readonly onAbort: () => void;

  /** Wraps an opened ModelStreamInfer call (GrpcClient.stream opens it). */
  constructor(
    call: grpc.ClientDuplexStream<object, ModelStreamInferResponseMessage>,
    options: StreamOptions,
  ) {
    this.call = call;
    this.signal = options.signal;
    this.timeoutMs = options.timeoutMs ?? 0;
    this.onAbort = () => this.call.cancel();
    call.on('data', (message: ModelStreamInferResponseMessage) => this.onMessage(message));
    call.on('error', (err: grpc.ServiceError) => this.onError(err));
    call.on('end', () => this.finish());
    this.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** Sends one request; throws INVALID_ARG after end() or when the stream has failed. */
  send(request: StreamInferRequest): void {
    if (!this.writable || this.finished)
      throw invalidInput('Cannot send on an inference stream that was ended');
    const extra =
      request.enableEmptyFinalResponse === true ? { triton_enable_empty_final_response: true } : undefined;
    this.call.write(encodeGrpcInferRequest(request.model, request.inputs, request, extra));
  }

  /** Half-closes the stream: no more requests; the loop ends once the server has answered all. */
  end(): void {
    if (!this.writable) return;
    this.writable = false;
    this.call.end();
  }

  /** Cancels the stream at once; the loop ends without an error. */
  cancel(): void {
    this.writable = false;
    this.finish();
    this.call.cancel();
  }

  [Symbol.asyncIterator](): AsyncIterator<StreamItem> {
    return { next: () => this.next(), return: () => this.stop() };
  }

  private async next(): Promise<IteratorResult<StreamItem>> {
    for (;;) {
      if (this.head < this.items.length) {
        const item = this.items[this.head]!;
        this.items[this.head++] = undefined as unknown as StreamItem;
        if (this.head === this.items.length) {
          this.items.length = 0;
          this.head = 0;
        }
        if (this.paused && this.items.length - this.head < HIGH_WATER_ITEMS / 2) {
          this.paused = false;
          this.call.resume();
        }
        return { value: item, done: false };
      }
      if (this.failure !== null) throw this.failure;
      if (this.finished) return { value: undefined, done: true };
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
    }
  }

  private async stop(): Promise<IteratorResult<StreamItem>> {
    if (!this.finished) this.cancel();
    return { value: undefined, done: true };
  }

  private wake(): void {
    const waiter = this.waiter;
    if (waiter !== null) {
      this.waiter = null;
      waiter();
    }
  }

  private onMessage(message: ModelStreamInferResponseMessage): void {
    if (this.finished) return;
    let item: StreamItem;
    const response = message.infer_response;
    if (message.error_message !== '') {
      item = new InferenceServerError(
        Status.UNKNOWN,
        ClientErrorCode.SERVER_RESPONSE,
        message.error_message,
        {
          requestId: response?.id ?? '',
        },
      );
    } else if (response == null) {
      item = badResponse('Stream response carries neither an error nor an inference response');
    } else {
      try {
        item = decodeGrpcInferResponse(response);
      } catch (err) {
        item = asClientError(err, badResponse);
      }
    }
    this.items.push(item);
    if (!this.paused && this.items.length - this.head >= HIGH_WATER_ITEMS) {
      this.paused = true;
      this.call.pause();
    }
    this.wake();
  }

  private onError(err: grpc.ServiceError): void {
    if (this.finished) return;
    if (this.signal?.aborted === true) {
      this.failure = cancelledError('Inference stream', err, err.code);
    } else if (err.code === 4 && this.timeoutMs > 0) {
      this.failure = new InferenceServerError(
        Status.UNAVAILABLE,
        ClientErrorCode.TIMEOUT,
        `Inference stream timed out after ${this.timeoutMs} ms`,
        { grpcCode: err.code, cause: err },
      );
    } else {
      this.failure = grpcCallError(err);
    }
    this.finish();
  }

  private finish(): void {
    if (this.finished) {
      this.wake();
      return;
    }
    this.finished = true;
    this.writable = false;
    this.signal?.removeEventListener('abort', this.onAbort);
    if (this.paused) this.call.resume();
    this.wake();
  }
}

/** The InferenceServerError of a failed gRPC call (status from the gRPC code, the server's details). */
export function grpcCallError(err: grpc.ServiceError): InferenceServerError {
  const status = statusFromGrpcCode(err.code);
  return new InferenceServerError(status, ClientErrorCode.SERVER_RESPONSE, err.details || err.message, {
    grpcCode: err.code,
    cause: err,
  });
}
