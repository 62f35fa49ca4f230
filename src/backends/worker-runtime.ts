/**
 * The worker side of the worker protocol, the one runtime every worker backend runs on: reads the
 * init (hostInit), lets a backend's loader load its model, reports READY (or the load error), then
 * serves executions one at a time, in order, over the transport the main thread chose:
 * - ring transport (init.rings set): a synchronous executor (ONNX) in a blocking loop, see
 *   worker-ring-loop.ts;
 * - message transport: EXECUTE messages on the event loop, for executors that await (JavaScript
 *   models) or answer later through RESPONSE messages (decoupled models); also over a child
 *   process's IPC channel (process hosts).
 * It knows nothing about any framework; backends supply a WorkerExecutor.
 */
import type { BackendLogLevel, ModelFileMetadata } from './backend.js';
import { type HostPort, hostInit, hostPort } from './host-port.js';
import {
  type Answer,
  type ExecutorOutputs,
  type ExecutorTiming,
  errorAnswer,
  nowNs,
  resultAnswer,
  type WorkerBatch,
  type WorkerExecutor,
} from './worker-executor.js';
import {
  type ExecuteMessage,
  type LogMessage,
  type MainMessage,
  MessageType,
  type ReadyMessage,
  unpackTensors,
  type WorkerInit,
} from './worker-protocol.js';
import { serveRingLoop } from './worker-ring-loop.js';

export {
  type ExecutorOutputs,
  type ExecutorTiming,
  nowNs,
  type PerRequestOutputs,
  type WorkerBatch,
  type WorkerExecutor,
} from './worker-executor.js';

/** What a backend's loader returns. */
export interface LoadedWorkerModel {
  /** The executor for the loaded model. */
  executor: WorkerExecutor;
  /** The model file's I/O metadata (sent to the main thread), or null. */
  metadata: ModelFileMetadata | null;
  /**
   * The model may keep input tensors after execute returned (decoupled models answer later from
   * them), so input buffers are never handed back for reuse. Default false.
   */
  keepsInputs?: boolean;
  /** Runs on STOP before the worker exits (a JavaScript model's finalize). Default none. */
  finalize?: () => void | Promise<void>;
}

/** Sends a log line to the main thread's logger. */
export type WorkerLog = (level: BackendLogLevel, message: string) => void;

/** Loads the model from the init data; rejects with a ServerError saying why the load failed. */
export type WorkerLoader<TOptions> = (
  init: WorkerInit<TOptions>,
  log: WorkerLog,
) => Promise<LoadedWorkerModel>;

/** Serves one executor over the worker protocol; call once from a worker entry module (serveWorker). */
export class WorkerRuntime {
  private loaded: LoadedWorkerModel | null = null;
  private port: HostPort | null = null;
  private readonly timing: ExecutorTiming = { inferStartNs: 0, inferEndNs: 0 };
  /** Message transport: executions received while one runs, oldest first. */
  private readonly waiting: ExecuteMessage[] = [];
  private running = false;
  private stopping = false;
  private readonly onMessage = (msg: MainMessage): void => {
    if (msg.type === MessageType.STOP) void this.stop();
    else if (msg.type === MessageType.EXECUTE && this.loaded !== null) {
      if (this.running) this.waiting.push(msg);
      else void this.runFrom(msg);
    }
  };

  private readonly log: WorkerLog = (level, message) => {
    const msg: LogMessage = { type: MessageType.LOG, level, message };
    this.port!.postMessage(msg);
  };

  /** Loads the model with `loader`, reports READY (or the load error), then serves executions. */
  async start<TOptions>(loader: WorkerLoader<TOptions>): Promise<void> {
    const port = hostPort();
    if (port === null) {
      throw new Error(
        'A model worker entry must run in a worker thread or a process host, never on the main thread',
      );
    }
    this.port = port;
    const init = hostInit<TOptions>();
    port.on('message', this.onMessage);
    let loaded: LoadedWorkerModel;
    try {
      loaded = await loader(init, this.log);
    } catch (err) {
      const failed = errorAnswer(-1, err, null);
      port.postMessage(failed.message, failed.transfer);
      return;
    }
    this.loaded = loaded;
    const ready: ReadyMessage = { type: MessageType.READY, metadata: loaded.metadata };
    port.postMessage(ready);
    if (init.rings !== null) serveRingLoop(loaded.executor, init.rings);
  }

  /** STOP: runs the model's finalize (errors logged), then exits. */
  private async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    try {
      await this.loaded?.finalize?.();
    } catch (err) {
      this.log(
        'error',
        `finalize() failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
      );
    }
    process.exit(0);
  }

  /** Message transport: runs `first`, then every execution that arrived meanwhile, in order. */
  private async runFrom(first: ExecuteMessage): Promise<void> {
    this.running = true;
    let msg: ExecuteMessage | undefined = first;
    while (msg !== undefined) {
      const answer = await this.execute(msg);
      this.port!.postMessage(answer.message, answer.transfer);
      msg = this.waiting.shift();
    }
    this.running = false;
  }

  private async execute(msg: ExecuteMessage): Promise<Answer> {
    const start = nowNs();
    this.timing.inferStartNs = 0;
    this.timing.inferEndNs = 0;
    // A copying port (child process) would send the whole input back for nothing.
    const back = this.port!.copies || this.loaded!.keepsInputs === true ? null : msg.buffer;
    let outputs: ExecutorOutputs;
    try {
      const { tensors, names } = unpackTensors(msg.buffer, msg.byteLength);
      const batch: WorkerBatch = {
        executionId: msg.id,
        batchSize: msg.batchSize,
        inputs: tensors,
        outputNames: names,
        requests: msg.requests,
      };
      outputs = await this.loaded!.executor.execute(batch, this.timing);
    } catch (err) {
      return errorAnswer(msg.id, err, back);
    }
    return resultAnswer(msg.id, outputs, start, this.timing, back);
  }
}

/** Starts a WorkerRuntime with `loader`; the one call a worker entry module makes. */
export function serveWorker<TOptions>(loader: WorkerLoader<TOptions>): void {
  void new WorkerRuntime().start(loader);
}
