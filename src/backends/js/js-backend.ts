/**
 * The JavaScript backend (`backend: "javascript"`, no platform, file `model.js`): starts one
 * worker thread per instance running a model class (js-worker.ts), or with process isolation one
 * child process (js-process.ts), and a short-lived one to run a model's static
 * autoCompleteConfig. Workers may be terminated mid-call (pure JS), so an endless loop is
 * stoppable; a crash or an execution timeout kills only that instance (the core restarts it).
 * Timeouts, isolation and heap limit come from js-backend-settings.ts.
 */

import { resolveWorkerUrl } from '../../common/index.js';
import type { ModelConfig } from '../../protocol/index.js';
import { configToWire } from '../../protocol/index.js';
import type {
  Backend,
  BackendInstance,
  BackendLogger,
  InstanceContext,
  ModelFileMetadata,
  TensorMetadata,
} from '../backend.js';
import { childEnvironment, processHost } from '../process-host.js';
import { threadHost, type WorkerHostFactory } from '../worker-host.js';
import { defaultBackendLogger, WorkerInstance } from '../worker-instance.js';
import { BlsBridge } from './bls-bridge.js';
import {
  DEFAULT_FINALIZE_TIMEOUT_MS,
  type JsBackendSettings,
  type JsInstanceSettings,
  resolveJsInstanceSettings,
} from './js-backend-settings.js';
import type { JsWorkerOptions } from './js-model-runtime.js';

/** Options of the JavaScript backend: its global settings plus wiring. */
export interface JsBackendOptions extends JsBackendSettings {
  /** The compiled worker entry. Default: `./js-worker.js` next to this module (dist/ when run from src/). */
  workerUrl?: URL;
  /** The compiled child-process entry. Default: `./js-process.js` next to this module (as workerUrl). */
  processEntryUrl?: URL;
  /** Logger used when the instance context has none. Default: warnings and errors to stderr. */
  logger?: BackendLogger;
}

/** Tensor metadata a config declares (batch dim -1 first when batching), for the generic auto-complete check. */
function metadataOf(config: ModelConfig): ModelFileMetadata {
  const batched = config.max_batch_size > 0;
  const of = (t: {
    name: string;
    data_type: ModelConfig['input'][number]['data_type'];
    dims: number[];
    reshape?: { shape: number[] } | null;
  }): TensorMetadata => {
    const dims = t.reshape?.shape ?? t.dims;
    return {
      name: t.name,
      datatype: t.data_type === 'TYPE_INVALID' ? null : configToWire(t.data_type),
      shape: batched ? [-1, ...dims] : [...dims],
    };
  };
  // The sequence batcher's control inputs reach the model too (as [rows, 1] tensors).
  const controls = (config.sequence_batching?.control_input ?? []).map(
    (c): TensorMetadata => ({ name: c.name, datatype: null, shape: batched ? [-1, 1] : [1] }),
  );
  return { inputs: [...config.input.map(of), ...controls], outputs: config.output.map(of) };
}

/** Runs JavaScript models (model.js), one worker thread per instance. */
export class JsBackend implements Backend {
  readonly name = 'javascript';
  readonly platforms: readonly string[] = [];
  readonly defaultModelFilename = 'model.js';
  /** A JavaScript model keeps its own state between calls. */
  readonly implicitState = false;
  private readonly options: JsBackendOptions;
  private workerUrl: URL | null;
  private processEntryUrl: URL | null;

  constructor(options: JsBackendOptions = {}) {
    this.options = options;
    this.workerUrl = options.workerUrl ?? null;
    this.processEntryUrl = options.processEntryUrl ?? null;
  }

  async inspect(context: InstanceContext): Promise<ModelFileMetadata> {
    // The loader names the inspecting instance `<model>_inspect` already.
    const instance = await this.start(
      context,
      context.instanceName || `${context.modelName}_inspect`,
      'inspect',
    );
    let completed: ModelConfig | undefined;
    try {
      completed = instance.metadata?.config;
    } finally {
      await instance.close();
    }
    const metadata = metadataOf(completed ?? context.config);
    if (completed !== undefined) metadata.config = completed;
    return metadata;
  }

  async createInstance(context: InstanceContext): Promise<BackendInstance> {
    return this.start(context, context.instanceName, 'serve');
  }

  private start(
    context: InstanceContext,
    name: string,
    mode: JsWorkerOptions['mode'],
  ): Promise<WorkerInstance> {
    if (this.workerUrl === null) this.workerUrl = resolveWorkerUrl('./js-worker.js', import.meta.url);
    const serving = mode === 'serve';
    const settings = resolveJsInstanceSettings(context.config, this.options);
    const options: JsWorkerOptions = {
      mode,
      modelPath: context.modelPath,
      modelVersion: context.version,
      instanceKind: context.kind,
      deviceId: context.deviceId,
      repositoryDir: context.repositoryDir ?? '',
      modelDir: context.modelDir,
      versionDir: context.versionDir,
    };
    return WorkerInstance.start<JsWorkerOptions>({
      name,
      modelName: context.modelName,
      workerUrl: this.workerUrl,
      config: context.config,
      options,
      host: this.hostFor(settings),
      executionTimeoutMs: serving ? settings.executionTimeoutMs : 0,
      loadTimeoutMs: settings.loadTimeoutMs,
      terminateWhileBusy: true,
      sendRequestInfo: true,
      decoupled: serving && context.config.model_transaction_policy.decoupled,
      extension: serving ? new BlsBridge(context.bls ?? null) : null,
      stopGraceMs: serving ? (this.options.finalizeTimeoutMs ?? DEFAULT_FINALIZE_TIMEOUT_MS) : 0,
      logger: context.logger ?? this.options.logger ?? defaultBackendLogger,
    });
  }

  /** A worker thread, or a child process with its heap limit and environment (process isolation). */
  private hostFor(settings: JsInstanceSettings): WorkerHostFactory {
    if (settings.isolation === 'thread') return threadHost({ maxOldGenerationSizeMb: settings.maxMemoryMb });
    if (this.processEntryUrl === null) {
      this.processEntryUrl = resolveWorkerUrl('./js-process.js', import.meta.url);
    }
    return processHost({
      entryUrl: this.processEntryUrl,
      maxOldSpaceMb: settings.maxMemoryMb,
      env: childEnvironment(settings.processEnv),
    });
  }
}
