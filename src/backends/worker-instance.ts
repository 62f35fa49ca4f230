/**
 * WorkerInstance: the main-thread side of one model instance running on its own worker thread.
 * It sends one message per execution with all input bytes packed into one transferred buffer
 * (reused ping-pong style), correlates answers by execution id, keeps up to `maxInFlight`
 * executions in flight (pipelined: the worker finds the next one already queued on its port), and
 * turns worker crashes, timeouts and closes into ServerErrors. It never loads or runs
 * a model itself; the worker entry (see worker-runtime.ts) does.
 */
import { ServerError, Status } from '../common/index.js';
import type { ModelConfig, Tensor } from '../protocol/index.js';
import type {
  BackendInstance,
  BackendLogger,
  BackendLogLevel,
  ExecutionBatch,
  ExecutionSink,
  ModelFileMetadata,
} from './backend.js';
import { InFlightQueue } from './in-flight-queue.js';
import { SharedRing } from './shared-ring.js';
import { WorkerDoorbell } from './worker-doorbell.js';
import { threadHost, type WorkerHost, type WorkerHostFactory } from './worker-host.js';
import {
  type ErrorMessage,
  type ExecuteManyMessage,
  type ExecuteMessage,
  MessageType,
  packTensors,
  type ResponseMessage,
  type ResultMessage,
  type StopMessage,
  unpackTensors,
  type WorkerInit,
  type WorkerMessage,
  type WorkerRings,
} from './worker-protocol.js';
import { splitPerRequest, timedResult } from './worker-result.js';
import {
  createWorkerRings,
  RingTag,
  readErrorRecord,
  readResultRecord,
  writeExecuteRecord,
  writePortRecord,
} from './worker-ring.js';

/** Options of WorkerInstance.start. */
export interface WorkerInstanceOptions<TOptions = unknown> {
  /** Instance name (`<group name>_<index>`), used in messages. */
  name: string;
  /** Model name, used in messages. */
  modelName: string;
  /** The compiled worker entry (see resolveWorkerUrl). */
  workerUrl: URL;
  /** The model config, cloned to the worker once; null when not needed. Default null. */
  config?: ModelConfig | null;
  /** Backend-specific load options for the worker's loader (must be structured-cloneable). */
  options: TOptions;
  /** Per-execution timeout in ms after which the instance is stopped; 0 = none. Default 0. */
  executionTimeoutMs?: number;
  /**
   * Runs the worker entry: a worker thread by default, or a child process (process-host.ts) for
   * isolation. Blocking mode and rings need a thread (shared memory). Default threadHost().
   */
  host?: WorkerHostFactory;
  /**
   * Whether the worker thread may be terminated while it runs code (safe for pure-JS workers;
   * needed to stop an endless JS loop). When false, the worker is asked to exit and does so once
   * its current native call returns: onnxruntime-node aborts the whole process when its thread is
   * terminated mid-call. Default false.
   */
  terminateWhileBusy?: boolean;
  /** Load timeout in ms after which start() rejects; 0 = none. Default 0. */
  loadTimeoutMs?: number;
  /** Send per-request facts (id, rows, parameters) with each execution. Default false. */
  sendRequestInfo?: boolean;
  /** Receives worker stdout/stderr and log messages. Default: warnings and errors to stderr. */
  logger?: BackendLogger;
  /**
   * Decoupled model: the worker answers each request through RESPONSE messages, possibly after
   * the execution returned; open requests fail when the instance dies. Default false.
   */
  decoupled?: boolean;
  /**
   * Executions handed to the worker at once; the worker runs them one after the other. Above 1
   * the worker finds the next execution already queued when one ends, instead of sleeping until
   * the main thread wakes up and sends it (a wake-up costs more than a tiny model's run on
   * virtual machines). Default 1.
   */
  maxInFlight?: number;
  /**
   * The worker serves in blocking mode (WorkerRuntime with a synchronous executor): it waits in
   * `Atomics.wait` between executions and is rung through a WorkerDoorbell after each message,
   * instead of sleeping in its event loop. Unless the instance is decoupled, sends request info or
   * has an extension, executions and answers then travel through two SharedRings (worker-ring.ts,
   * docs/adr/0007) instead of messages. Default false.
   */
  blocking?: boolean;
  /** Handles message kinds WorkerInstance does not know (e.g. BLS calls). Default none. */
  extension?: WorkerExtension | null;
  /**
   * With terminateWhileBusy: ms close() lets the worker finish its STOP handling (a model's
   * finalize) before terminating it; 0 terminates at once. Default 0.
   */
  stopGraceMs?: number;
  /**
   * Ring mode: after ringing the worker for an execution that is the only one in flight, the main
   * thread watches the result ring for up to this many µs and answers in the same event-loop turn,
   * instead of going back to its loop and being woken by the worker's notify (docs/adr/0008). Only
   * while the instance's recent executions took at most half of it, so a slow model is never
   * waited for. 0 = never. Default 0.
   */
  answerPollUs?: number;
}

/** Extra message handling plugged into a WorkerInstance by a backend. */
export interface WorkerExtension {
  /** A worker message of a kind WorkerInstance does not handle itself (e.g. MessageType.CALL). */
  onMessage(instance: WorkerInstance, message: WorkerMessage): void;
  /** The instance stopped (closed or died); drop pending work. */
  onStop(instance: WorkerInstance): void;
}

/** A decoupled execution whose requests are not all finished. */
class OpenExecution {
  readonly sink: ExecutionSink;
  /** 1 while request i may still respond. */
  readonly open: Uint8Array;
  openCount: number;
  /** The execution returned (RESULT arrived). */
  returned: boolean;

  constructor(sink: ExecutionSink, requestCount: number) {
    this.sink = sink;
    this.open = new Uint8Array(requestCount).fill(1);
    this.openCount = requestCount;
    this.returned = false;
  }
}

/** Writes warnings and errors to stderr and drops the rest; the logger used when none is given. */
export const defaultBackendLogger: BackendLogger = (level: BackendLogLevel, message: string) => {
  if (level === 'error' || level === 'warn') process.stderr.write(`${level}: ${message}\n`);
};

/** Instance states; the order matters (>= CLOSED means no more executions). */
const State = { STARTING: 0, IDLE: 1, BUSY: 2, CLOSED: 3, DEAD: 4 } as const;

function deliverError(sink: ExecutionSink, error: ServerError): void {
  sink.onError(error);
}

function deliverExit(listener: (error: ServerError) => void, error: ServerError): void {
  listener(error);
}

/** One model instance on a worker thread; implements BackendInstance for any worker backend. */
export class WorkerInstance implements BackendInstance {
  /** Instance name. */
  readonly name: string;
  /** Model name. */
  readonly modelName: string;
  /** The model file's metadata as reported by the worker when it became ready (null if none). */
  metadata: ModelFileMetadata | null = null;
  /** Executions accepted at once. */
  readonly maxInFlight: number;
  /** Messages posted to the worker so far (diagnostics: executions travel several to a message). */
  postedMessages = 0;
  /** RESULT, ERROR and RESULT_MANY messages received so far (diagnostics, as postedMessages). */
  answerMessages = 0;
  /** Executions sent as ring records so far (diagnostics; ring mode only). */
  ringExecutions = 0;

  /** Ring mode: how often the worker has notified that answers are waiting (diagnostics); else 0. */
  get resultNotifications(): number {
    return this.resultRing?.notifications ?? 0;
  }
  private readonly worker: WorkerHost;
  /** Rung after each message to a blocking-mode worker; null for event-loop workers. */
  private readonly doorbell: WorkerDoorbell | null;
  /** Ring mode: executions to the worker, answers back, and the largest record; else null. */
  private readonly requestRing: SharedRing | null;
  private readonly resultRing: SharedRing | null;
  private readonly maxRecordBytes: number;
  /** Ring mode: see WorkerInstanceOptions.answerPollUs (0 = off). */
  private readonly answerPollUs: number;
  /**
   * Ring mode: moving average of the worker's time per execution in µs (the compute timings of
   * its answers); -1 until the first answer.
   */
  private recentExecutionUs = -1;
  /** Ring mode: watches in a row that ended without the answer, and flushes left to skip watching. */
  private missedWatches = 0;
  private watchesToSkip = 0;
  /** Ring mode: a waitAsync on the result ring is pending. */
  private resultWaitPending = false;
  /** Ring mode: the oldest answer is a message on the port (a PORT record said so). */
  private awaitingPortAnswer = false;
  private readonly logger: BackendLogger;
  private readonly executionTimeoutMs: number;
  private readonly sendRequestInfo: boolean;
  private readonly terminateWhileBusy: boolean;
  private readonly decoupled: boolean;
  private readonly extension: WorkerExtension | null;
  private readonly stopGraceMs: number;
  private readonly openExecutions = new Map<number, OpenExecution>();
  private stopping: Promise<void> | null = null;
  private readonly exited: Promise<void>;
  private resolveExited: () => void = noop;
  private state: number = State.STARTING;
  private nextId = 0;
  /** Ids and sinks of the executions in flight, oldest first (the worker answers in order). */
  private readonly inFlight: InFlightQueue;
  /** Input buffers the worker handed back, reused for the next executions. */
  private readonly spares: ArrayBuffer[] = [];
  private timer: NodeJS.Timeout | null = null;
  /**
   * Executions accepted during this turn of the event loop and not yet posted (when maxInFlight >
   * 1): flushed as one message from a setImmediate, so executions that arrive on several sockets
   * in one turn cost one wake-up and one message to read instead of one each.
   */
  private outbox: ExecuteMessage[] = [];
  private outboxTransfer: ArrayBuffer[] = [];
  private flushScheduled = false;
  private readonly exitListeners: ((error: ServerError) => void)[] = [];
  private deathError: ServerError | null = null;
  private workerError: Error | null = null;
  private closing: Promise<void> | null = null;
  private readonly ready: Promise<WorkerInstance>;
  private resolveReady: (instance: WorkerInstance) => void = () => {};
  private rejectReady: (error: ServerError) => void = () => {};

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
    this.decoupled = options.decoupled ?? false;
    this.extension = options.extension ?? null;
    this.stopGraceMs = options.stopGraceMs ?? 0;
    this.answerPollUs = Math.max(0, options.answerPollUs ?? 0);
    this.maxInFlight = Math.max(1, Math.floor(options.maxInFlight ?? 1));
    this.inFlight = new InFlightQueue(this.maxInFlight);
    this.exited = new Promise<void>((resolve) => {
      this.resolveExited = resolve;
    });
    this.ready = new Promise<WorkerInstance>((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    const doorbellBuffer = options.blocking === true ? WorkerDoorbell.create() : null;
    this.doorbell = doorbellBuffer === null ? null : new WorkerDoorbell(doorbellBuffer);
    const rings: WorkerRings | null =
      doorbellBuffer !== null && !this.decoupled && !this.sendRequestInfo && this.extension === null
        ? createWorkerRings(this.maxInFlight)
        : null;
    this.requestRing = rings === null ? null : new SharedRing(rings.requests);
    this.resultRing = rings === null ? null : new SharedRing(rings.results);
    this.maxRecordBytes = rings === null ? 0 : rings.maxRecordBytes;
    const init: WorkerInit = {
      modelName: options.modelName,
      instanceName: options.name,
      config: options.config ?? null,
      options: options.options,
      doorbell: doorbellBuffer,
      rings,
    };
    this.worker = (options.host ?? defaultHost)(options.workerUrl, init);
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

  /** Posts a message to the worker (for extensions); dropped once the instance stopped. */
  post(message: unknown, transfer: ArrayBuffer[] = []): void {
    if (this.state >= State.CLOSED) return;
    this.send(message, transfer);
  }

  /**
   * Posts to the worker and, in blocking mode, rings its doorbell. In ring mode a PORT record
   * marks the message's place among the ring's executions.
   */
  private send(message: unknown, transfer: ArrayBuffer[]): void {
    this.postedMessages++;
    this.worker.postMessage(message, transfer);
    if (this.requestRing !== null && !writePortRecord(this.requestRing)) {
      // A dead instance's STOP cannot be announced either: end the thread instead of dying again.
      if (this.state === State.DEAD) void this.worker.terminate();
      else this.die(ringFull(this, 'request'));
      return;
    }
    this.doorbell?.ring();
  }

  execute(batch: ExecutionBatch, sink: ExecutionSink): void {
    if (
      !(this.state === State.IDLE || (this.state === State.BUSY && this.inFlight.length < this.maxInFlight))
    ) {
      process.nextTick(deliverError, sink, this.notIdleError());
      return;
    }
    if (this.requestRing !== null) {
      this.executeThroughRing(batch, sink);
      return;
    }
    let packed: { buffer: ArrayBuffer; byteLength: number };
    try {
      packed = packTensors(batch.inputs, batch.outputNames, this.spares.pop() ?? null);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      process.nextTick(deliverError, sink, new ServerError(Status.INTERNAL, 'ERR_PACK_INPUTS', message));
      return;
    }
    const id = ++this.nextId;
    this.inFlight.push(id, sink);
    this.state = State.BUSY;
    if (this.decoupled) this.openExecutions.set(id, new OpenExecution(sink, batch.requests.length));
    const msg: ExecuteMessage = {
      type: MessageType.EXECUTE,
      id,
      batchSize: batch.batchSize,
      buffer: packed.buffer,
      byteLength: packed.byteLength,
      requests: this.sendRequestInfo ? (batch.requests as ExecuteMessage['requests']) : null,
    };
    // With room for several executions, the ones accepted during this event-loop turn go together
    // at its end: a burst of requests read in one turn wakes the worker once and is answered in one
    // burst (measured: gRPC at concurrency 16 +15-20 %; concurrency 1 about +10 us, see ADR 0006).
    if (this.maxInFlight === 1) this.send(msg, [packed.buffer]);
    else {
      this.outbox.push(msg);
      this.outboxTransfer.push(packed.buffer);
      this.scheduleFlush();
    }
    this.armFirstTimeout();
  }

  /** Runs flush() at the end of this event-loop turn (once, however many executions come). */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(this.flush);
  }

  /** Starts the execution timeout when the execution just accepted is the only one in flight. */
  private armFirstTimeout(): void {
    if (this.executionTimeoutMs > 0 && this.inFlight.length === 1)
      this.timer = setTimeout(this.onExecutionTimeout, this.executionTimeoutMs);
  }

  /**
   * Ring mode: writes the execution as a record (or, when it is too large for one, sends it as a
   * message announced by a PORT record), then rings the doorbell at the end of this event-loop turn
   * (at once with room for only one execution) and makes sure an answer will wake this thread.
   */
  private executeThroughRing(batch: ExecutionBatch, sink: ExecutionSink): void {
    const id = this.nextId + 1;
    let written: boolean;
    let message: ExecuteMessage | null = null;
    try {
      written = writeExecuteRecord(
        this.requestRing!,
        this.maxRecordBytes,
        id,
        batch.batchSize,
        batch.inputs,
        batch.outputNames,
      );
      if (!written) {
        const packed = packTensors(batch.inputs, batch.outputNames, this.spares.pop() ?? null);
        message = {
          type: MessageType.EXECUTE,
          id,
          batchSize: batch.batchSize,
          buffer: packed.buffer,
          byteLength: packed.byteLength,
          requests: null,
        };
      }
    } catch (err) {
      const text = err instanceof Error ? err.message : String(err);
      process.nextTick(deliverError, sink, new ServerError(Status.INTERNAL, 'ERR_PACK_INPUTS', text));
      return;
    }
    this.nextId = id;
    this.inFlight.push(id, sink);
    this.state = State.BUSY;
    if (message !== null) this.send(message, [message.buffer]);
    else {
      this.ringExecutions++;
      if (this.maxInFlight === 1) this.doorbell!.ring();
      else this.scheduleFlush();
    }
    if (this.state !== State.BUSY) return;
    this.armResults();
    this.armFirstTimeout();
  }

  /**
   * Ring mode: answers every record in the result ring, oldest first, up to a PORT record (that
   * answer is a message still to come; onMessage takes it and goes on).
   */
  private drainResults(): void {
    const ring = this.resultRing!;
    while (this.state === State.BUSY && !this.awaitingPortAnswer && ring.peek()) {
      const tag = ring.recordTag;
      if (tag === RingTag.RESULT) {
        const msg = readResultRecord(ring);
        ring.release();
        this.onResult(msg);
      } else if (tag === RingTag.ERROR) {
        const { id, error } = readErrorRecord(ring);
        ring.release();
        this.onError({ type: MessageType.ERROR, id, ...error, inputBuffer: null });
      } else if (tag === RingTag.PORT) {
        this.awaitingPortAnswer = true;
      } else {
        this.die(
          new ServerError(
            Status.INTERNAL,
            'ERR_RING_PROTOCOL',
            `Instance "${this.name}" of model "${this.modelName}" wrote an unknown ring record (tag ${tag})`,
          ),
        );
      }
    }
  }

  /**
   * Ring mode: while executions are in flight, keeps one waitAsync pending on the result ring, so
   * the worker's notify wakes this thread's event loop; drains what is already there first.
   */
  private armResults(): void {
    const ring = this.resultRing!;
    // drainResults() may answer sinks that start executions, which arm the wait themselves.
    while (!this.resultWaitPending && this.state === State.BUSY && !this.awaitingPortAnswer) {
      const wait = ring.waitAsync();
      if (wait !== null) {
        this.resultWaitPending = true;
        void wait.then(this.onResultsSignal);
        return;
      }
      this.drainResults();
    }
  }

  /**
   * Ring mode, on close or death: resolves a pending waitAsync on the result ring, which would
   * otherwise keep this instance and its rings alive after the worker is gone.
   */
  private cancelResultWait(): void {
    if (this.resultWaitPending) this.resultRing!.cancelWait();
  }

  private readonly onResultsSignal = (): void => {
    this.resultWaitPending = false;
    this.resultRing!.stopWaiting();
    this.drainResults();
    this.armResults();
  };

  /**
   * Ring mode: an answer that came as a message. Its PORT record follows the records of older
   * executions, which are answered first; then this one; then whatever the ring holds after it.
   */
  private onPortAnswer(msg: ResultMessage | ErrorMessage): void {
    const ring = this.resultRing!;
    this.drainResults();
    if (this.awaitingPortAnswer) {
      this.awaitingPortAnswer = false;
      if (ring.peek() && ring.recordTag === RingTag.PORT) ring.release();
    }
    if (msg.type === MessageType.RESULT) this.onResult(msg);
    else this.onError(msg);
    this.drainResults();
    this.armResults();
  }

  /** Posts the executions accepted since the last flush: one EXECUTE, or one EXECUTE_MANY. */
  private readonly flush = (): void => {
    if (this.requestRing !== null) {
      // Ring mode: the executions are in the ring already. Answers the worker wrote before now go
      // out in this turn rather than in the later one its notify wakes; executions their sinks
      // submit meanwhile are in the ring too. Then the worker is woken if it sleeps. A small gain
      // at most (docs/adr/0008): 1.03x the build before in one 12-pair A/B on `simple` at
      // concurrency 16; later A/Bs could not tell it from the machine's drift.
      if (this.state < State.CLOSED && !this.resultRing!.isEmpty()) this.drainResults();
      this.flushScheduled = false;
      if (this.state < State.CLOSED) {
        this.doorbell!.ring();
        this.pollForAnswer();
      }
      return;
    }
    this.flushScheduled = false;
    const executions = this.outbox;
    if (executions.length === 0 || this.state >= State.CLOSED) {
      this.outbox = [];
      this.outboxTransfer = [];
      return;
    }
    const transfer = this.outboxTransfer;
    this.outbox = [];
    this.outboxTransfer = [];
    if (executions.length === 1) {
      this.send(executions[0], transfer);
      return;
    }
    const msg: ExecuteManyMessage = { type: MessageType.EXECUTE_MANY, executions };
    this.send(msg, transfer);
  };

  /**
   * Ring mode, from flush(): with a single execution in flight on a fast model, watches the result
   * ring for up to answerPollUs and answers at once. On virtual machines the worker's notify
   * reaches a main thread asleep in its event loop 20-40 µs later, more than a small model's run;
   * watching costs at most the same time, and only when nothing else is in flight (at higher
   * concurrency answers come in bursts and the main thread is busy anyway). Runs outside any
   * scheduler call (flush is a setImmediate), so the sink may start the next execution.
   *
   * A watch that ends without the answer (the worker could not get a core, e.g. while the watch
   * held the one it needed) makes the next 2, 4, ... up to 64 flushes skip watching; an answered
   * watch resets that.
   */
  private pollForAnswer(): void {
    if (
      this.answerPollUs === 0 ||
      this.inFlight.length !== 1 ||
      this.state !== State.BUSY ||
      this.awaitingPortAnswer ||
      this.recentExecutionUs < 0 ||
      this.recentExecutionUs * 2 > this.answerPollUs
    ) {
      return;
    }
    if (this.watchesToSkip > 0) {
      this.watchesToSkip--;
      return;
    }
    const ring = this.resultRing!;
    const until = performance.now() + this.answerPollUs / 1000;
    while (ring.isEmpty()) {
      if (performance.now() >= until) {
        this.missedWatches = Math.min(this.missedWatches + 1, 6);
        this.watchesToSkip = 2 ** this.missedWatches;
        return;
      }
    }
    this.missedWatches = 0;
    this.drainResults();
  }

  onExit(listener: (error: ServerError) => void): void {
    if (this.deathError !== null) process.nextTick(deliverExit, listener, this.deathError);
    else this.exitListeners.push(listener);
  }

  /** Kills the worker as a crash would: the in-flight execution fails and onExit listeners run. */
  abort(reason: string): void {
    if (this.state >= State.CLOSED) return;
    const error = new ServerError(
      Status.INTERNAL,
      'ERR_INSTANCE_ABORTED',
      `Instance "${this.name}" of model "${this.modelName}" was aborted: ${reason}`,
    );
    if (this.state === State.STARTING) this.failStart(error);
    else this.die(error);
  }

  close(): Promise<void> {
    if (this.closing !== null) return this.closing;
    const wasState = this.state;
    if (wasState < State.CLOSED) this.state = State.CLOSED;
    this.clearTimer();
    const error = new ServerError(
      Status.UNAVAILABLE,
      'ERR_INSTANCE_CLOSED',
      `Instance "${this.name}" of model "${this.modelName}" was closed`,
    );
    if (wasState === State.STARTING) this.rejectReady(error);
    this.cancelResultWait();
    this.failInFlight(error);
    this.failOpen(error);
    this.extension?.onStop(this);
    this.closing = this.stopWorker(this.stopGraceMs);
    return this.closing;
  }

  private readonly onMessage = (msg: WorkerMessage): void => {
    switch (msg.type) {
      case MessageType.RESULT:
        this.answerMessages++;
        if (this.resultRing !== null) this.onPortAnswer(msg);
        else this.onResult(msg);
        return;
      case MessageType.RESPONSE:
        this.onDecoupledResponse(msg);
        return;
      case MessageType.CALL:
        if (this.extension !== null && this.isRunning) this.extension.onMessage(this, msg);
        return;
      case MessageType.RESULT_MANY: {
        this.answerMessages++;
        const results = msg.results;
        for (let i = 0; i < results.length; i++) {
          const one = results[i]!;
          if (one.type === MessageType.RESULT) this.onResult(one);
          else this.onError(one);
        }
        return;
      }
      case MessageType.ERROR:
        this.answerMessages++;
        if (this.resultRing !== null && msg.id !== -1) this.onPortAnswer(msg);
        else this.onError(msg);
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

  /** An ERROR: fails the load (id -1) or the execution's sink (the oldest in flight). */
  private onError(msg: ErrorMessage): void {
    const error = new ServerError(msg.status, msg.code, msg.message);
    if (msg.id === -1) {
      if (this.state === State.STARTING) this.failStart(error);
      return;
    }
    if (this.state !== State.BUSY || msg.id !== this.inFlight.oldestId) return;
    this.openExecutions.delete(msg.id);
    const sink = this.takeSink();
    if (msg.inputBuffer !== null) this.spares.push(msg.inputBuffer);
    this.safeCall(sink, null, error);
  }

  /** One execution's RESULT: answers its sink (the oldest in flight). */
  private onResult(msg: ResultMessage): void {
    if (this.state !== State.BUSY || msg.id !== this.inFlight.oldestId) return;
    const sink = this.takeSink();
    if (msg.inputBuffer !== null) this.spares.push(msg.inputBuffer);
    if (msg.decoupled === true) {
      const open = this.openExecutions.get(msg.id);
      if (open !== undefined) {
        open.returned = true;
        if (open.openCount === 0) this.openExecutions.delete(msg.id);
      }
      this.safeCall(sink, timedResult(msg, null, null), null);
      return;
    }
    let outputs: ReturnType<typeof unpackTensors>['tensors'];
    try {
      outputs = unpackTensors(msg.buffer, msg.byteLength, msg.byteOffset).tensors;
    } catch (err) {
      this.safeCall(
        sink,
        null,
        err instanceof ServerError ? err : new ServerError(Status.INTERNAL, 'ERR_UNPACK', String(err)),
      );
      return;
    }
    if (this.answerPollUs > 0) {
      const us = (msg.computeInputNs + msg.computeInferNs + msg.computeOutputNs) / 1000;
      this.recentExecutionUs = this.recentExecutionUs < 0 ? us : 0.75 * this.recentExecutionUs + 0.25 * us;
    }
    if (msg.perRequestCounts != null) {
      this.safeCall(sink, timedResult(msg, null, splitPerRequest(outputs, msg)), null);
      return;
    }
    this.safeCall(sink, timedResult(msg, outputs, null), null);
  }

  private onDecoupledResponse(msg: ResponseMessage): void {
    const open = this.openExecutions.get(msg.id);
    if (open === undefined || open.open[msg.index] !== 1) return;
    const error =
      msg.error === null ? null : new ServerError(msg.error.status, msg.error.code, msg.error.message);
    const final = msg.final || error !== null;
    let outputs: Tensor[] | null = null;
    if (msg.buffer !== null && error === null) outputs = unpackTensors(msg.buffer, msg.byteLength).tensors;
    if (final) {
      open.open[msg.index] = 0;
      open.openCount--;
      if (open.openCount === 0 && open.returned) this.openExecutions.delete(msg.id);
    }
    this.safeRespond(open.sink, msg.index, outputs, final, error);
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

  /** Fails every request of decoupled executions that returned but did not finish. */
  private failOpen(error: ServerError): void {
    if (this.openExecutions.size === 0) return;
    const open = [...this.openExecutions.values()];
    this.openExecutions.clear();
    for (const execution of open) {
      for (let i = 0; i < execution.open.length; i++) {
        if (execution.open[i] === 1) this.safeRespond(execution.sink, i, null, true, error);
      }
    }
  }

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
      this.failStart(
        new ServerError(
          Status.INTERNAL,
          'ERR_MODEL_LOAD',
          `Cannot load model "${this.modelName}" on instance "${this.name}": the worker stopped (${reason})`,
        ),
      );
    } else if (this.state < State.CLOSED) {
      this.die(
        new ServerError(
          Status.INTERNAL,
          'ERR_INSTANCE_CRASHED',
          `Instance "${this.name}" of model "${this.modelName}" stopped unexpectedly: ${reason}`,
        ),
      );
    }
  };

  private readonly onExecutionTimeout = (): void => {
    this.timer = null;
    if (this.state !== State.BUSY) return;
    this.die(
      new ServerError(
        Status.UNAVAILABLE,
        'ERR_EXECUTION_TIMEOUT',
        `Execution on instance "${this.name}" of model "${this.modelName}" timed out after ${this.executionTimeoutMs} ms; the instance was stopped`,
      ),
    );
  };

  private readonly onLoadTimeout = (timeoutMs: number): void => {
    this.timer = null;
    if (this.state !== State.STARTING) return;
    this.failStart(
      new ServerError(
        Status.UNAVAILABLE,
        'ERR_MODEL_LOAD_TIMEOUT',
        `Cannot load model "${this.modelName}" on instance "${this.name}": loading did not finish within the load timeout of ${timeoutMs} ms`,
      ),
    );
  };

  private notIdleError(): ServerError {
    if (this.state === State.BUSY) {
      return new ServerError(
        Status.INTERNAL,
        'ERR_INSTANCE_BUSY',
        `Instance "${this.name}" of model "${this.modelName}" already has ${this.inFlight.length} executions in flight (at most ${this.maxInFlight})`,
      );
    }
    if (this.state === State.DEAD && this.deathError !== null) {
      return new ServerError(Status.UNAVAILABLE, 'ERR_INSTANCE_UNAVAILABLE', this.deathError.message);
    }
    return new ServerError(
      Status.UNAVAILABLE,
      'ERR_INSTANCE_CLOSED',
      `Instance "${this.name}" of model "${this.modelName}" is closed`,
    );
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
      this.openExecutions.delete(this.inFlight.oldestId);
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
    this.cancelResultWait();
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
    this.failOpen(error);
    this.extension?.onStop(this);
    void this.stopWorker();
  }

  /**
   * Ends the worker thread: terminate() when allowed (after a STOP and up to `graceMs` for the
   * worker to exit on its own), else a STOP message it obeys between calls.
   */
  private stopWorker(graceMs = 0): Promise<void> {
    if (this.stopping !== null) return this.stopping;
    if (this.terminateWhileBusy && graceMs > 0) {
      const stop: StopMessage = { type: MessageType.STOP };
      this.send(stop, []);
      this.stopping = stopWithin(this.worker, this.exited, graceMs);
    } else if (this.terminateWhileBusy) {
      this.stopping = this.worker.terminate().then(noop, noop);
    } else {
      const stop: StopMessage = { type: MessageType.STOP };
      this.send(stop, []);
      this.stopping = this.exited;
    }
    return this.stopping;
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

function ringFull(instance: WorkerInstance, which: string): ServerError {
  return new ServerError(
    Status.INTERNAL,
    'ERR_RING_PROTOCOL',
    `Instance "${instance.name}" of model "${instance.modelName}" found its ${which} ring full, which its sizing rules out`,
  );
}

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
