/**
 * The JavaScript backend (`backend: "javascript"`, no platform, file `model.js`): starts one
 * worker thread per instance running a model class (js-worker.ts), and a short-lived one to run a
 * model's static autoCompleteConfig. Workers may be terminated mid-call (pure JS), so an endless
 * loop is stoppable; a crash or an execution timeout kills only that instance (the core restarts
 * it). Per-model execution timeout: parameters { key: "nereid.execution_timeout_ms" }.
 */
import { invalidArg } from '../../common/errors.js';
import type { ModelConfig } from '../../config/model-config.js';
import { configToWire } from '../../protocol/datatypes.js';
import type {
  Backend,
  BackendInstance,
  BackendLogger,
  InstanceContext,
  ModelFileMetadata,
  TensorMetadata,
} from '../backend.js';
import { defaultBackendLogger, WorkerInstance } from '../worker-instance.js';
import { resolveWorkerUrl } from '../worker-url.js';
import { BlsBridge } from './bls-bridge.js';
import type { JsWorkerOptions } from './js-model-runtime.js';

/** Config parameter holding a JS model's execution timeout in ms (string_value; 0 = none). */
export const EXECUTION_TIMEOUT_PARAMETER = 'nereid.execution_timeout_ms';

/** Options of the JavaScript backend. */
export interface JsBackendOptions {
  /** The compiled worker entry. Default: `./js-worker.js` next to this module (dist/ when run from src/). */
  workerUrl?: URL;
  /** Execution timeout in ms for models that set none; 0 = none. Default 0. */
  executionTimeoutMs?: number;
  /** Load timeout in ms per instance (import + initialize); 0 = none. Default 0. */
  loadTimeoutMs?: number;
  /** Ms an unloading instance's finalize() may take before its worker is terminated. Default 5000. */
  finalizeTimeoutMs?: number;
  /** Logger used when the instance context has none. Default: warnings and errors to stderr. */
  logger?: BackendLogger;
}

/** Reads `nereid.execution_timeout_ms` from a config; `fallbackMs` when absent. */
export function resolveExecutionTimeoutMs(config: ModelConfig, fallbackMs: number): number {
  const param = config.parameters?.[EXECUTION_TIMEOUT_PARAMETER];
  if (param === undefined) return fallbackMs;
  const text = param.string_value.trim();
  const ms = Number(text);
  if (text === '' || !Number.isFinite(ms) || ms < 0) {
    throw invalidArg(
      'ERR_INVALID_CONFIG',
      `parameters["${EXECUTION_TIMEOUT_PARAMETER}"] must be a number of milliseconds >= 0: received "${param.string_value}"`,
    );
  }
  return Math.round(ms);
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
  private readonly options: JsBackendOptions;
  private workerUrl: URL | null;

  constructor(options: JsBackendOptions = {}) {
    this.options = options;
    this.workerUrl = options.workerUrl ?? null;
  }

  async inspect(context: InstanceContext): Promise<ModelFileMetadata> {
    const instance = await this.start(
      context,
      `${context.instanceName || context.modelName}_inspect`,
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
      executionTimeoutMs: serving
        ? resolveExecutionTimeoutMs(context.config, this.options.executionTimeoutMs ?? 0)
        : 0,
      loadTimeoutMs: this.options.loadTimeoutMs ?? 0,
      terminateWhileBusy: true,
      sendRequestInfo: true,
      decoupled: serving && context.config.model_transaction_policy.decoupled,
      extension: serving ? new BlsBridge(context.bls ?? null) : null,
      stopGraceMs: serving ? (this.options.finalizeTimeoutMs ?? 5000) : 0,
      logger: context.logger ?? this.options.logger ?? defaultBackendLogger,
    });
  }
}
