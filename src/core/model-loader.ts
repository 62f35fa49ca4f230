/**
 * Loads one model directory into servable versions: reads and parses config.pbtxt (or starts
 * from an empty config when auto-complete is allowed), picks the backend, completes the config
 * from the model file, validates it, reads label files, starts every instance of every served
 * version on its own worker, and builds each version's scheduler. Failures become a ServerError
 * that says what went wrong; the caller marks the model UNAVAILABLE with that reason.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type {
  Backend,
  BackendInstance,
  BackendLogger,
  BackendRegistry,
  InstanceContext,
  ModelCaller,
  ModelCallRequest,
  ModelCallSink,
} from '../backends/index.js';
import type { Clock, Logger } from '../common/index.js';
import { checkModelName, invalidArg, relativePathProblem, ServerError, Status } from '../common/index.js';
import {
  autoCompleteConfig,
  isEnsemble,
  type NumericText,
  normalizeModelConfig,
  type PartialModelConfig,
  parseModelConfig,
  validateModelConfig,
} from '../config/index.js';
import type { ModelConfig } from '../protocol/index.js';
import { ConfinedFileError, confinedFile, errnoCode } from './confined-file.js';
import { checkComposingModels } from './ensemble/index.js';
import { InferenceRequest } from './inference-request.js';
import type { InstanceBudget } from './instance-budget.js';
import { InstancePool } from './instance-pool.js';
import { ModelPlan } from './model-plan.js';
import { ModelReporter } from './model-reporter.js';
import { listVersions, type ModelSource, selectVersions } from './model-repository.js';
import { ModelVersion } from './model-version.js';
import type { RequestObserver } from './request-observer.js';
import type { SchedulerRegistry } from './scheduler.js';
import type { RequestTrace } from './trace/index.js';

/** Routes a backend's log lines (worker stderr, warnings) into the server log, tagged with the model. */
function backendLogger(ctx: LoaderContext, model: string): BackendLogger {
  return (level, message) => {
    const line = `[${model}] ${message}`;
    if (level === 'error') ctx.logger.logError(line);
    else if (level === 'warn') ctx.logger.logWarning(line);
    else if (level === 'info') ctx.logger.logInfo(line);
    else ctx.logger.verbose(1, line);
  };
}

/** What loading needs from the server. */
export interface LoaderContext {
  /** Backends by name/platform. */
  readonly backends: BackendRegistry;
  /** Scheduling policies. */
  readonly schedulers: SchedulerRegistry;
  /** Refuse to complete missing config from the model file (`--strict-model-config`). */
  readonly strictModelConfig: boolean;
  /** max_batch_size given to auto-completed batching models; Triton's default 4. */
  readonly defaultMaxBatchSize: number;
  /** Time source. */
  readonly clock: Clock;
  /** Server log. */
  readonly logger: Logger;
  /** Metrics hook or null. */
  readonly observer: RequestObserver | null;
  /** Admits a request (the server's infer), offered to backends for model-to-model calls; default none. */
  readonly infer?: (request: InferenceRequest) => void;
  /** Whether a model (name, version string; '' = latest) is ready; ensembles check their steps; default: all ready. */
  readonly isModelReady?: (name: string, version: string) => boolean;
  /** The server-wide bound on instances; default none (unbounded, for tests of the loader alone). */
  readonly instanceBudget?: InstanceBudget;
  /** A child trace of live trace `parentId` for a call to `model` (Tracer.child); default none. */
  readonly traceChild?: (parentId: number, model: string) => RequestTrace | null;
}

/** The ModelCaller handed to backends: builds core requests and admits them through `ctx.infer`. */
function modelCaller(ctx: LoaderContext): ModelCaller | undefined {
  const infer = ctx.infer;
  if (infer === undefined) return undefined;
  return {
    infer(request: ModelCallRequest, sink: ModelCallSink): void {
      checkModelName(request.modelName);
      infer(
        new InferenceRequest({
          modelName: request.modelName,
          modelVersion: request.modelVersion,
          id: request.id,
          parameters: request.parameters,
          inputs: request.inputs,
          outputs: request.outputs,
          sink,
          trace:
            request.parentTraceId !== undefined && request.parentTraceId !== 0 && ctx.traceChild !== undefined
              ? ctx.traceChild(request.parentTraceId, request.modelName)
              : null,
        }),
      );
    },
  };
}

/** A model directory loaded into its config and servable versions. */
export interface LoadedModel {
  /** The final config (after auto-complete and validation). */
  readonly config: ModelConfig;
  /** Served versions, ascending. */
  readonly versions: ModelVersion[];
}

/**
 * A load failure: INVALID_ARG ERR_MODEL_LOAD, except that a cause which is UNAVAILABLE (the
 * server has no room now, e.g. ERR_SERVER_INSTANCE_LIMIT) makes it UNAVAILABLE
 * ERR_MODEL_LOAD_UNAVAILABLE: retrying later can succeed, which is what 503 tells a client.
 */
function loadError(model: string, reason: string, cause?: unknown): ServerError {
  const message = `failed to load '${model}': ${reason}`;
  return cause instanceof ServerError && cause.status === Status.UNAVAILABLE
    ? new ServerError(Status.UNAVAILABLE, 'ERR_MODEL_LOAD_UNAVAILABLE', message, { cause })
    : new ServerError(Status.INVALID_ARG, 'ERR_MODEL_LOAD', message, { cause });
}

/** Whether `err` is already a load failure of loadError (wrapping it again would repeat the prefix). */
function isLoadError(err: unknown): err is ServerError {
  return (
    err instanceof ServerError && (err.code === 'ERR_MODEL_LOAD' || err.code === 'ERR_MODEL_LOAD_UNAVAILABLE')
  );
}

/** Reads and parses `<dir>/config.pbtxt`; null when absent. */
async function readConfig(source: ModelSource): Promise<ModelConfig | null> {
  const path = join(source.dir, 'config.pbtxt');
  if (!existsSync(path)) return null;
  const text = await readFile(path, 'utf8');
  return parseModelConfig(text, path, { modelName: source.name });
}

function pickBackend(
  config: ModelConfig,
  source: ModelSource,
  versionDirs: string[],
  ctx: LoaderContext,
): Backend {
  if (config.backend !== '' || config.platform !== '') {
    try {
      return ctx.backends.resolve(config);
    } catch (err) {
      throw loadError(source.name, (err as Error).message, err);
    }
  }
  // No backend named: pick the one whose default model file is present (Triton infers from files).
  for (const backend of ctx.backends.list()) {
    const file = config.default_model_filename || backend.defaultModelFilename;
    if (versionDirs.some((d) => existsSync(join(d, file)))) return backend;
  }
  throw loadError(
    source.name,
    "config does not name a 'backend' or 'platform' and no known model file was found",
  );
}

/** Options of loadModel beyond the source. */
export interface LoadModelOptions {
  /** Config to use instead of `config.pbtxt` (a load request's override, Triton JSON form); default none. */
  readonly config?: PartialModelConfig | null;
  /**
   * Already-loaded versions to keep instead of loading them again (a reload whose config is
   * unchanged); only those the version policy still serves are kept. Default none.
   */
  readonly reuse?: ReadonlyMap<number, ModelVersion>;
}

/**
 * Loads every served version of the model in `source` (except those taken from `options.reuse`).
 * On failure, versions started by this call are closed; reused ones are left alone.
 */
export async function loadModel(
  source: ModelSource,
  ctx: LoaderContext,
  options: LoadModelOptions = {},
): Promise<LoadedModel> {
  let parsed: ModelConfig | null;
  try {
    parsed =
      options.config != null
        ? normalizeModelConfig(options.config, { modelName: source.name })
        : await readConfig(source);
  } catch (err) {
    throw loadError(source.name, (err as Error).message, err);
  }
  if (parsed === null && ctx.strictModelConfig) {
    throw loadError(source.name, 'config.pbtxt is missing and --strict-model-config is true');
  }
  let config = parsed ?? normalizeModelConfig({ name: source.name }, { modelName: source.name });

  const available = await listVersions(source.dir);
  const served = selectVersions(available, config.version_policy);
  if (served.length === 0) {
    throw loadError(
      source.name,
      available.length === 0
        ? 'no version directory found (a numbered directory such as 1/ holding the model file)'
        : `the version policy selects none of the available versions [${available.join(', ')}]`,
    );
  }
  if (config.default_model_filename !== '') {
    const problem = relativePathProblem(config.default_model_filename);
    if (problem !== null) {
      throw loadError(
        source.name,
        `default_model_filename must be a relative path inside the version directory: received ${JSON.stringify(config.default_model_filename)} (${problem})`,
      );
    }
  }
  if (isEnsemble(config)) return loadEnsemble(source, config, served, ctx);
  const versionDirs = served.map((v) => join(source.dir, String(v)));
  const backend = pickBackend(config, source, versionDirs, ctx);
  if (config.default_model_filename === '') {
    config = { ...config, default_model_filename: backend.defaultModelFilename };
  }
  const latest = served[served.length - 1]!;
  const bls = modelCaller(ctx);
  const contextFor = (
    version: number,
    cfg: ModelConfig,
    instanceName: string,
    count: number,
    kind: InstanceContext['kind'] = 'KIND_CPU',
    deviceId = -1,
  ): InstanceContext => ({
    modelName: source.name,
    version,
    modelDir: source.dir,
    versionDir: join(source.dir, String(version)),
    modelPath: join(source.dir, String(version), cfg.default_model_filename),
    config: cfg,
    instanceName,
    kind,
    deviceId,
    instanceCount: count,
    logger: backendLogger(ctx, source.name),
    bls,
    repositoryDir: source.repository,
  });

  for (const [i, dir] of versionDirs.entries()) {
    try {
      await confinedFile(dir, config.default_model_filename, 'default_model_filename');
    } catch (err) {
      throw loadError(source.name, `version ${served[i]}: ${(err as Error).message}`, err);
    }
  }

  // Complete the config from the model file (in a worker), as Triton's ORT backend does.
  let numericText: ReadonlyMap<string, NumericText> = new Map();
  try {
    const metadata = await backend.inspect(contextFor(latest, config, `${source.name}_inspect`, 1));
    numericText = new Map(
      metadata.inputs.flatMap((i) => (i.numericText === undefined ? [] : [[i.name, i.numericText] as const])),
    );
    // A model that completes its own config (a JS model's autoCompleteConfig) replaces it first.
    if (metadata.config !== undefined) {
      config = normalizeModelConfig(metadata.config, { modelName: source.name });
    }
    const completed = autoCompleteConfig(config, metadata, {
      backend,
      defaultMaxBatchSize: ctx.defaultMaxBatchSize,
      strict: ctx.strictModelConfig,
    });
    config = completed.config;
    if (completed.completed.length > 0) {
      ctx.logger.logInfo(
        `Auto-completed config of '${source.name}' from its model file: ${completed.completed.join(', ')}`,
      );
    }
  } catch (err) {
    if (isLoadError(err)) throw err;
    throw loadError(source.name, (err as Error).message, err);
  }
  try {
    config = validateModelConfig(config, { modelName: source.name });
  } catch (err) {
    throw loadError(source.name, (err as Error).message, err);
  }

  const labels = await readLabels(source, config);
  const plan = new ModelPlan(config, labels, numericText);
  let schedulerFactory: ReturnType<SchedulerRegistry['resolve']>;
  try {
    schedulerFactory = ctx.schedulers.resolve(config);
  } catch (err) {
    throw loadError(source.name, (err as Error).message, err);
  }

  const versions: ModelVersion[] = [];
  const started: ModelVersion[] = [];
  try {
    for (const version of served) {
      const kept = options.reuse?.get(version);
      if (kept !== undefined) {
        versions.push(kept);
        continue;
      }
      const loaded = await loadVersion(
        source,
        version,
        config,
        plan,
        backend,
        schedulerFactory,
        ctx,
        contextFor,
      );
      started.push(loaded);
      versions.push(loaded);
    }
  } catch (err) {
    await Promise.all(started.map((v) => v.unload()));
    if (isLoadError(err)) throw err;
    throw loadError(source.name, (err as Error).message, err);
  }
  return { config, versions };
}

/**
 * Loads an ensemble: no backend and no instances; its versions share the validated config and
 * run on the ensemble scheduler, which submits each step through `ctx.infer`.
 */
async function loadEnsemble(
  source: ModelSource,
  parsed: ModelConfig,
  served: number[],
  ctx: LoaderContext,
): Promise<LoadedModel> {
  let config: ModelConfig;
  try {
    config = validateModelConfig(parsed, { modelName: source.name });
    if (ctx.isModelReady !== undefined) checkComposingModels(config, ctx.isModelReady);
  } catch (err) {
    throw loadError(source.name, (err as Error).message, err);
  }
  const plan = new ModelPlan(config, await readLabels(source, config));
  let factory: ReturnType<SchedulerRegistry['resolve']>;
  try {
    factory = ctx.schedulers.resolve(config);
  } catch (err) {
    throw loadError(source.name, (err as Error).message, err);
  }
  const versions = served.map((version) => {
    const pool = new InstancePool(
      [],
      () => Promise.reject(new Error('an ensemble has no instances')),
      ctx.logger,
    );
    return servableVersion(source, version, config, plan, pool, factory, ctx);
  });
  return { config, versions };
}

/** Reads the label files named by the outputs' `label_filename`. */
async function readLabels(source: ModelSource, config: ModelConfig): Promise<Map<string, string[]>> {
  const labels = new Map<string, string[]>();
  for (const [i, output] of config.output.entries()) {
    if (output.label_filename === '') continue;
    const field = `output[${i}].label_filename`;
    try {
      const path = await confinedFile(source.dir, output.label_filename, field);
      const text = await readFile(path, 'utf8');
      labels.set(
        output.name,
        text.split(/\r?\n/).filter((line, i, all) => line !== '' || i < all.length - 1),
      );
    } catch (err) {
      const why =
        err instanceof ConfinedFileError ? err.message : `${field} cannot be read (${errnoCode(err)})`;
      throw loadError(source.name, `label file of output '${output.name}': ${why}`, err);
    }
  }
  return labels;
}

async function loadVersion(
  source: ModelSource,
  version: number,
  config: ModelConfig,
  plan: ModelPlan,
  backend: Backend,
  schedulerFactory: ReturnType<SchedulerRegistry['resolve']>,
  ctx: LoaderContext,
  contextFor: (
    version: number,
    cfg: ModelConfig,
    instanceName: string,
    count: number,
    kind: InstanceContext['kind'],
    deviceId: number,
  ) => InstanceContext,
): Promise<ModelVersion> {
  // One entry per instance: Triton names them `<group name>_<index>`; KIND_GPU makes one per
  // listed GPU (device 0 when none are listed), KIND_AUTO and KIND_CPU run on the CPU.
  const slots: { name: string; kind: InstanceContext['kind']; deviceId: number }[] = [];
  config.instance_group.forEach((group, g) => {
    const groupName = group.name || `${source.name}_${g}`;
    const kind: InstanceContext['kind'] =
      group.kind === 'KIND_GPU' ? 'KIND_GPU' : group.kind === 'KIND_MODEL' ? 'KIND_MODEL' : 'KIND_CPU';
    const devices = kind === 'KIND_GPU' ? (group.gpus.length > 0 ? group.gpus : [0]) : [-1];
    for (const device of devices) {
      for (let i = 0; i < group.count; i++)
        slots.push({ name: `${groupName}_${slots.length}`, kind, deviceId: device });
    }
  });
  if (slots.length === 0) throw invalidArg('ERR_INVALID_CONFIG', 'instance_group has no instances');
  const budget = ctx.instanceBudget;
  budget?.reserve(source.name, slots.length);
  const release = budget === undefined ? null : () => budget.release(slots.length);
  const create = (index: number): Promise<BackendInstance> => {
    const slot = slots[index]!;
    return backend.createInstance(
      contextFor(version, config, slot.name, slots.length, slot.kind, slot.deviceId),
    );
  };
  const names = slots.map((s) => s.name);
  const settled = await Promise.allSettled(names.map((_, i) => create(i)));
  const failed = settled.find((s) => s.status === 'rejected') as PromiseRejectedResult | undefined;
  if (failed !== undefined) {
    await Promise.all(settled.map((s) => (s.status === 'fulfilled' ? s.value.close() : Promise.resolve())));
    release?.();
    throw failed.reason;
  }
  const instances = settled.map((s) => (s as PromiseFulfilledResult<BackendInstance>).value);
  const pool = new InstancePool(instances, create, ctx.logger);
  try {
    return servableVersion(
      source,
      version,
      config,
      plan,
      pool,
      schedulerFactory,
      ctx,
      release,
      backend.implicitState,
    );
  } catch (err) {
    // A scheduler that cannot be built (bad sequence state, say) must not leave workers running.
    await pool.close();
    release?.();
    throw err;
  }
}

/** Wraps a version's instances in its scheduler and statistics: the last step of every load path. */
function servableVersion(
  source: ModelSource,
  version: number,
  config: ModelConfig,
  plan: ModelPlan,
  pool: InstancePool,
  factory: ReturnType<SchedulerRegistry['resolve']>,
  ctx: LoaderContext,
  onReleased: (() => void) | null = null,
  implicitState = false,
): ModelVersion {
  const versionString = String(version);
  const reporter = new ModelReporter({
    modelName: source.name,
    versionString,
    clock: ctx.clock,
    observer: ctx.observer,
  });
  const scheduler = factory.create({
    modelName: source.name,
    versionString,
    config,
    plan,
    pool,
    reporter,
    clock: ctx.clock,
    logger: ctx.logger,
    infer: ctx.infer,
    modelDir: source.dir,
    implicitState,
  });
  return new ModelVersion(
    source.name,
    version,
    config,
    plan,
    pool,
    scheduler,
    reporter,
    factory.name,
    onReleased,
  );
}
