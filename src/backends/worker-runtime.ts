/**
 * The worker side of the worker protocol: reads the init from `workerData`, lets a backend load
 * its model, then answers each execute message with one result (or error) message, in order and
 * one at a time (executions that arrive while one runs wait in a queue), packing the
 * outputs into one transferred buffer and handing the input buffer back for reuse. It knows
 * nothing about any framework; backends supply a WorkerExecutor. Runs only inside worker threads.
 */
import {
  isMainThread,
  type MessagePort,
  parentPort,
  receiveMessageOnPort,
  workerData,
} from 'node:worker_threads';
import { toServerError } from '../common/errors.js';
import type { Tensor } from '../protocol/index.js';
import type { BackendLogLevel, ExecutionRequestInfo, ModelFileMetadata } from './backend.js';
import { SharedRing } from './shared-ring.js';
import { WorkerDoorbell } from './worker-doorbell.js';
import {
  type ErrorMessage,
  type ExecuteMessage,
  type LogMessage,
  type MainMessage,
  MessageType,
  packTensors,
  type ReadyMessage,
  type ResultManyMessage,
  type ResultMessage,
  unpackTensors,
  type WorkerInit,
  type WorkerRings,
} from './worker-protocol.js';
import {
  type RecordTimings,
  RingTag,
  readExecuteRecord,
  writeErrorRecord,
  writePortRecord,
  writeResultRecord,
} from './worker-ring.js';

/** One batch as a worker executor sees it. */
export interface WorkerBatch {
  /** Rows in the batch. */
  batchSize: number;
  /** Input tensors; `data` views the transferred buffer (8-byte aligned), valid until execute returns. */
  inputs: Tensor[];
  /** Outputs to compute; empty means all. */
  outputNames: string[];
  /** Per-request facts, when the instance was started with `sendRequestInfo`; else null. */
  requests: ExecutionRequestInfo[] | null;
}

/** Filled by the executor: when the model run started and ended, in `nowNs()` nanoseconds. */
export interface ExecutorTiming {
  /** nowNs() just before the framework runs the model. */
  inferStartNs: number;
  /** nowNs() just after it returned. */
  inferEndNs: number;
}

/** Runs batches inside the worker; supplied by a backend's worker entry. */
export interface WorkerExecutor {
  /** Runs one batch and returns its outputs (wire form; data may view framework memory). */
  execute(batch: WorkerBatch, timing: ExecutorTiming): Tensor[] | Promise<Tensor[]>;
}

/** What a backend's loader returns. */
export interface LoadedWorkerModel {
  /** The executor for the loaded model. */
  executor: WorkerExecutor;
  /** The model file's I/O metadata (sent to the main thread), or null. */
  metadata: ModelFileMetadata | null;
}

/** Sends a log line to the main thread's logger. */
export type WorkerLog = (level: BackendLogLevel, message: string) => void;

/** Loads the model from the init data; rejects with a ServerError saying why the load failed. */
export type WorkerLoader<TOptions> = (
  init: WorkerInit<TOptions>,
  log: WorkerLog,
) => Promise<LoadedWorkerModel>;

/** Monotonic time in nanoseconds (as a number). */
export function nowNs(): number {
  return Number(process.hrtime.bigint());
}

function postLog(level: BackendLogLevel, message: string): void {
  const msg: LogMessage = { type: MessageType.LOG, level, message };
  parentPort!.postMessage(msg);
}

/** An execution's answer and the buffers it transfers. */
interface Answer {
  message: ResultMessage | ErrorMessage;
  transfer: ArrayBuffer[];
}

function errorAnswer(id: number, err: unknown, inputBuffer: ArrayBuffer | null): Answer {
  const e = toServerError(err);
  const message: ErrorMessage = {
    type: MessageType.ERROR,
    id,
    status: e.status,
    code: e.code,
    message: e.message,
    inputBuffer,
  };
  return { message, transfer: inputBuffer === null ? [] : [inputBuffer] };
}

/**
 * How long (ns) answers of back-to-back executions may be held to go out as one message, counted
 * from the first held answer's end: long enough to cover a few runs of a tiny model, far below a
 * request's latency budget. Answers are held only while another execution is already waiting.
 */
export const ANSWER_HOLD_MAX_NS = 100_000;

/**
 * Ring mode: how many answers may be held at most before the main thread is notified, whatever
 * the time. Four keeps the main thread and the model worker overlapping at high concurrency:
 * with the time limit alone a tiny model's whole pipeline (16 executions of ~20 µs) finished
 * before the main thread woke, which then wrote 16 responses while the worker sat idle, then fed
 * it 16 requests while it sat idle itself. Measured on `simple` at concurrency 16 (ADR 0008):
 * notifying every 4 answers beat every 2, every 8 and the time limit alone in 16 of 20 paired rounds.
 */
export const ANSWER_HOLD_MAX_COUNT = 4;

const SYNC_EXECUTOR_NEEDED =
  'A blocking-mode worker needs a synchronous executor, but execute() returned a Promise';

/** A blocking-mode worker with nothing to do wakes up this often (ms) to look at its port anyway. */
const IDLE_WAIT_MS = 1000;

/** Serves one executor over the worker protocol; call once from a worker entry module. */
export class WorkerRuntime {
  private executor: WorkerExecutor | null = null;
  private readonly timing: ExecutorTiming = { inferStartNs: 0, inferEndNs: 0 };
  /** Executions received while one runs (pipelined by the main thread), oldest first. */
  private readonly waiting: ExecuteMessage[] = [];
  private running = false;
  private readonly onMessage = (msg: MainMessage): void => {
    if (msg.type === MessageType.STOP) process.exit(0);
    else if (this.executor === null) return;
    else if (msg.type === MessageType.EXECUTE) this.accept(msg);
    else if (msg.type === MessageType.EXECUTE_MANY) {
      for (let i = 0; i < msg.executions.length; i++) this.accept(msg.executions[i]!);
    }
  };

  private accept(msg: ExecuteMessage): void {
    if (this.running) this.waiting.push(msg);
    else void this.runFrom(msg);
  }

  /** Loads the model with `loader`, reports READY (or the load error), then serves executions. */
  async start<TOptions>(loader: WorkerLoader<TOptions>): Promise<void> {
    if (isMainThread || parentPort === null) {
      throw new Error('A model worker entry must run in a worker thread, never on the main thread');
    }
    const init = workerData as WorkerInit<TOptions>;
    parentPort.on('message', this.onMessage);
    let loaded: LoadedWorkerModel;
    try {
      loaded = await loader(init, postLog);
    } catch (err) {
      const failed = errorAnswer(-1, err, null);
      parentPort.postMessage(failed.message, failed.transfer);
      return;
    }
    this.executor = loaded.executor;
    const ready: ReadyMessage = { type: MessageType.READY, metadata: loaded.metadata };
    parentPort.postMessage(ready);
    if (init.doorbell === null) return;
    const doorbell = new WorkerDoorbell(init.doorbell);
    if (init.rings !== null) this.serveRings(parentPort, doorbell, init.rings);
    this.serveBlocking(parentPort, doorbell);
  }

  /**
   * Blocking mode with SharedRings (docs/adr/0007): executions are records in the request ring (or
   * messages a PORT record announces), answers go back as records in the result ring, and the main
   * thread is notified once per burst: an answer waits while the next execution is already queued,
   * up to ANSWER_HOLD_MAX_NS and ANSWER_HOLD_MAX_COUNT answers. The thread sleeps on the doorbell
   * when the ring is empty.
   */
  private serveRings(port: MessagePort, doorbell: WorkerDoorbell, rings: WorkerRings): never {
    const requests = new SharedRing(rings.requests);
    const results = new SharedRing(rings.results);
    // Inputs are copied out of the ring (onnxruntime cannot read shared memory) into one buffer
    // that every execution reuses: records never exceed maxRecordBytes.
    const scratch = new Uint8Array(Math.max(8, rings.maxRecordBytes));
    const hasWork = (): boolean => !requests.isEmpty();
    let unsent = 0;
    let heldSinceNs = 0;
    for (;;) {
      if (!requests.peek()) {
        if (unsent > 0) {
          results.notifyConsumer();
          unsent = 0;
        }
        doorbell.sleep(hasWork, IDLE_WAIT_MS);
        continue;
      }
      let msg: ExecuteMessage;
      let fromPort = false;
      if (requests.recordTag === RingTag.EXECUTE) {
        const record = readExecuteRecord(requests, scratch);
        requests.release();
        msg = {
          type: MessageType.EXECUTE,
          id: record.id,
          batchSize: record.batchSize,
          buffer: scratch.buffer,
          byteLength: record.byteLength,
          requests: null,
        };
      } else {
        requests.release();
        const received = receiveMessageOnPort(port);
        if (received === undefined) throw new Error('Ring protocol: a PORT record without a message');
        const main = received.message as MainMessage;
        if (main.type === MessageType.STOP) process.exit(0);
        if (main.type !== MessageType.EXECUTE) continue;
        msg = main;
        fromPort = true;
      }
      this.answerThroughRing(msg, fromPort, results, rings.maxRecordBytes, port);
      if (unsent++ === 0) heldSinceNs = nowNs();
      if (
        requests.isEmpty() ||
        unsent >= ANSWER_HOLD_MAX_COUNT ||
        nowNs() - heldSinceNs > ANSWER_HOLD_MAX_NS
      ) {
        results.notifyConsumer();
        unsent = 0;
      }
    }
  }

  /**
   * Runs one execution and writes its answer as a RESULT or ERROR record. An answer too large for a
   * record, and the answer to an execution that came as a message (so its input buffer goes back
   * for reuse, as in plain blocking mode), go as messages behind a PORT record.
   */
  private answerThroughRing(
    msg: ExecuteMessage,
    fromPort: boolean,
    results: SharedRing,
    maxRecordBytes: number,
    port: MessagePort,
  ): void {
    const answer = fromPort ? this.executeSync(msg) : this.runToRecord(msg, results, maxRecordBytes);
    if (answer === null) return;
    if (!writePortRecord(results)) throw new Error('Ring protocol: the result ring is full');
    port.postMessage(answer.message, answer.transfer);
  }

  /**
   * Runs an execution that came as a record and writes its answer as a record; returns null then,
   * or the answer as a message when it does not fit.
   */
  private runToRecord(msg: ExecuteMessage, results: SharedRing, maxRecordBytes: number): Answer | null {
    const start = nowNs();
    try {
      const outputs = this.runExecutor(msg);
      if (writeResultRecord(results, maxRecordBytes, msg.id, this.timingsSince(start), outputs)) return null;
      // Too large for a record: a message, without the input buffer (the scratch buffer stays here).
      return this.answer(msg, outputs, start, null);
    } catch (err) {
      const answer = errorAnswer(msg.id, err, null);
      if (writeErrorRecord(results, maxRecordBytes, msg.id, answer.message as ErrorMessage)) return null;
      return answer;
    }
  }

  /** The compute timings of an execution that started at `startNs` and just ended. */
  private timingsSince(startNs: number): RecordTimings {
    const inferStart = this.timing.inferStartNs || startNs;
    const inferEnd = this.timing.inferEndNs || inferStart;
    return {
      computeInputNs: inferStart - startNs,
      computeInferNs: inferEnd - inferStart,
      computeOutputNs: nowNs() - inferEnd,
      computeStartNs: startNs,
    };
  }

  /**
   * Blocking mode, for synchronous executors: the thread never goes back to its event loop. It
   * takes messages off the port itself, runs executions back to back, and waits in
   * `Atomics.wait` when there is nothing to do, until the main thread rings the doorbell.
   */
  private serveBlocking(port: MessagePort, doorbell: WorkerDoorbell): never {
    const queue: ExecuteMessage[] = [];
    const take = (): boolean => {
      const received = receiveMessageOnPort(port);
      if (received === undefined) return false;
      const msg = received.message as MainMessage;
      if (msg.type === MessageType.STOP) process.exit(0);
      else if (msg.type === MessageType.EXECUTE) queue.push(msg);
      else if (msg.type === MessageType.EXECUTE_MANY) {
        for (let i = 0; i < msg.executions.length; i++) queue.push(msg.executions[i]!);
      }
      return true;
    };
    let held: Answer[] = [];
    let heldSinceNs = 0;
    for (;;) {
      while (take());
      const msg = queue.shift();
      if (msg === undefined) {
        if (held.length > 0) {
          postAnswers(held);
          held = [];
        }
        doorbell.sleep(take, IDLE_WAIT_MS);
        continue;
      }
      held.push(this.executeSync(msg));
      if (held.length === 1) heldSinceNs = nowNs();
      while (take());
      if (queue.length === 0 || nowNs() - heldSinceNs > ANSWER_HOLD_MAX_NS) {
        postAnswers(held);
        held = [];
      }
    }
  }

  /** Runs one execution with a synchronous executor (blocking mode). */
  private executeSync(msg: ExecuteMessage): Answer {
    const start = nowNs();
    let outputs: Tensor[];
    try {
      outputs = this.runExecutor(msg);
    } catch (err) {
      return errorAnswer(msg.id, err, msg.buffer);
    }
    return this.answer(msg, outputs, start, msg.buffer);
  }

  /** Runs one execution with the synchronous executor; throws what it throws, or when it is async. */
  private runExecutor(msg: ExecuteMessage): Tensor[] {
    this.timing.inferStartNs = 0;
    this.timing.inferEndNs = 0;
    const outputs = this.executor!.execute(this.batchOf(msg), this.timing);
    if (outputs instanceof Promise) {
      void outputs.catch(noop);
      throw new Error(SYNC_EXECUTOR_NEEDED);
    }
    return outputs;
  }

  private batchOf(msg: ExecuteMessage): WorkerBatch {
    const { tensors, names } = unpackTensors(msg.buffer, msg.byteLength);
    return { batchSize: msg.batchSize, inputs: tensors, outputNames: names, requests: msg.requests };
  }

  /**
   * Runs `first`, then every execution that arrived meanwhile, one at a time and in order. An
   * answer is held while the next execution is already waiting (up to ANSWER_HOLD_MAX_NS), so
   * back-to-back executions answer in one message.
   */
  private async runFrom(first: ExecuteMessage): Promise<void> {
    this.running = true;
    let held: Answer[] = [];
    let heldSinceNs = 0;
    let msg: ExecuteMessage | undefined = first;
    while (msg !== undefined) {
      const answer = await this.execute(msg);
      held.push(answer);
      if (held.length === 1) heldSinceNs = nowNs();
      msg = this.waiting.shift();
      if (msg === undefined || (held.length > 1 && nowNs() - heldSinceNs > ANSWER_HOLD_MAX_NS)) {
        postAnswers(held);
        held = [];
      }
    }
    this.running = false;
  }

  private async execute(msg: ExecuteMessage): Promise<Answer> {
    const start = nowNs();
    this.timing.inferStartNs = 0;
    this.timing.inferEndNs = 0;
    let outputs: Tensor[];
    try {
      outputs = await this.executor!.execute(this.batchOf(msg), this.timing);
    } catch (err) {
      return errorAnswer(msg.id, err, msg.buffer);
    }
    return this.answer(msg, outputs, start, msg.buffer);
  }

  /**
   * Packs an execution's outputs into its RESULT (or an ERROR when they cannot be packed), for an
   * execution that started at `startNs`; `inputBuffer` goes back with it for reuse (null: none).
   */
  private answer(
    msg: ExecuteMessage,
    outputs: Tensor[],
    startNs: number,
    inputBuffer: ArrayBuffer | null,
  ): Answer {
    try {
      const packed = packTensors(outputs, [], null);
      const result: ResultMessage = {
        type: MessageType.RESULT,
        id: msg.id,
        buffer: packed.buffer,
        byteLength: packed.byteLength,
        inputBuffer,
        ...this.timingsSince(startNs),
      };
      return {
        message: result,
        transfer: inputBuffer === null ? [packed.buffer] : [packed.buffer, inputBuffer],
      };
    } catch (err) {
      return errorAnswer(msg.id, err, inputBuffer);
    }
  }
}

function noop(): void {}

/** Posts held answers: one as itself, several as one RESULT_MANY. */
function postAnswers(answers: Answer[]): void {
  if (answers.length === 1) {
    parentPort!.postMessage(answers[0]!.message, answers[0]!.transfer);
    return;
  }
  const transfer: ArrayBuffer[] = [];
  const results: ResultManyMessage['results'] = new Array(answers.length);
  for (let i = 0; i < answers.length; i++) {
    results[i] = answers[i]!.message;
    for (const buffer of answers[i]!.transfer) transfer.push(buffer);
  }
  const msg: ResultManyMessage = { type: MessageType.RESULT_MANY, results };
  parentPort!.postMessage(msg, transfer);
}

/** Starts a WorkerRuntime with `loader`; the one call a worker entry module makes. */
export function serveWorker<TOptions>(loader: WorkerLoader<TOptions>): void {
  void new WorkerRuntime().start(loader);
}
