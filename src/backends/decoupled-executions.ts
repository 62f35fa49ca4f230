/**
 * DecoupledExecutions: a decoupled instance's executions whose requests may still respond. A
 * decoupled model answers each request through RESPONSE messages, possibly long after its
 * execution returned; this table routes them to the execution's sink and fails the requests left
 * open when the instance dies. Main thread; WorkerInstance owns one per decoupled instance.
 */
import { reviveServerError, type ServerError } from '../common/index.js';
import type { Tensor } from '../protocol/index.js';
import type { BackendLogger, ExecutionSink } from './backend.js';
import { type ResponseMessage, unpackTensors } from './worker-protocol.js';

/** A decoupled execution whose requests are not all finished. */
class OpenExecution {
  readonly sink: ExecutionSink;
  /** 1 while request i may still respond. */
  readonly open: Uint8Array;
  openCount: number;
  /** The execution returned (its RESULT arrived). */
  returned = false;

  constructor(sink: ExecutionSink, requestCount: number) {
    this.sink = sink;
    this.open = new Uint8Array(requestCount).fill(1);
    this.openCount = requestCount;
  }
}

/** The open decoupled executions of one instance, by execution id. */
export class DecoupledExecutions {
  private readonly byId = new Map<number, OpenExecution>();
  private readonly logger: BackendLogger;
  private readonly name: string;

  /** `name` (the instance's) prefixes the log line of a sink that throws. */
  constructor(name: string, logger: BackendLogger) {
    this.name = name;
    this.logger = logger;
  }

  /** Execution `id` was sent with `requestCount` requests. */
  add(id: number, sink: ExecutionSink, requestCount: number): void {
    this.byId.set(id, new OpenExecution(sink, requestCount));
  }

  /** Execution `id` failed as a whole (its sink got the error): nothing of it stays open. */
  delete(id: number): void {
    this.byId.delete(id);
  }

  /** Execution `id` returned; forgotten once its requests are finished too. */
  returned(id: number): void {
    const open = this.byId.get(id);
    if (open === undefined) return;
    open.returned = true;
    if (open.openCount === 0) this.byId.delete(id);
  }

  /** Routes one RESPONSE to its execution's sink; ignores requests already finished. */
  respond(msg: ResponseMessage): void {
    const open = this.byId.get(msg.id);
    if (open === undefined || open.open[msg.index] !== 1) return;
    const error =
      msg.error === null ? null : reviveServerError(msg.error.status, msg.error.code, msg.error.message);
    const final = msg.final || error !== null;
    let outputs: Tensor[] | null = null;
    if (msg.buffer !== null && error === null) outputs = unpackTensors(msg.buffer, msg.byteLength).tensors;
    if (final) {
      open.open[msg.index] = 0;
      open.openCount--;
      if (open.openCount === 0 && open.returned) this.byId.delete(msg.id);
    }
    this.safeRespond(open.sink, msg.index, outputs, final, error);
  }

  /** Fails every request still open (the instance stopped). */
  failAll(error: ServerError): void {
    if (this.byId.size === 0) return;
    const open = [...this.byId.values()];
    this.byId.clear();
    for (const execution of open) {
      for (let i = 0; i < execution.open.length; i++) {
        if (execution.open[i] === 1) this.safeRespond(execution.sink, i, null, true, error);
      }
    }
  }

  private safeRespond(
    sink: ExecutionSink,
    index: number,
    outputs: Tensor[] | null,
    final: boolean,
    error: ServerError | null,
  ): void {
    try {
      sink.onResponse?.(index, outputs, final, error);
    } catch (err) {
      this.logger(
        'error',
        `${this.name}: an execution sink threw: ${err instanceof Error ? err.stack : String(err)}`,
      );
    }
  }
}
