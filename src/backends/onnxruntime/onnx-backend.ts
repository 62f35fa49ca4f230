/**
 * The ONNX Runtime backend (`backend: "onnxruntime"`, `platform: "onnxruntime_onnx"`): resolves
 * session options from the config and starts one worker thread per instance on the ring transport
 * (and a short-lived one to inspect a model file). ORT loads and runs only inside workers
 * (onnx-worker.ts), because it blocks the thread that calls it; the main thread only runs the
 * private binding's self-check once (ort-binding.ts), falling back to the message transport.
 */

import { resolveWorkerUrl } from '../../common/index.js';
import type {
  Backend,
  BackendInstance,
  BackendLogger,
  InstanceContext,
  ModelFileMetadata,
} from '../backend.js';
import { MessageTransport } from '../message-transport.js';
import { RingTransport, type RingTransportOptions } from '../ring-transport.js';
import { defaultBackendLogger, WorkerInstance } from '../worker-instance.js';
import { type OnnxWorkerOptions, resolveOnnxSessionPlan } from './onnx-session-options.js';
import { loadOrtBinding, PINNED_ORT_VERSION } from './ort-binding.js';

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
  /**
   * The startup self-check of onnxruntime-node's private binding: what is wrong with it, or null
   * (tests inject a failure). Default: loadOrtBinding's verdict, run once at the first load.
   */
  ortBindingProblem?: () => string | null;
}

/** The real self-check's verdict (ort-binding.ts). */
function realBindingProblem(): string | null {
  return loadOrtBinding().problem;
}

/** Runs ONNX models with onnxruntime-node, one worker thread per instance. */
export class OnnxBackend implements Backend {
  readonly name = 'onnxruntime';
  readonly platforms: readonly string[] = ['onnxruntime_onnx'];
  readonly defaultModelFilename = 'model.onnx';
  readonly implicitState = true;
  private readonly options: OnnxBackendOptions;
  private workerUrl: URL | null;
  /** The binding self-check's verdict once run: '' when fine, else the problem. */
  private bindingProblem: string | null = null;

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
    return this.start(context, context.instanceName, plan.worker, plan);
  }

  private start(
    context: InstanceContext,
    name: string,
    options: OnnxWorkerOptions,
    ring: RingTransportOptions = { maxInFlight: 1, inputSlabBytes: 0 },
  ): Promise<WorkerInstance> {
    const { maxInFlight } = ring;
    if (this.workerUrl === null) this.workerUrl = resolveWorkerUrl('./onnx-worker.js', import.meta.url);
    const logger = this.loggerFor(context);
    const native = this.nativeBindingUsable(logger);
    return WorkerInstance.start<OnnxWorkerOptions>({
      name,
      modelName: context.modelName,
      workerUrl: this.workerUrl,
      config: null,
      options: native ? options : { ...options, publicSession: true },
      executionTimeoutMs: this.options.executionTimeoutMs ?? 0,
      loadTimeoutMs: this.options.loadTimeoutMs ?? 0,
      logger,
      maxInFlight,
      // NativeSession runs ORT synchronously on the worker's thread: the worker blocks in
      // Atomics.wait between runs, fed through SharedRings (docs/adr/0017). The public API's run
      // is a Promise, which only the message transport's worker loop awaits.
      transport: native ? new RingTransport(ring) : new MessageTransport(),
    });
  }

  /** Runs the binding self-check once; on a problem, says so loudly and every instance falls back. */
  private nativeBindingUsable(logger: BackendLogger): boolean {
    if (this.bindingProblem === null) {
      this.bindingProblem = (this.options.ortBindingProblem ?? realBindingProblem)() ?? '';
      if (this.bindingProblem !== '') {
        logger(
          'error',
          `onnxruntime-node's private native binding failed Nereid's startup self-check (${this.bindingProblem}): ONNX models run through the public InferenceSession API instead, which costs an extra event-loop turn per execution; install onnxruntime-node ${PINNED_ORT_VERSION} to restore the fast path`,
        );
      }
    }
    return this.bindingProblem === '';
  }

  private loggerFor(context: InstanceContext): BackendLogger {
    return context.logger ?? this.options.logger ?? defaultBackendLogger;
  }
}
