/**
 * The worker-side objects a JavaScript model receives: JsRequest (one request of a batch, with
 * its own inputs) and JsResponseSender (the decoupled response channel of one request, which
 * posts RESPONSE messages to the main thread). Executing batches lives in js-model-runtime.ts.
 */
import { Status } from '../../common/errors.js';
import type { Parameters, Tensor } from '../../protocol/index.js';
import { hostPort } from '../host-port.js';
import { MessageType, packTensors, type ResponseMessage } from '../worker-protocol.js';
import type { ModelRequest, ModelResponse, ResponseSender, SendOptions } from './model-api-types.js';
import { ModelError, toWorkerError } from './model-error.js';
import type { OutputChecker } from './output-checker.js';

/** One request of a batch as `execute` sees it. */
export class JsRequest implements ModelRequest {
  readonly id: string;
  readonly parameters: Parameters;
  readonly batchSize: number;
  readonly inputs: readonly Tensor[];
  readonly requestedOutputNames: readonly string[];
  readonly trace: number;
  private readonly sender: JsResponseSender | null;

  constructor(
    id: string,
    parameters: Parameters,
    batchSize: number,
    inputs: readonly Tensor[],
    requestedOutputNames: readonly string[],
    sender: JsResponseSender | null,
    trace = 0,
  ) {
    this.id = id;
    this.trace = trace;
    this.parameters = parameters;
    this.batchSize = batchSize;
    this.inputs = inputs;
    this.requestedOutputNames = requestedOutputNames;
    this.sender = sender;
  }

  input(name: string): Tensor {
    const t = this.optionalInput(name);
    if (t !== null) return t;
    throw new ModelError(
      `Request has no input '${name}': it has ${this.inputs.map((i) => `'${i.name}'`).join(', ') || 'none'}`,
      Status.INVALID_ARG,
      'ERR_MODEL_INPUT',
    );
  }

  optionalInput(name: string): Tensor | null {
    for (let i = 0; i < this.inputs.length; i++) if (this.inputs[i]!.name === name) return this.inputs[i]!;
    return null;
  }

  responseSender(): ResponseSender {
    if (this.sender === null) {
      throw new ModelError(
        'responseSender() is only for decoupled models (model_transaction_policy { decoupled: true }); return the responses from execute instead',
        Status.INTERNAL,
        'ERR_MODEL_NOT_DECOUPLED',
      );
    }
    return this.sender;
  }
}

/** The response channel of one request of a decoupled model. */
export class JsResponseSender implements ResponseSender {
  private readonly executionId: number;
  private readonly index: number;
  private readonly checker: OutputChecker;
  private ended = false;

  constructor(executionId: number, index: number, checker: OutputChecker) {
    this.executionId = executionId;
    this.index = index;
    this.checker = checker;
  }

  get closed(): boolean {
    return this.ended;
  }

  send(response?: ModelResponse | null, options?: SendOptions): void {
    if (this.ended) {
      throw new ModelError(
        `Cannot send on the response sender of request ${this.index}: it already sent its final response`,
        Status.INTERNAL,
        'ERR_MODEL_SENDER_CLOSED',
      );
    }
    const final = options?.final === true;
    if (response instanceof Error) {
      this.fail(response);
      return;
    }
    if (response === null || response === undefined) {
      if (final) this.post(null, 0, true);
      return;
    }
    let tensors: Tensor[];
    try {
      tensors = this.checker.check(response);
    } catch (err) {
      this.fail(err);
      return;
    }
    const packed = packTensors(tensors, [], null);
    this.post(packed.buffer, packed.byteLength, final);
  }

  /** Ends the request with an error (used for throws and for a stopped execution). */
  fail(err: unknown): void {
    if (this.ended) return;
    this.ended = true;
    const msg: ResponseMessage = {
      type: MessageType.RESPONSE,
      id: this.executionId,
      index: this.index,
      buffer: null,
      byteLength: 0,
      final: true,
      error: toWorkerError(err),
    };
    hostPort()!.postMessage(msg);
  }

  /** Marks the request ended without sending (the main thread already failed it). */
  close(): void {
    this.ended = true;
  }

  private post(buffer: ArrayBuffer | null, byteLength: number, final: boolean): void {
    if (final) this.ended = true;
    const msg: ResponseMessage = {
      type: MessageType.RESPONSE,
      id: this.executionId,
      index: this.index,
      buffer,
      byteLength,
      final,
      error: null,
    };
    hostPort()!.postMessage(msg, buffer === null ? [] : [buffer]);
  }
}
