/**
 * The ONNX Runtime backend (`backend: "onnxruntime"`, `platform: "onnxruntime_onnx"`): resolves
 * session options from the config and starts one worker thread per instance (and a short-lived
 * one to inspect a model file). It never imports onnxruntime-node itself: ORT loads and runs only
 * inside workers (onnx-worker.ts), because it blocks the thread that calls it.
 */

import { resolveWorkerUrl } from '../../common/index.js';
import type {
  Backend,
  BackendInstance,
  BackendLogger,
  InstanceContext,
  ModelFileMetadata,
} from '../backend.js';
import { defaultBackendLogger, WorkerInstance } from '../worker-instance.js';
import { type OnnxWorkerOptions, resolveOnnxSessionPlan } from './onnx-session-options.js';

/** Options of the ONNX Runtime backend. */
export interface OnnxBackendOptions {
  /** The compiled worker entry. Default: `./onnx-worker.js` next to this module (dist/ when run from src/). */
  workerUrl?: URL;
  /** Per-execution timeout in ms after which an instance is stopped; 0 = none. Default 0. */
  executionTimeoutMs?: number;
  /** Load timeout in ms per instance; 0 = none. Default 0. */
  loadTimeoutMs?: number;
  /** Logger used when the instance context has none. Default: warnings and errors to stderr. */
  logger?: BackendLogger;
}

/** Runs ONNX models with onnxruntime-node, one worker thread per instance. */
export class OnnxBackend implements Backend {
  readonly name = 'onnxruntime';
  readonly platforms: readonly string[] = ['onnxruntime_onnx'];
  readonly defaultModelFilename = 'model.onnx';
  readonly implicitState = true;
  private readonly options: OnnxBackendOptions;
  private workerUrl: URL | null;

  constructor(options: OnnxBackendOptions = {}) {
    this.options = options;
    this.workerUrl = options.workerUrl ?? null;
  }

  async inspect(context: InstanceContext): Promise<ModelFileMetadata> {
    const options: OnnxWorkerOptions = {
      modelPath: context.modelPath,
      sessionOptions: {
        graphOptimizationLevel: 'disabled',
        intraOpNumThreads: 1,
        logSeverityLevel: 3,
        executionProviders: ['cpu'],
      },
      gpu: false,
      cpuFallback: false,
      unappliedProviderOptions: [],
    };
    const instance = await this.start(
      context,
      `${context.instanceName || context.modelName}_inspect`,
      options,
    );
    try {
      return instance.metadata ?? { inputs: [], outputs: [] };
    } finally {
      await instance.close();
    }
  }

  async createInstance(context: InstanceContext): Promise<BackendInstance> {
    const plan = resolveOnnxSessionPlan(context);
    const logger = this.loggerFor(context);
    for (const warning of plan.warnings) logger('warn', warning);
    return this.start(context, context.instanceName, plan.worker, plan.maxInFlight, plan.answerPollUs);
  }

  private start(
    context: InstanceContext,
    name: string,
    options: OnnxWorkerOptions,
    maxInFlight = 1,
    answerPollUs = 0,
  ): Promise<WorkerInstance> {
    if (this.workerUrl === null) this.workerUrl = resolveWorkerUrl('./onnx-worker.js', import.meta.url);
    return WorkerInstance.start<OnnxWorkerOptions>({
      name,
      modelName: context.modelName,
      workerUrl: this.workerUrl,
      config: null,
      options,
      executionTimeoutMs: this.options.executionTimeoutMs ?? 0,
      loadTimeoutMs: this.options.loadTimeoutMs ?? 0,
      logger: this.loggerFor(context),
      maxInFlight,
      answerPollUs,
      // ORT runs synchronously (NativeSession): the worker waits in Atomics.wait between runs.
      blocking: true,
    });
  }

  private loggerFor(context: InstanceContext): BackendLogger {
    return context.logger ?? this.options.logger ?? defaultBackendLogger;
  }
}
