/**
 * The worker side of the worker protocol: reads the init from `workerData`, lets a backend load
 * its model, then answers each execute message with one result (or error) message, in order and
 * one at a time (executions that arrive while one runs wait in a queue), packing the
 * outputs into one transferred buffer and handing the input buffer back for reuse. It knows
 * nothing about any framework; backends supply a WorkerExecutor. Runs only inside worker threads.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { toServerError } from '../common/errors.js';
import type { Tensor } from '../protocol/tensor.js';
import type { BackendLogLevel, ExecutionRequestInfo, ModelFileMetadata } from './backend.js';
import {
  type ErrorMessage,
  type ExecuteMessage,
  type LogMessage,
  type MainMessage,
  MessageType,
  packTensors,
  type ReadyMessage,
  type ResultMessage,
  unpackTensors,
  type WorkerInit,
} from './worker-protocol.js';

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

function postError(id: number, err: unknown, inputBuffer: ArrayBuffer | null): void {
  const e = toServerError(err);
  const msg: ErrorMessage = {
    type: MessageType.ERROR,
    id,
    status: e.status,
    code: e.code,
    message: e.message,
    inputBuffer,
  };
  parentPort!.postMessage(msg, inputBuffer === null ? [] : [inputBuffer]);
}

/** Serves one executor over the worker protocol; call once from a worker entry module. */
export class WorkerRuntime {
  private executor: WorkerExecutor | null = null;
  private readonly timing: ExecutorTiming = { inferStartNs: 0, inferEndNs: 0 };
  /** Executions received while one runs (pipelined by the main thread), oldest first. */
  private readonly waiting: ExecuteMessage[] = [];
  private running = false;
  private readonly onMessage = (msg: MainMessage): void => {
    if (msg.type === MessageType.STOP) process.exit(0);
    else if (msg.type === MessageType.EXECUTE && this.executor !== null) {
      if (this.running) this.waiting.push(msg);
      else void this.runFrom(msg);
    }
  };

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
      postError(-1, err, null);
      return;
    }
    this.executor = loaded.executor;
    const ready: ReadyMessage = { type: MessageType.READY, metadata: loaded.metadata };
    parentPort.postMessage(ready);
  }

  /** Runs `first`, then every execution that arrived meanwhile, one at a time and in order. */
  private async runFrom(first: ExecuteMessage): Promise<void> {
    this.running = true;
    let msg: ExecuteMessage | undefined = first;
    while (msg !== undefined) {
      await this.execute(msg);
      msg = this.waiting.shift();
    }
    this.running = false;
  }

  private async execute(msg: ExecuteMessage): Promise<void> {
    const start = nowNs();
    const timing = this.timing;
    timing.inferStartNs = 0;
    timing.inferEndNs = 0;
    let outputs: Tensor[];
    try {
      const { tensors, names } = unpackTensors(msg.buffer, msg.byteLength);
      const batch: WorkerBatch = {
        batchSize: msg.batchSize,
        inputs: tensors,
        outputNames: names,
        requests: msg.requests,
      };
      outputs = await this.executor!.execute(batch, timing);
    } catch (err) {
      postError(msg.id, err, msg.buffer);
      return;
    }
    try {
      const inferStart = timing.inferStartNs || start;
      const inferEnd = timing.inferEndNs || inferStart;
      const packed = packTensors(outputs, [], null);
      const end = nowNs();
      const result: ResultMessage = {
        type: MessageType.RESULT,
        id: msg.id,
        buffer: packed.buffer,
        byteLength: packed.byteLength,
        inputBuffer: msg.buffer,
        computeInputNs: inferStart - start,
        computeInferNs: inferEnd - inferStart,
        computeOutputNs: end - inferEnd,
      };
      parentPort!.postMessage(result, [packed.buffer, msg.buffer]);
    } catch (err) {
      postError(msg.id, err, msg.buffer);
    }
  }
}

/** Starts a WorkerRuntime with `loader`; the one call a worker entry module makes. */
export function serveWorker<TOptions>(loader: WorkerLoader<TOptions>): void {
  void new WorkerRuntime().start(loader);
}
