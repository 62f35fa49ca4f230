/**
 * The worker side of a JavaScript model instance, as a loader and an executor for the one worker
 * runtime (worker-runtime.ts): imports model.js, constructs and initializes the model class (or,
 * for inspection, runs its static autoCompleteConfig), runs each batch as per-request responses
 * (or, for decoupled models, lets response senders answer), and runs finalize on STOP. The
 * protocol (READY, EXECUTE, RESULT, ERROR, STOP) is the runtime's; scheduling is the main thread's.
 */
import { ServerError, Status } from '../../common/errors.js';
import type { ModelConfig, Tensor } from '../../protocol/index.js';
import type { ExecutionRequestInfo, ModelFileMetadata } from '../backend.js';
import type { WorkerError, WorkerInit } from '../worker-protocol.js';
import {
  type ExecutorOutputs,
  type ExecutorTiming,
  type LoadedWorkerModel,
  nowNs,
  type PerRequestOutputs,
  type WorkerBatch,
  type WorkerExecutor,
} from '../worker-runtime.js';
import { JsRequest, JsResponseSender } from './js-request.js';
import { loadModelModule } from './load-model-module.js';
import type { InitializeArgs, ModelInstance, ModelResponse } from './model-api-types.js';
import { fromWorkerError, toWorkerError } from './model-error.js';
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

/** What the inspect mode's executor answers: nothing runs on an inspecting instance. */
const INSPECT_ONLY: WorkerExecutor = {
  execute(): never {
    throw new ServerError(
      Status.INTERNAL,
      'ERR_JS_INSPECT_ONLY',
      'An inspecting JavaScript instance runs no executions',
    );
  },
};

/** Loads model.js for `init` (serve or inspect); throws the load error as a ServerError. */
export async function loadJsModel(init: WorkerInit<JsWorkerOptions>): Promise<LoadedWorkerModel> {
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
      return { executor: INSPECT_ONLY, metadata };
    }
    const decoupled = config.model_transaction_policy.decoupled;
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
      decoupled,
    };
    await model.initialize?.(args);
    return {
      executor: new JsModelExecutor(model, config, init.modelName),
      metadata: null,
      // A decoupled model answers later from its inputs: their buffer must stay with it.
      keepsInputs: decoupled,
      finalize: model.finalize === undefined ? undefined : () => model.finalize!(),
    };
  } catch (err) {
    // The loader reports any failure here as ERR_MODEL_LOAD; the model's own code stays in the cause.
    throw fromWorkerError(toWorkerError(err, where));
  }
}

/** Runs batches on one model instance: one JsRequest per request, per-request answers back. */
export class JsModelExecutor implements WorkerExecutor {
  private readonly model: ModelInstance;
  private readonly config: ModelConfig;
  private readonly checker: OutputChecker;
  private readonly decoupled: boolean;
  private readonly batched: boolean;
  private readonly modelName: string;

  constructor(model: ModelInstance, config: ModelConfig, modelName: string) {
    this.model = model;
    this.config = config;
    this.checker = new OutputChecker(config);
    this.decoupled = config.model_transaction_policy.decoupled;
    this.batched = config.max_batch_size > 0;
    this.modelName = modelName;
  }

  async execute(batch: WorkerBatch, timing: ExecutorTiming): Promise<ExecutorOutputs> {
    const executionId = batch.executionId;
    const infos = batch.requests ?? [{ id: '', rows: batch.batchSize, parameters: {} }];
    let requests: JsRequest[];
    let senders: JsResponseSender[] | null = null;
    try {
      requests = this.splitRequests(executionId, batch.inputs, batch.outputNames, infos);
      if (this.decoupled) senders = requests.map((r) => r.responseSender() as JsResponseSender);
    } catch (err) {
      throw fromWorkerError(toWorkerError(err));
    }
    timing.inferStartNs = nowNs();
    let returned: ModelResponse[] | undefined;
    try {
      returned = await this.model.execute(requests);
    } catch (err) {
      if (senders !== null) for (const s of senders) s.close();
      throw fromWorkerError(toWorkerError(err, `execute() of model "${this.modelName}" failed`));
    }
    timing.inferEndNs = nowNs();
    if (senders !== null) {
      if (returned !== undefined && returned !== null) {
        const error = new Error(
          'execute() of a decoupled model must return nothing; send responses with request.responseSender()',
        );
        for (const s of senders) s.fail(error);
      }
      return { tensors: [], perRequestCounts: null, errors: null, decoupled: true };
    }
    if (!Array.isArray(returned) || returned.length !== requests.length) {
      const got = Array.isArray(returned) ? `${returned.length} responses` : String(returned);
      throw fromWorkerError(
        toWorkerError(
          new Error(`execute() must return one response per request (${requests.length}): received ${got}`),
        ),
      );
    }
    return this.perRequest(returned);
  }

  /** Checks each request's answer; a failed one counts -1 and adds its error. */
  private perRequest(returned: ModelResponse[]): PerRequestOutputs {
    const counts: number[] = new Array(returned.length);
    const errors: WorkerError[] = [];
    const tensors: Tensor[] = [];
    for (let i = 0; i < returned.length; i++) {
      const answer = returned[i]!;
      if (answer instanceof Error) {
        counts[i] = -1;
        errors.push(toWorkerError(answer));
        continue;
      }
      try {
        const checked = this.checker.check(answer);
        counts[i] = checked.length;
        for (let k = 0; k < checked.length; k++) tensors.push(checked[k]!);
      } catch (err) {
        counts[i] = -1;
        errors.push(toWorkerError(err));
      }
    }
    return { tensors, perRequestCounts: counts, errors, decoupled: false };
  }

  /** One JsRequest per request of the batch, each with its rows of every input. */
  private splitRequests(
    executionId: number,
    tensors: Tensor[],
    names: string[],
    infos: ExecutionRequestInfo[],
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
    const outputNames = names.length > 0 ? names : this.config.output.map((o) => o.name);
    const requests: JsRequest[] = new Array(count);
    for (let i = 0; i < count; i++) {
      const info = infos[i]!;
      const sender = this.decoupled ? new JsResponseSender(executionId, i, this.checker) : null;
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
