/**
 * The worker side of a JavaScript model instance: imports model.js, constructs and initializes
 * the model class (or, for inspection, runs its static autoCompleteConfig), then answers each
 * EXECUTE with per-request responses (or, for decoupled models, lets response senders answer),
 * and runs finalize on STOP. One runtime per worker thread. Scheduling, batching and restarts are
 * the main thread's; the message formats are worker-protocol.ts.
 */
import { ServerError, Status } from '../../common/errors.js';
import type { ModelConfig, Tensor } from '../../protocol/index.js';
import type { ModelFileMetadata } from '../backend.js';
import { type HostPort, hostInit, hostPort } from '../host-port.js';
import {
  type ErrorMessage,
  type ExecuteMessage,
  type MainMessage,
  MessageType,
  packTensors,
  type ReadyMessage,
  type ResultMessage,
  unpackTensors,
  type WorkerError,
} from '../worker-protocol.js';
import { JsRequest, JsResponseSender } from './js-request.js';
import { loadModelModule } from './load-model-module.js';
import type { InitializeArgs, ModelInstance, ModelResponse } from './model-api-types.js';
import { toWorkerError } from './model-error.js';
import { logger } from './model-logger.js';
import { OutputChecker } from './output-checker.js';
import { splitRows } from './split-rows.js';

/** Load options of a JS model worker (structured-cloned once). */
export interface JsWorkerOptions {
  /** 'serve' runs the model; 'inspect' only runs its static autoCompleteConfig. */
  mode: 'serve' | 'inspect';
  /** Absolute path of model.js. */
  modelPath: string;
  /** Model version number. */
  modelVersion: number;
  /** Instance kind. */
  instanceKind: 'KIND_CPU' | 'KIND_GPU' | 'KIND_MODEL';
  /** GPU device id, -1 when none. */
  deviceId: number;
  /** The repository directory. */
  repositoryDir: string;
  /** The model directory. */
  modelDir: string;
  /** The version directory. */
  versionDir: string;
}

function nowNs(): number {
  return Number(process.hrtime.bigint());
}

/** The channel to the main thread (a worker thread's port or a child process's IPC channel). */
let port: HostPort;

function postError(id: number, error: WorkerError, inputBuffer: ArrayBuffer | null): void {
  // A copying port (child process) would send the whole input back for nothing.
  const back = port.copies ? null : inputBuffer;
  const msg: ErrorMessage = { type: MessageType.ERROR, id, ...error, inputBuffer: back };
  port.postMessage(msg, back === null ? [] : [back]);
}

/** Serves one JavaScript model instance over the worker protocol. */
export class JsModelRuntime {
  private model: ModelInstance | null = null;
  private config: ModelConfig | null = null;
  private checker: OutputChecker | null = null;
  private decoupled = false;
  private batched = false;
  private stopping = false;
  private modelName = '';
  private readonly onMessage = (msg: MainMessage): void => {
    if (msg.type === MessageType.STOP) void this.stop();
    else if (msg.type === MessageType.EXECUTE && this.model !== null) void this.execute(msg);
  };

  /** Loads the model from the init data (hostInit) and reports READY or the load error. */
  async start(): Promise<void> {
    const init = hostInit<JsWorkerOptions>();
    port = hostPort()!;
    port.on('message', this.onMessage);
    this.modelName = init.modelName;
    const where = `Cannot load model "${init.modelName}" on instance "${init.instanceName}"`;
    try {
      const cls = await loadModelModule(init.options.modelPath);
      const config = init.config!;
      if (init.options.mode === 'inspect') {
        const metadata: ModelFileMetadata = { inputs: [], outputs: [] };
        if (typeof cls.autoCompleteConfig === 'function') {
          const completed = await cls.autoCompleteConfig(structuredClone(config));
          if (completed === null || typeof completed !== 'object') {
            throw new ServerError(
              Status.INVALID_ARG,
              'ERR_MODEL_LOAD',
              'autoCompleteConfig must return the config object',
            );
          }
          metadata.config = completed;
        }
        port.postMessage({ type: MessageType.READY, metadata } satisfies ReadyMessage);
        return;
      }
      this.config = config;
      this.checker = new OutputChecker(config);
      this.decoupled = config.model_transaction_policy.decoupled;
      this.batched = config.max_batch_size > 0;
      const model = new cls();
      const args: InitializeArgs = {
        modelConfig: config,
        modelName: init.modelName,
        modelVersion: init.options.modelVersion,
        modelInstanceName: init.instanceName,
        modelInstanceKind: init.options.instanceKind,
        modelInstanceDeviceId: init.options.deviceId,
        modelRepository: init.options.repositoryDir,
        modelDir: init.options.modelDir,
        versionDir: init.options.versionDir,
        decoupled: this.decoupled,
      };
      await model.initialize?.(args);
      this.model = model;
      port.postMessage({ type: MessageType.READY, metadata: null } satisfies ReadyMessage);
    } catch (err) {
      const e = toWorkerError(err, where);
      if (e.code === 'ERR_MODEL') e.code = 'ERR_MODEL_LOAD';
      postError(-1, e, null);
    }
  }

  private async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    try {
      await this.model?.finalize?.();
    } catch (err) {
      logger.error(`finalize() failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
    process.exit(0);
  }

  private async execute(msg: ExecuteMessage): Promise<void> {
    const start = nowNs();
    const infos = msg.requests ?? [{ id: '', rows: msg.batchSize, parameters: {} }];
    let requests: JsRequest[];
    let senders: JsResponseSender[] | null = null;
    try {
      const { tensors, names } = unpackTensors(msg.buffer, msg.byteLength);
      requests = this.splitRequests(msg.id, tensors, names, infos);
      if (this.decoupled) senders = requests.map((r) => r.responseSender() as JsResponseSender);
    } catch (err) {
      postError(msg.id, toWorkerError(err), msg.buffer);
      return;
    }
    const inferStart = nowNs();
    let returned: ModelResponse[] | undefined;
    try {
      returned = await this.model!.execute(requests);
    } catch (err) {
      if (senders !== null) for (const s of senders) s.close();
      postError(
        msg.id,
        toWorkerError(err, `execute() of model "${this.modelName}" failed`),
        this.decoupled ? null : msg.buffer,
      );
      return;
    }
    const inferEnd = nowNs();
    if (senders !== null) {
      if (returned !== undefined && returned !== null) {
        const error = new Error(
          'execute() of a decoupled model must return nothing; send responses with request.responseSender()',
        );
        for (const s of senders) s.fail(error);
      }
      this.postResult(msg.id, packTensors([], [], null), null, null, null, start, inferStart, inferEnd, true);
      return;
    }
    const counts: number[] = new Array(requests.length);
    const errors: WorkerError[] = [];
    const outputs: Tensor[] = [];
    if (!Array.isArray(returned) || returned.length !== requests.length) {
      const got = Array.isArray(returned) ? `${returned.length} responses` : String(returned);
      postError(
        msg.id,
        toWorkerError(
          new Error(`execute() must return one response per request (${requests.length}): received ${got}`),
        ),
        msg.buffer,
      );
      return;
    }
    for (let i = 0; i < requests.length; i++) {
      const answer = returned[i]!;
      if (answer instanceof Error) {
        counts[i] = -1;
        errors.push(toWorkerError(answer));
        continue;
      }
      try {
        const checked = this.checker!.check(answer);
        counts[i] = checked.length;
        for (let k = 0; k < checked.length; k++) outputs.push(checked[k]!);
      } catch (err) {
        counts[i] = -1;
        errors.push(toWorkerError(err));
      }
    }
    let packed: ReturnType<typeof packTensors>;
    try {
      packed = packTensors(outputs, [], null);
    } catch (err) {
      postError(msg.id, toWorkerError(err), msg.buffer);
      return;
    }
    this.postResult(msg.id, packed, counts, errors, msg.buffer, start, inferStart, inferEnd, false);
  }

  private postResult(
    id: number,
    packed: { buffer: ArrayBuffer; byteLength: number },
    counts: number[] | null,
    errors: WorkerError[] | null,
    inputBuffer: ArrayBuffer | null,
    start: number,
    inferStart: number,
    inferEnd: number,
    decoupled: boolean,
  ): void {
    if (port.copies) inputBuffer = null;
    const result: ResultMessage = {
      type: MessageType.RESULT,
      id,
      buffer: packed.buffer,
      byteLength: packed.byteLength,
      inputBuffer,
      computeInputNs: inferStart - start,
      computeInferNs: inferEnd - inferStart,
      computeOutputNs: nowNs() - inferEnd,
      computeStartNs: start,
      perRequestCounts: counts,
      errors,
      decoupled,
    };
    const transfer = inputBuffer === null ? [packed.buffer] : [packed.buffer, inputBuffer];
    port.postMessage(result, transfer);
  }

  /** One JsRequest per request of the batch, each with its rows of every input. */
  private splitRequests(
    executionId: number,
    tensors: Tensor[],
    names: string[],
    infos: NonNullable<ExecuteMessage['requests']>,
  ): JsRequest[] {
    const count = infos.length;
    const perRequest: Tensor[][] = [];
    for (let i = 0; i < count; i++) perRequest.push([]);
    if (count === 1) {
      perRequest[0] = tensors;
    } else {
      if (!this.batched) {
        throw new ServerError(
          Status.INTERNAL,
          'ERR_JS_SPLIT_BATCH',
          `A batch of ${count} requests reached a model with max_batch_size 0`,
        );
      }
      const rows = infos.map((r) => r.rows);
      for (const t of tensors) {
        const parts = splitRows(t, rows);
        for (let i = 0; i < count; i++) perRequest[i]!.push(parts[i]!);
      }
    }
    const outputNames = names.length > 0 ? names : this.config!.output.map((o) => o.name);
    const requests: JsRequest[] = new Array(count);
    for (let i = 0; i < count; i++) {
      const info = infos[i]!;
      const sender = this.decoupled ? new JsResponseSender(executionId, i, this.checker!) : null;
      requests[i] = new JsRequest(
        info.id,
        info.parameters,
        info.rows,
        perRequest[i]!,
        outputNames,
        sender,
        info.traceId ?? 0,
      );
    }
    return requests;
  }
}
