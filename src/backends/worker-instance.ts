/**
 * WorkerInstance: the main-thread side of one model instance running on its own worker (a thread,
 * or a child process). It owns the lifecycle (start, ready, crash, timeouts, stop) and the
 * correlation of executions with their sinks (oldest first: the worker answers in order, up to
 * `maxInFlight` in flight). How executions travel is its Transport's (transport.ts): the backend
 * picks RingTransport or MessageTransport once, at load. It never loads or runs a model itself;
 * the worker entry (worker-runtime.ts) does. The picture of the whole layer is in README.md here.
 */
import { reviveServerError, ServerError, Status } from '../common/index.js';
import type { Tensor } from '../protocol/index.js';
import type {
  BackendInstance,
  BackendLogger,
  ExecutionBatch,
  ExecutionSink,
  ModelFileMetadata,
} from './backend.js';
import { DecoupledExecutions } from './decoupled-executions.js';
import { InFlightQueue } from './in-flight-queue.js';
import { MessageTransport } from './message-transport.js';
import type { Transport, TransportOwner } from './transport.js';
import { threadHost, type WorkerHost, type WorkerHostFactory } from './worker-host.js';
import {
  executionTimedOut,
  instanceAborted,
  instanceBusy,
  instanceClosed,
  instanceCrashed,
  loadTimedOut,
  transportBroken,
  workerStoppedWhileLoading,
} from './worker-instance-errors.js';
import {
  defaultBackendLogger,
  type WorkerExtension,
  type WorkerInstanceOptions,
} from './worker-instance-options.js';
import {
  type ErrorMessage,
  MessageType,
  type ResultMessage,
  type StopMessage,
  unpackTensors,
  type WorkerInit,
  type WorkerMessage,
} from './worker-protocol.js';
import { splitPerRequest, timedResult } from './worker-result.js';

/** Instance states; the order matters (>= CLOSED means no more executions). */
const State = { STARTING: 0, IDLE: 1, BUSY: 2, CLOSED: 3, DEAD: 4 } as const;

function deliverError(sink: ExecutionSink, error: ServerError): void {
  sink.onError(error);
}

function deliverExit(listener: (error: ServerError) => void, error: ServerError): void {
  listener(error);
}

export {
  defaultBackendLogger,
  type WorkerExtension,
  type WorkerInstanceOptions,
} from './worker-instance-options.js';

/** One model instance on a worker; implements BackendInstance for any worker backend. */
export class WorkerInstance implements BackendInstance, TransportOwner {
  /** Instance name. */
  readonly name: string;
  /** Model name. */
  readonly modelName: string;
  /** The model file's metadata as reported by the worker when it became ready (null if none). */
  metadata: ModelFileMetadata | null = null;
  /** Executions accepted at once. */
  readonly maxInFlight: number;
  /** How executions travel (diagnostics read its counters). */
  readonly transport: Transport;
  private readonly worker: WorkerHost;
  private readonly logger: BackendLogger;
  private readonly executionTimeoutMs: number;
  private readonly sendRequestInfo: boolean;
  private readonly terminateWhileBusy: boolean;
  private readonly extension: WorkerExtension | null;
  private readonly stopGraceMs: number;
  /** Decoupled instances: executions whose requests may still respond; else null. */
  private readonly decoupled: DecoupledExecutions | null;
  private stopping: Promise<void> | null = null;
  private readonly exited: Promise<void>;
  private resolveExited: () => void = noop;
  private state: number = State.STARTING;
  private nextId = 0;
  /** Ids and sinks of the executions in flight, oldest first (the worker answers in order). */
  private readonly inFlight: InFlightQueue;
  private timer: NodeJS.Timeout | null = null;
  private readonly exitListeners: ((error: ServerError) => void)[] = [];
  private deathError: ServerError | null = null;
  private workerError: Error | null = null;
  private closing: Promise<void> | null = null;
  private readonly ready: Promise<WorkerInstance>;
  private resolveReady: (instance: WorkerInstance) => void = noop;
  private rejectReady: (error: ServerError) => void = noop;

  /** Starts the worker and resolves once the model is loaded; rejects with the load error. */
  static start<TOptions>(options: WorkerInstanceOptions<TOptions>): Promise<WorkerInstance> {
    return new WorkerInstance(options).ready;
  }

  private constructor(options: WorkerInstanceOptions<unknown>) {
    this.name = options.name;
    this.modelName = options.modelName;
    this.logger = options.logger ?? defaultBackendLogger;
    this.executionTimeoutMs = options.executionTimeoutMs ?? 0;
    this.sendRequestInfo = options.sendRequestInfo ?? false;
    this.terminateWhileBusy = options.terminateWhileBusy ?? false;
    this.extension = options.extension ?? null;
    this.stopGraceMs = options.stopGraceMs ?? 0;
    this.maxInFlight = Math.max(1, Math.floor(options.maxInFlight ?? 1));
    this.transport = options.transport ?? new MessageTransport();
    this.decoupled = options.decoupled === true ? new DecoupledExecutions(this.name, this.logger) : null;
    if (
      this.transport.rings !== null &&
      (this.decoupled !== null || this.sendRequestInfo || this.extension !== null)
    ) {
      // A programming error of a backend: ring records carry neither request facts nor RESPONSEs.
      throw new Error(
        'The ring transport carries batch executions only (no decoupled, request info or extension)',
      );
    }
    this.inFlight = new InFlightQueue(this.maxInFlight);
    this.exited = new Promise<void>((resolve) => {
      this.resolveExited = resolve;
    });
    this.ready = new Promise<WorkerInstance>((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    const init: WorkerInit = {
      modelName: options.modelName,
      instanceName: options.name,
      config: options.config ?? null,
      options: options.options,
      rings: this.transport.rings,
    };
    this.worker = (options.host ?? defaultHost)(options.workerUrl, init);
    this.transport.attach(this.worker, this);
    this.worker.on('message', this.onMessage);
    this.worker.on('error', this.onWorkerError);
    this.worker.on('exit', this.onWorkerExit);
    this.worker.stdout.setEncoding('utf8');
    this.worker.stdout.on('data', this.onStdout);
    this.worker.stderr.setEncoding('utf8');
    this.worker.stderr.on('data', this.onStderr);
    const loadTimeoutMs = options.loadTimeoutMs ?? 0;
    if (loadTimeoutMs > 0) this.timer = setTimeout(this.onLoadTimeout, loadTimeoutMs, loadTimeoutMs);
  }

  /** The worker's thread id, or its process id on a process host (for logs and diagnostics). */
  get threadId(): number {
    return this.worker.threadId;
  }

  /** Whether the instance can still run executions and answer extension messages. */
  get isRunning(): boolean {
    return this.state === State.IDLE || this.state === State.BUSY;
  }

  /** Executions in flight (TransportOwner). */
  get inFlightCount(): number {
    return this.inFlight.length;
  }

  /** Posts a message to the worker (for extensions); dropped once the instance stopped. */
  post(message: unknown, transfer: ArrayBuffer[] = []): void {
    if (this.state >= State.CLOSED) return;
    if (!this.transport.post(message, transfer)) this.onTransportError('found its request ring full');
  }

  execute(batch: ExecutionBatch, sink: ExecutionSink): void {
    if (
      !(this.state === State.IDLE || (this.state === State.BUSY && this.inFlight.length < this.maxInFlight))
    ) {
      process.nextTick(deliverError, sink, this.notIdleError());
      return;
    }
    const id = ++this.nextId;
    this.inFlight.push(id, sink);
    const wasState = this.state;
    this.state = State.BUSY;
    this.decoupled?.add(id, sink, batch.requests.length);
    try {
      this.transport.send(id, batch, this.sendRequestInfo);
    } catch (err) {
      // Nothing was sent (the inputs could not be packed): the execution never happened.
      this.inFlight.pop();
      this.decoupled?.delete(id);
      if (this.state === State.BUSY) this.state = wasState;
      const message = err instanceof Error ? err.message : String(err);
      process.nextTick(deliverError, sink, new ServerError(Status.INTERNAL, 'ERR_PACK_INPUTS', message));
      return;
    }
    if (this.executionTimeoutMs > 0 && this.state === State.BUSY && this.inFlight.length === 1)
      this.timer = setTimeout(this.onExecutionTimeout, this.executionTimeoutMs);
  }

  onExit(listener: (error: ServerError) => void): void {
    if (this.deathError !== null) process.nextTick(deliverExit, listener, this.deathError);
    else this.exitListeners.push(listener);
  }

  /** Kills the worker as a crash would: the in-flight execution fails and onExit listeners run. */
  abort(reason: string): void {
    if (this.state >= State.CLOSED) return;
    const error = instanceAborted(this, reason);
    if (this.state === State.STARTING) this.failStart(error);
    else this.die(error);
  }

  close(): Promise<void> {
    if (this.closing !== null) return this.closing;
    const wasState = this.state;
    if (wasState < State.CLOSED) this.state = State.CLOSED;
    this.clearTimer();
    const error = instanceClosed(this, 'was');
    if (wasState === State.STARTING) this.rejectReady(error);
    this.transport.close();
    this.failInFlight(error);
    this.decoupled?.failAll(error);
    this.extension?.onStop(this);
    this.closing = this.stopWorker(this.stopGraceMs);
    return this.closing;
  }

  /** TransportOwner: the transport broke its rules; the instance dies. */
  onTransportError(reason: string): void {
    // A dead instance's STOP cannot be announced either: end the thread instead of dying again.
    if (this.state === State.DEAD) {
      void this.worker.terminate();
      return;
    }
    this.die(transportBroken(this, reason));
  }

  /** TransportOwner: one execution's RESULT or ERROR, oldest first; answers its sink. */
  onAnswer(msg: ResultMessage | ErrorMessage): void {
    if (this.state !== State.BUSY || msg.id !== this.inFlight.oldestId) return;
    if (msg.type === MessageType.ERROR) {
      this.decoupled?.delete(msg.id);
      this.safeCall(this.takeSink(), null, reviveServerError(msg.status, msg.code, msg.message));
      return;
    }
    const sink = this.takeSink();
    if (msg.decoupled === true) {
      this.decoupled?.returned(msg.id);
      this.safeCall(sink, timedResult(msg, null, null), null);
      return;
    }
    let outputs: Tensor[];
    try {
      outputs = unpackTensors(msg.buffer, msg.byteLength, msg.byteOffset).tensors;
    } catch (err) {
      const error =
        err instanceof ServerError ? err : new ServerError(Status.INTERNAL, 'ERR_UNPACK', String(err));
      this.safeCall(sink, null, error);
      return;
    }
    if (msg.perRequestCounts != null) {
      this.safeCall(sink, timedResult(msg, null, splitPerRequest(outputs, msg)), null);
      return;
    }
    this.safeCall(sink, timedResult(msg, outputs, null), null);
  }

  private readonly onMessage = (msg: WorkerMessage): void => {
    switch (msg.type) {
      case MessageType.RESULT:
        this.transport.onAnswerMessage(msg);
        return;
      case MessageType.ERROR:
        if (msg.id === -1) {
          if (this.state === State.STARTING)
            this.failStart(reviveServerError(msg.status, msg.code, msg.message));
        } else this.transport.onAnswerMessage(msg);
        return;
      case MessageType.RESPONSE:
        this.decoupled?.respond(msg);
        return;
      case MessageType.CALL:
        if (this.extension !== null && this.isRunning) this.extension.onMessage(this, msg);
        return;
      case MessageType.READY:
        if (this.state !== State.STARTING) return;
        this.clearTimer();
        this.metadata = msg.metadata;
        this.state = State.IDLE;
        this.resolveReady(this);
        return;
      case MessageType.LOG:
        this.logger(msg.level, `${this.name}: ${msg.message}`);
        return;
    }
  };

  private readonly onStdout = (chunk: string): void => {
    this.logger('info', `${this.name}: ${chunk.trimEnd()}`);
  };

  private readonly onStderr = (chunk: string): void => {
    this.logger('warn', `${this.name}: ${chunk.trimEnd()}`);
  };

  private readonly onWorkerError = (err: Error): void => {
    this.workerError = err;
  };

  private readonly onWorkerExit = (code: number): void => {
    this.resolveExited();
    const reason =
      this.workerError !== null
        ? this.workerError.message
        : (this.worker.describeExit?.(code) ?? `worker exited with code ${code}`);
    if (this.state === State.STARTING) {
      this.failStart(workerStoppedWhileLoading(this, reason));
    } else if (this.state < State.CLOSED) {
      this.die(instanceCrashed(this, reason));
    }
  };

  private readonly onExecutionTimeout = (): void => {
    this.timer = null;
    if (this.state !== State.BUSY) return;
    this.die(executionTimedOut(this, this.executionTimeoutMs));
  };

  private readonly onLoadTimeout = (timeoutMs: number): void => {
    this.timer = null;
    if (this.state !== State.STARTING) return;
    this.failStart(loadTimedOut(this, timeoutMs));
  };

  private notIdleError(): ServerError {
    if (this.state === State.BUSY) return instanceBusy(this, this.inFlight.length, this.maxInFlight);
    if (this.state === State.DEAD && this.deathError !== null) {
      return new ServerError(Status.UNAVAILABLE, 'ERR_INSTANCE_UNAVAILABLE', this.deathError.message);
    }
    return instanceClosed(this, 'is');
  }

  /** Takes the oldest execution's sink; the next one (if any) now runs, so its timer starts. */
  private takeSink(): ExecutionSink {
    this.clearTimer();
    const sink = this.inFlight.shift();
    if (this.inFlight.length === 0) this.state = State.IDLE;
    else if (this.executionTimeoutMs > 0)
      this.timer = setTimeout(this.onExecutionTimeout, this.executionTimeoutMs);
    return sink;
  }

  private safeCall(
    sink: ExecutionSink,
    result: Parameters<ExecutionSink['onResult']>[0] | null,
    error: ServerError | null,
  ): void {
    try {
      if (error !== null) sink.onError(error);
      else sink.onResult(result!);
    } catch (err) {
      this.logger(
        'error',
        `${this.name}: an execution sink threw: ${err instanceof Error ? err.stack : String(err)}`,
      );
    }
  }

  private failInFlight(error: ServerError): void {
    while (this.inFlight.length > 0) {
      this.decoupled?.delete(this.inFlight.oldestId);
      this.safeCall(this.inFlight.shift(), null, error);
    }
  }

  private failStart(error: ServerError): void {
    this.state = State.DEAD;
    this.deathError = error;
    this.clearTimer();
    this.rejectReady(error);
    void this.stopWorker();
  }

  private die(error: ServerError): void {
    this.state = State.DEAD;
    this.deathError = error;
    this.clearTimer();
    this.transport.close();
    // Exit listeners first: the pool then marks the slot dead before the failed sinks give it back,
    // so queued requests wait for the replacement instead of being handed to this dead one.
    const listeners = this.exitListeners.splice(0);
    for (let i = 0; i < listeners.length; i++) {
      try {
        listeners[i]!(error);
      } catch (err) {
        this.logger(
          'error',
          `${this.name}: an exit listener threw: ${err instanceof Error ? err.stack : String(err)}`,
        );
      }
    }
    this.failInFlight(error);
    this.decoupled?.failAll(error);
    this.extension?.onStop(this);
    void this.stopWorker();
  }

  /**
   * Ends the worker: terminate() when allowed (after a STOP and up to `graceMs` for the worker to
   * exit on its own), else a STOP message it obeys between calls.
   */
  private stopWorker(graceMs = 0): Promise<void> {
    if (this.stopping !== null) return this.stopping;
    const stop: StopMessage = { type: MessageType.STOP };
    if (this.terminateWhileBusy && graceMs > 0) {
      this.sendStop(stop);
      this.stopping = stopWithin(this.worker, this.exited, graceMs);
    } else if (this.terminateWhileBusy) {
      this.stopping = this.worker.terminate().then(noop, noop);
    } else {
      this.sendStop(stop);
      this.stopping = this.exited;
    }
    return this.stopping;
  }

  private sendStop(stop: StopMessage): void {
    if (!this.transport.post(stop, [])) void this.worker.terminate();
  }

  private clearTimer(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }
}

function noop(): void {}

const defaultHost: WorkerHostFactory = threadHost();

/** Waits up to `graceMs` for the worker to exit on its own, then terminates it. */
async function stopWithin(worker: WorkerHost, exited: Promise<void>, graceMs: number): Promise<void> {
  let timer: NodeJS.Timeout | null = null;
  const expired = new Promise<boolean>((resolve) => {
    timer = setTimeout(resolve, graceMs, true);
  });
  const timedOut = await Promise.race([exited.then(() => false), expired]);
  if (timer !== null) clearTimeout(timer);
  if (timedOut) await worker.terminate().then(noop, noop);
}
