/**
 * The main-thread side of model-to-model calls (BLS) for JS model workers: a WorkerExtension that
 * turns each CALL message into a request submitted through the server (InstanceContext.bls, so the
 * target's scheduler, batching, cache and statistics apply) and posts every answer back as a
 * CALL_ANSWER. One BlsCall object per call is its response sink. Answers for an instance that has
 * stopped are dropped; the worker side lives in model-call.ts.
 */
import { ServerError, Status, toServerError } from '../../common/index.js';
import type { Parameters } from '../../protocol/index.js';
import type { ModelCaller, ModelCallResponse, ModelCallSink } from '../backend.js';
import type { ExtensionHost, WorkerExtension } from '../worker-instance-options.js';
import {
  type CallAnswerMessage,
  type CallMessage,
  MessageType,
  packTensors,
  unpackTensors,
  type WorkerMessage,
} from '../worker-protocol.js';

/** One call in flight: receives the target's answers and forwards them to the worker. */
class BlsCall implements ModelCallSink {
  readonly instance: ExtensionHost;
  readonly callId: number;
  private done = false;

  constructor(instance: ExtensionHost, callId: number) {
    this.instance = instance;
    this.callId = callId;
  }

  onResponse(_request: unknown, response: ModelCallResponse | null, final: boolean): void {
    if (this.done) return;
    if (final) this.done = true;
    if (response === null) {
      postAnswer(this.instance, this.callId, null, 0, '', null, final, null);
      return;
    }
    let packed: { buffer: ArrayBuffer; byteLength: number };
    try {
      packed = packTensors(response.outputs, [], null);
    } catch (err) {
      this.done = true;
      this.onFailure(toServerError(err));
      return;
    }
    postAnswer(
      this.instance,
      this.callId,
      packed.buffer,
      packed.byteLength,
      response.modelVersion,
      response.parameters,
      final,
      null,
    );
  }

  onError(_request: unknown, error: ServerError): void {
    if (this.done) return;
    this.done = true;
    this.onFailure(error);
  }

  /** Posts `error` as the call's final answer. */
  onFailure(error: ServerError): void {
    postAnswer(this.instance, this.callId, null, 0, '', null, true, {
      status: error.status,
      code: error.code,
      message: error.message,
    });
  }
}

function postAnswer(
  instance: ExtensionHost,
  callId: number,
  buffer: ArrayBuffer | null,
  byteLength: number,
  modelVersion: string,
  parameters: Parameters | null,
  final: boolean,
  error: CallAnswerMessage['error'],
): void {
  const msg: CallAnswerMessage = {
    type: MessageType.CALL_ANSWER,
    callId,
    buffer,
    byteLength,
    modelVersion,
    parameters,
    final,
    error,
  };
  instance.post(msg, buffer === null ? [] : [buffer]);
}

/** Serves the CALL messages of JS model workers through a ModelCaller (or refuses them without one). */
export class BlsBridge implements WorkerExtension {
  private readonly caller: ModelCaller | null;

  constructor(caller: ModelCaller | null) {
    this.caller = caller;
  }

  onMessage(instance: ExtensionHost, message: WorkerMessage): void {
    if (message.type !== MessageType.CALL) return;
    this.call(instance, message);
  }

  onStop(_instance: ExtensionHost): void {
    // Calls in flight finish in the core; their answers are dropped by WorkerInstance.post.
  }

  private call(instance: ExtensionHost, msg: CallMessage): void {
    const call = new BlsCall(instance, msg.callId);
    if (this.caller === null) {
      call.onError(null, unavailableError());
      return;
    }
    try {
      const { tensors, names } = unpackTensors(msg.buffer, msg.byteLength);
      this.caller.infer(
        {
          modelName: msg.model,
          modelVersion: msg.version,
          id: msg.requestId,
          parameters: msg.parameters,
          inputs: tensors,
          outputs: names.length === 0 ? null : names.map((name) => ({ name, classCount: 0 })),
          parentTraceId: msg.parentTraceId ?? 0,
        },
        call,
      );
    } catch (err) {
      call.onError(null, toServerError(err));
    }
  }
}

function unavailableError(): ServerError {
  return new ServerError(
    Status.UNAVAILABLE,
    'ERR_BLS_UNAVAILABLE',
    'This server offers no model-to-model calls',
  );
}
