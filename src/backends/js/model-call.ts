/**
 * Model-to-model calls from inside a JavaScript model (Triton's BLS): `infer()` sends a request
 * to another model of the server and resolves with its response; `inferStream()` iterates the
 * responses of a decoupled target. Requests go to the main thread as CALL messages and through the
 * target's own scheduler (batching, cache and statistics apply); answers come back as CALL_ANSWER
 * messages. The pending-call table is shared through a global symbol, so two copies of this
 * module in one worker never mix their calls up. Runs only inside a model worker.
 */
import { Status } from '../../common/errors.js';
import type { Parameters, Tensor } from '../../protocol/index.js';
import { type HostPort, hostPort } from '../host-port.js';
import {
  type CallAnswerMessage,
  type CallMessage,
  MessageType,
  packTensors,
  unpackTensors,
} from '../worker-protocol.js';
import type { InferOptions, InferResponse } from './model-api-types.js';
import { ModelError } from './model-error.js';

/** A call waiting for answers. */
interface PendingCall {
  onAnswer(msg: CallAnswerMessage): void;
}

/** State shared by every copy of this module in the worker. */
interface CallTable {
  nextId: number;
  readonly pending: Map<number, PendingCall>;
}

const TABLE_KEY = Symbol.for('nereid.backend.modelCalls');

function onPortMessage(msg: { type?: number; callId?: number }): void {
  if (msg?.type !== MessageType.CALL_ANSWER) return;
  const table = (globalThis as Record<symbol, CallTable | undefined>)[TABLE_KEY];
  const call = table?.pending.get(msg.callId!);
  if (call === undefined) return;
  if ((msg as CallAnswerMessage).final || (msg as CallAnswerMessage).error !== null)
    table!.pending.delete(msg.callId!);
  call.onAnswer(msg as CallAnswerMessage);
}

function callTable(port: HostPort | null): CallTable {
  if (port === null) {
    throw new ModelError(
      'Model-to-model calls work only inside a model worker',
      Status.UNAVAILABLE,
      'ERR_BLS_UNAVAILABLE',
    );
  }
  const g = globalThis as Record<symbol, CallTable | undefined>;
  let table = g[TABLE_KEY];
  if (table === undefined) {
    table = { nextId: 0, pending: new Map() };
    g[TABLE_KEY] = table;
    port.on('message', onPortMessage);
  }
  return table;
}

function send(options: InferOptions, call: PendingCall): void {
  if (
    options === null ||
    typeof options !== 'object' ||
    typeof options.model !== 'string' ||
    options.model === ''
  ) {
    throw new ModelError('infer() needs options with a model name', Status.INVALID_ARG, 'ERR_BLS_REQUEST');
  }
  const trace = options.trace ?? 0;
  if (!Number.isSafeInteger(trace) || trace < 0) {
    throw new ModelError(
      `infer() option 'trace' must be a request's trace (ModelRequest.trace): received ${String(trace)}`,
      Status.INVALID_ARG,
      'ERR_BLS_REQUEST',
    );
  }
  const port = hostPort();
  const table = callTable(port);
  const callId = ++table.nextId;
  const packed = packTensors(options.inputs ?? [], options.outputs ?? [], null);
  const msg: CallMessage = {
    type: MessageType.CALL,
    callId,
    model: options.model,
    version: options.version ?? '',
    requestId: options.id ?? '',
    parameters: options.parameters ?? {},
    parentTraceId: trace,
    buffer: packed.buffer,
    byteLength: packed.byteLength,
  };
  table.pending.set(callId, call);
  port!.postMessage(msg, [packed.buffer]);
}

/** One answer as an InferResponse. */
class CallResponse implements InferResponse {
  readonly modelName: string;
  readonly modelVersion: string;
  readonly parameters: Parameters;
  readonly outputs: readonly Tensor[];
  readonly final: boolean;

  constructor(model: string, msg: CallAnswerMessage) {
    this.modelName = model;
    this.modelVersion = msg.modelVersion;
    this.parameters = msg.parameters ?? {};
    this.outputs = msg.buffer === null ? [] : unpackTensors(msg.buffer, msg.byteLength).tensors;
    this.final = msg.final;
  }

  output(name: string): Tensor {
    for (const t of this.outputs) if (t.name === name) return t;
    throw new ModelError(
      `Model '${this.modelName}' returned no output '${name}': it returned ${this.outputs.map((t) => `'${t.name}'`).join(', ') || 'none'}`,
      Status.INTERNAL,
      'ERR_BLS_OUTPUT',
    );
  }
}

function answerError(msg: CallAnswerMessage): ModelError {
  return new ModelError(msg.error!.message, msg.error!.status, msg.error!.code);
}

/** A call that expects one response. */
class UnaryCall implements PendingCall {
  private last: CallResponse | null = null;
  private responses = 0;

  constructor(
    private readonly model: string,
    private readonly resolve: (r: InferResponse) => void,
    private readonly reject: (e: Error) => void,
  ) {}

  onAnswer(msg: CallAnswerMessage): void {
    if (msg.error !== null) {
      this.reject(answerError(msg));
      return;
    }
    if (msg.buffer !== null) {
      this.responses++;
      this.last = new CallResponse(this.model, msg);
    }
    if (!msg.final) return;
    if (this.responses > 1) {
      this.reject(
        new ModelError(
          `Model '${this.model}' is decoupled and sent ${this.responses} responses: call it with inferStream()`,
          Status.INVALID_ARG,
          'ERR_BLS_DECOUPLED',
        ),
      );
    } else if (this.last === null) {
      this.reject(
        new ModelError(`Model '${this.model}' sent no response`, Status.INTERNAL, 'ERR_BLS_NO_RESPONSE'),
      );
    } else {
      this.resolve(this.last);
    }
  }
}

/** Runs a request on another model and resolves with its response; rejects with a ModelError. */
export function infer(options: InferOptions): Promise<InferResponse> {
  return new Promise<InferResponse>((resolve, reject) => {
    send(options, new UnaryCall(options?.model, resolve, reject));
  });
}

/** A call whose responses are iterated. */
class StreamCall implements PendingCall, AsyncIterableIterator<InferResponse> {
  private readonly items: CallResponse[] = [];
  private failure: Error | null = null;
  private ended = false;
  private waiter: (() => void) | null = null;

  constructor(private readonly model: string) {}

  onAnswer(msg: CallAnswerMessage): void {
    if (msg.error !== null) this.failure = answerError(msg);
    else if (msg.buffer !== null) this.items.push(new CallResponse(this.model, msg));
    if (msg.final || msg.error !== null) this.ended = true;
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.();
  }

  async next(): Promise<IteratorResult<InferResponse>> {
    for (;;) {
      const item = this.items.shift();
      if (item !== undefined) return { value: item, done: false };
      if (this.failure !== null) throw this.failure;
      if (this.ended) return { value: undefined, done: true };
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
    }
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<InferResponse> {
    return this;
  }
}

/**
 * Runs a request on a (decoupled) model and iterates its responses until the final one (an empty
 * final response ends the loop without an item); the loop throws a ModelError if the call fails.
 */
export function inferStream(options: InferOptions): AsyncIterableIterator<InferResponse> {
  const call = new StreamCall(options?.model);
  send(options, call);
  return call;
}
