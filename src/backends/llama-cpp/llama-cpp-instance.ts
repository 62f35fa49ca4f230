/**
 * The main-thread side of one llama.cpp instance: starts its worker (llama-worker.ts), turns its
 * READY / FAILED into the load outcome, forwards START and CANCEL, and unpacks each STEP message
 * into one listener call per sequence event plus one at the end of the step. It tracks which
 * request runs in which slot only to fail them if the worker dies. It never queues or decodes.
 */
import { Worker } from 'node:worker_threads';
import {
  type ErrorCode,
  reviveServerError,
  ServerError,
  Status,
  statusOf,
  unsupported,
} from '../../common/index.js';
import type { BackendLogger, ExecutionBatch, ExecutionSink } from '../backend.js';
import {
  FinishCode,
  type GenerationInstance,
  type GenerationListener,
  type GenerationStart,
} from '../generation.js';
import {
  type FromWorkerMessage,
  type LlamaInstanceInfo,
  LlamaMessageType,
  type LlamaWorkerOptions,
  type StepMessage,
  type ToWorkerMessage,
} from './llama-protocol.js';

/** Ms close() waits for the worker to release the model and exit before terminating it. */
const EXIT_GRACE_MS = 10_000;

/** Options of LlamaCppInstance.start. */
export interface LlamaCppInstanceOptions {
  /** Instance name (`<group>_<index>`). */
  readonly name: string;
  /** The compiled worker entry. */
  readonly workerUrl: URL;
  /** What the worker loads and how. */
  readonly worker: LlamaWorkerOptions;
  /** Where worker log lines go. */
  readonly logger: BackendLogger;
}

function deliverUnsupported(sink: ExecutionSink): void {
  sink.onError(
    unsupported(
      'ERR_GENERATION_ONLY',
      'A llama.cpp instance runs sequences through the generation scheduler, not batch executions',
    ),
  );
}

/** One llama.cpp instance on its worker thread. */
export class LlamaCppInstance implements GenerationInstance {
  readonly generation = true as const;
  /** Instance name. */
  readonly name: string;
  /** Sequence slots. */
  readonly slotCount: number;
  /** What the loaded worker reported. */
  info: LlamaInstanceInfo;
  /** STEP messages received (diagnostics: one per decode step). */
  stepMessages = 0;
  private readonly worker: Worker;
  private readonly logger: BackendLogger;
  private listener: GenerationListener | null = null;
  /** Serial of the request in each slot, 0 when free. */
  private readonly active: Float64Array;
  private readonly exitListeners: ((error: ServerError) => void)[] = [];
  private loadError: ServerError | null = null;
  private ready = false;
  private closing: Promise<void> | null = null;
  private exited = false;
  private resolveStart: (instance: LlamaCppInstance) => void = () => {};
  private rejectStart: (error: ServerError) => void = () => {};
  private resolveExit: () => void = () => {};
  private readonly exit: Promise<void>;

  private constructor(options: LlamaCppInstanceOptions) {
    this.name = options.name;
    this.logger = options.logger;
    this.slotCount = options.worker.slots;
    this.active = new Float64Array(this.slotCount);
    this.info = {
      contextLength: options.worker.contextLength,
      trainContextLength: 0,
      slots: options.worker.slots,
      chatTemplate: 'default',
      device: 'cpu',
    };
    this.exit = new Promise((resolve) => {
      this.resolveExit = resolve;
    });
    this.worker = new Worker(options.workerUrl, { workerData: options.worker, stderr: true, stdout: true });
    this.worker.stdout.setEncoding('utf8');
    this.worker.stdout.on('data', (text: string) => this.logLines('info', text));
    this.worker.stderr.setEncoding('utf8');
    this.worker.stderr.on('data', (text: string) => this.logLines('warn', text));
    this.worker.on('message', (message: FromWorkerMessage) => this.onMessage(message));
    this.worker.on('error', (err: Error) => {
      this.loadError ??= new ServerError(
        Status.INTERNAL,
        'ERR_BACKEND',
        `llama.cpp worker failed: ${err.message}`,
      );
    });
    this.worker.on('exit', (code: number) => this.onWorkerExit(code));
  }

  /** Starts the worker; resolves once the model is loaded, rejects with the load error. */
  static start(options: LlamaCppInstanceOptions): Promise<LlamaCppInstance> {
    const instance = new LlamaCppInstance(options);
    // Worker messages arrive in a later turn, so the handlers are in place before READY can.
    return new Promise<LlamaCppInstance>((resolve, reject) => {
      instance.resolveStart = resolve;
      instance.rejectStart = reject;
    });
  }

  /** Tokens per sequence. */
  get contextLength(): number {
    return this.info.contextLength;
  }

  setGenerationListener(listener: GenerationListener): void {
    this.listener = listener;
  }

  startSequence(slot: number, serial: number, start: GenerationStart): void {
    this.active[slot] = serial;
    this.post({ type: LlamaMessageType.START, slot, serial, start });
  }

  cancelSequence(slot: number, serial: number): void {
    if (this.active[slot] !== serial) return;
    this.post({ type: LlamaMessageType.CANCEL, slot, serial });
  }

  execute(_batch: ExecutionBatch, sink: ExecutionSink): void {
    process.nextTick(deliverUnsupported, sink);
  }

  onExit(listener: (error: ServerError) => void): void {
    this.exitListeners.push(listener);
  }

  close(): Promise<void> {
    if (this.closing !== null) return this.closing;
    this.closing = (async () => {
      if (this.exited) return;
      this.post({ type: LlamaMessageType.SHUTDOWN });
      const timer = setTimeout(() => void this.worker.terminate(), EXIT_GRACE_MS);
      await this.exit;
      clearTimeout(timer);
    })();
    return this.closing;
  }

  private post(message: ToWorkerMessage): void {
    if (!this.exited) this.worker.postMessage(message);
  }

  private onMessage(message: FromWorkerMessage): void {
    switch (message.type) {
      case LlamaMessageType.STEP:
        this.onStep(message);
        return;
      case LlamaMessageType.READY:
        this.info = message.info;
        this.ready = true;
        this.resolveStart(this);
        return;
      case LlamaMessageType.LOG:
        this.logger(message.level, message.message);
        return;
      case LlamaMessageType.FAILED:
        this.loadError = reviveServerError(message.status, message.code, message.message);
        return;
    }
  }

  private onStep(step: StepMessage): void {
    this.stepMessages++;
    const listener = this.listener;
    for (let i = 0; i < step.count; i++) {
      const slot = step.slot[i]!;
      const serial = step.serial[i]!;
      const finish = step.finish[i]!;
      if (finish !== FinishCode.NONE && this.active[slot] === serial) this.active[slot] = 0;
      const error =
        finish === FinishCode.ERROR
          ? sequenceError(step.errorCode[i] as ErrorCode, step.errorMessage[i]!)
          : null;
      listener?.onSequenceEvent(
        this,
        slot,
        serial,
        step.text[i]!,
        step.tokens[i]!,
        step.promptTokens[i]!,
        finish,
        error,
      );
    }
  }

  private onWorkerExit(code: number): void {
    this.exited = true;
    this.resolveExit();
    if (!this.ready) {
      this.rejectStart(
        this.loadError ??
          new ServerError(
            Status.INTERNAL,
            'ERR_INSTANCE_LOAD',
            `The llama.cpp worker exited with code ${code} while loading`,
          ),
      );
      return;
    }
    if (this.closing !== null) return;
    const error =
      this.loadError ??
      new ServerError(
        Status.INTERNAL,
        'ERR_BACKEND',
        `The llama.cpp worker of instance '${this.name}' exited with code ${code}`,
      );
    for (let slot = 0; slot < this.active.length; slot++) {
      const serial = this.active[slot]!;
      if (serial === 0) continue;
      this.active[slot] = 0;
      this.listener?.onSequenceEvent(this, slot, serial, '', 0, -1, FinishCode.ERROR, error);
    }
    for (const listener of this.exitListeners) listener(error);
  }

  private logLines(level: 'info' | 'warn', text: string): void {
    for (const line of text.split('\n')) if (line.trim() !== '') this.logger(level, line);
  }
}

/** A sequence's error from its step event, with its code's status (bad requests INVALID_ARG, the rest INTERNAL). */
function sequenceError(code: ErrorCode, message: string): ServerError {
  return reviveServerError(statusOf(code), code, message);
}
