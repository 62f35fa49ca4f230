/**
 * The InferenceServer facade: the only surface frontends use. It routes requests to the right
 * version's scheduler and answers health, metadata, config, statistics and repository queries
 * in the protocol's JSON shapes; loading, reloading and unloading models (control modes, the
 * repository API) is delegated to the ModelManager of model-management/.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BackendRegistry, createDefaultBackendRegistry } from '../backends/index.js';
import type { TimerFactory } from '../common/index.js';
import {
  type Clock,
  Logger,
  notFound,
  ServerError,
  Status,
  systemClock,
  unavailable,
} from '../common/index.js';
import type { ModelConfig } from '../protocol/index.js';
import type { ResponseCache } from './cache/index.js';
import { CachedInference } from './cache/index.js';
import { defaultSchedulerFactory } from './default-scheduler.js';
import { dynamicBatcherFactory } from './dynamic-batcher.js';
import { ensembleSchedulerFactory } from './ensemble/index.js';
import { generationSchedulerFactory } from './generation/index.js';
import { type InferenceRequest, RequestState } from './inference-request.js';
import { InstanceBudget } from './instance-budget.js';
import type { LoaderContext } from './model-loader.js';
import {
  type LoadParameterValue,
  type ModelControlMode,
  type ModelEntry,
  ModelManager,
  type ModelState,
} from './model-management/index.js';
import type { ModelStatisticsJson } from './model-statistics.js';
import type { ModelVersion } from './model-version.js';
import type { RequestObserver } from './request-observer.js';
import { validateRequest } from './request-validator.js';
import { type GenerationLoad, SchedulerRegistry } from './scheduler.js';
import { sequenceBatcherFactory } from './sequence/index.js';
import { checkServerOptions } from './server-options-check.js';
import { SharedMemoryManager } from './shared-memory/index.js';
import type { TraceConfig, TraceSettingUpdate } from './trace/index.js';
import { Tracer } from './trace/index.js';
import { traceAdmitted } from './trace-hooks.js';

/** Reads the version from the nearest package.json above this module (works from src/ and dist/). */
function readPackageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'nereid' && pkg.version !== undefined) return pkg.version;
    }
    dir = dirname(dir);
  }
  return '0.0.0';
}

/** Nereid's version, from package.json. */
export const NEREID_VERSION: string = readPackageVersion();

export type { LoadParameterValue, ModelControlMode, ModelState } from './model-management/index.js';

/** Options of an InferenceServer. */
export interface InferenceServerOptions {
  /** Model repository directories (`--model-repository`, repeatable). */
  modelRepositories: string[];
  /** Server id reported in metadata (`--id`); default 'nereid'. */
  id?: string;
  /** Refuse to complete configs from model files; default false (Triton's behaviour). */
  strictModelConfig?: boolean;
  /** Fail startup when any model fails to load; default false. */
  exitOnError?: boolean;
  /** How models load after startup (`--model-control-mode`): none, poll or explicit; default 'none'. */
  modelControlMode?: ModelControlMode;
  /** Models to load at startup in explicit mode (`--load-model`, `*` = all); default none. */
  startupModels?: string[];
  /** Seconds between repository polls in poll mode (`--repository-poll-secs`); 0 = never; default 15. */
  repositoryPollSecs?: number;
  /** Ready only when every model that should be loaded is READY (`--strict-readiness`); default true. */
  strictReadiness?: boolean;
  /** Timer of the repository poller; default setTimeout-based (tests pass ManualTimers). */
  timerFactory?: TimerFactory;
  /** max_batch_size for auto-completed batching models; default 4. */
  defaultMaxBatchSize?: number;
  /** Backends; default ONNX Runtime (+ whatever the registry has). */
  backends?: BackendRegistry;
  /** Scheduling policies; default: the default scheduler, the dynamic, sequence and ensemble schedulers and the generation scheduler. */
  schedulers?: SchedulerRegistry;
  /** Time source; default the process clock. */
  clock?: Clock;
  /** Server log; default a stderr logger. */
  logger?: Logger;
  /** Metrics hook; default none. */
  observer?: RequestObserver | null;
  /** Extension names to advertise in server metadata (frontends add theirs). */
  extensions?: string[];
  /** Response cache for models with `response_cache.enable` (`--cache-config`); closed at shutdown; default none. */
  cache?: ResponseCache | null;
  /** Let clients register and use system shared-memory regions (`--allow-client-shm`); default false. */
  allowClientShm?: boolean;
  /** Most registered shared-memory regions (`--max-shared-memory-regions`); default 256. */
  maxSharedMemoryRegions?: number;
  /** Most models loading at once (`--model-load-thread-count`); default 4. */
  modelLoadConcurrency?: number;
  /** Most instances of one model version (`--max-instances-per-model`); default 4 per core, at least 16. */
  maxInstancesPerModel?: number;
  /** Most instances across the server (`--max-total-instances`); default 16 per core, at least 64. */
  maxTotalInstances?: number;
  /** Request tracing (`--trace-config`); default off, Triton's defaults (docs/trace.md). */
  trace?: TraceConfig;
}

/** Queue length and executing requests of one ready model version (the scrape-time gauges). */
export interface ModelPendingCount {
  /** Model name. */
  model: string;
  /** Version as a decimal string. */
  version: string;
  /** Requests accepted and waiting to execute (`nv_inference_pending_request_count`). */
  pending: number;
  /** Requests executing now; pending + executing is `nereid_inference_inflight_requests`. */
  executing: number;
  /** Sequences running and waiting and slots in use, for generation models only. */
  generation?: GenerationLoad;
}

/** Row of the repository index. */
export interface RepositoryIndexEntry {
  name: string;
  version?: string;
  state: ModelState;
  reason: string;
}

/** Tensor metadata in model metadata. */
export interface TensorMetadataJson {
  name: string;
  datatype: string;
  shape: number[];
}

/** `GET /v2/models/{m}` body. */
export interface ModelMetadataJson {
  name: string;
  versions: string[];
  platform: string;
  inputs: TensorMetadataJson[];
  outputs: TensorMetadataJson[];
}

/** The extensions every build of the core supports, as Triton names them. */
const CORE_EXTENSIONS = [
  'classification',
  'sequence',
  'model_repository',
  'model_repository(unload_dependents)',
  'schedule_policy',
  'model_configuration',
  'binary_tensor_data',
  'parameters',
  'statistics',
  'trace',
  'logging',
];

/** The server core. */
export class InferenceServer {
  /** Server id (metadata `name`). */
  readonly id: string;
  /** Server version. */
  readonly version = NEREID_VERSION;
  /** Server log. */
  readonly logger: Logger;
  /** Time source. */
  readonly clock: Clock;
  private readonly options: InferenceServerOptions;
  /** Loads, reloads and unloads models; owns each model's entry. */
  private readonly manager: ModelManager;
  private readonly loader: LoaderContext;
  private readonly extensions: string[];
  private live = false;
  private stopping = false;
  /** The cache step of cache-enabled models, or null without a cache. */
  private readonly cached: CachedInference | null;
  /** Registered shared-memory regions (the system and CUDA shared-memory extensions). */
  readonly sharedMemory: SharedMemoryManager;
  /** Request tracing (the trace extension); frontends sample requests through it. */
  readonly tracer: Tracer;

  private constructor(options: InferenceServerOptions) {
    checkServerOptions(options);
    this.options = options;
    this.id = options.id ?? 'nereid';
    this.logger = options.logger ?? new Logger();
    this.clock = options.clock ?? systemClock;
    this.tracer = new Tracer({
      ...options.trace,
      clock: this.clock,
      logger: this.logger,
      version: NEREID_VERSION,
    });
    this.extensions = [...new Set([...CORE_EXTENSIONS, ...(options.extensions ?? [])])];
    this.sharedMemory = new SharedMemoryManager({
      enabled: options.allowClientShm ?? false,
      maxRegions: options.maxSharedMemoryRegions,
    });
    if (this.sharedMemory.enabled) this.extensions.push('system_shared_memory');
    this.loader = {
      backends: options.backends ?? createDefaultBackendRegistry(),
      schedulers:
        options.schedulers ??
        new SchedulerRegistry()
          .register(defaultSchedulerFactory)
          .register(dynamicBatcherFactory)
          .register(ensembleSchedulerFactory)
          .register(sequenceBatcherFactory)
          .register(generationSchedulerFactory),
      strictModelConfig: options.strictModelConfig ?? false,
      defaultMaxBatchSize: options.defaultMaxBatchSize ?? 4,
      clock: this.clock,
      logger: this.logger,
      observer: options.observer ?? null,
      infer: (request) => this.infer(request),
      traceChild: (parentId, model) => this.tracer.child(parentId, model),
      // An ensemble's steps need to be loaded, not healthy: one restarting must not fail its load.
      isModelReady: (name, version) => this.isModelLoaded(name, version),
      instanceBudget: new InstanceBudget({
        maxPerModel: options.maxInstancesPerModel,
        maxTotal: options.maxTotalInstances,
      }),
    };
    this.cached = options.cache == null ? null : new CachedInference(options.cache, this.clock, this.logger);
    this.manager = new ModelManager({
      roots: options.modelRepositories,
      mode: options.modelControlMode,
      startupModels: options.startupModels,
      pollSecs: options.repositoryPollSecs,
      exitOnError: options.exitOnError,
      loadConcurrency: options.modelLoadConcurrency,
      loader: this.loader,
      logger: this.logger,
      clock: this.clock,
      timerFactory: options.timerFactory,
    });
  }

  /**
   * Creates a server and loads the startup models of its control mode (every model in `none`
   * and `poll`, the `startupModels` in `explicit`). A model that fails to load is UNAVAILABLE
   * with its reason; with `exitOnError` the first failure rejects instead.
   */
  static async start(options: InferenceServerOptions): Promise<InferenceServer> {
    const server = new InferenceServer(options);
    try {
      await server.tracer.start();
      await server.manager.start();
    } catch (err) {
      await server.shutdown();
      throw err;
    }
    server.live = true;
    return server;
  }

  /** The model control mode (`--model-control-mode`). */
  get modelControlMode(): ModelControlMode {
    return this.manager.mode;
  }

  /**
   * Loads or reloads a model (repository extension; explicit mode only). Parameters are the
   * request's: `config` (JSON text) and `file:<path>` contents. A serving model keeps serving
   * until the new versions are ready, then switches at once; no request fails.
   * @throws ServerError with Triton's texts ("explicit model load / unload is not allowed ...", "failed to load ...")
   */
  loadModel(name: string, parameters: Readonly<Record<string, LoadParameterValue>> = {}): Promise<void> {
    if (this.stopping) return Promise.reject(unavailable('ERR_SHUTTING_DOWN', 'Server is shutting down'));
    return this.manager.load(name, parameters);
  }

  /**
   * Unloads a model (explicit mode only): new requests fail at once, requests already admitted
   * finish, then its instances (workers, ORT sessions) are released. With `unloadDependents`,
   * models loaded only as its ensemble steps are unloaded too.
   */
  unloadModel(name: string, unloadDependents = false): Promise<void> {
    if (this.stopping) return Promise.reject(unavailable('ERR_SHUTTING_DOWN', 'Server is shutting down'));
    return this.manager.unload(name, unloadDependents);
  }

  /** Adds extension names to server metadata (frontends call this for what they serve). */
  addExtensions(names: readonly string[]): void {
    for (const n of names) if (!this.extensions.includes(n)) this.extensions.push(n);
  }

  /** Whether the server is live. */
  isLive(): boolean {
    return this.live && !this.stopping;
  }

  /**
   * Whether the server is ready: live and, with strict readiness (the default), every model that
   * should be loaded is READY (models being loaded through the API or unloaded do not count) and
   * no loaded version has an instance being replaced after a crash or an execution timeout.
   */
  isReady(): boolean {
    if (!this.isLive()) return false;
    if (this.options.strictReadiness === false) return true;
    if (!this.manager.allWantedReady()) return false;
    for (const entry of this.manager.allEntries()) {
      for (const mv of entry.versions.values()) if (!mv.pool.healthy) return false;
    }
    return true;
  }

  /** `GET /v2` body. */
  serverMetadata(): { name: string; version: string; extensions: string[] } {
    return { name: this.id, version: this.version, extensions: [...this.extensions] };
  }

  /**
   * The ready version named by `version` ('' = latest ready).
   * @throws ServerError NOT_FOUND with Triton's "Request for unknown model" texts; UNAVAILABLE when not ready
   */
  getModel(name: string, version = ''): ModelVersion {
    const entry = this.manager.entry(name);
    if (entry === undefined || entry.state === 'UNKNOWN')
      throw notFound('ERR_UNKNOWN_MODEL', `Request for unknown model: '${name}' is not found`);
    if (version === '' || version === '-1') {
      if (entry.latest === null) {
        throw unavailable(
          'ERR_MODEL_UNAVAILABLE',
          `Request for unknown model: '${name}' has no available versions${entry.reason ? `: ${entry.reason}` : ''}`,
        );
      }
      return entry.latest;
    }
    if (!/^[0-9]+$/.test(version)) {
      throw new ServerError(
        Status.INVALID_ARG,
        'ERR_BAD_VERSION',
        `failed to get model version from specified version string '${version}'`,
      );
    }
    const found = entry.versions.get(Number(version));
    if (found === undefined) {
      throw notFound(
        'ERR_UNKNOWN_MODEL',
        `Request for unknown model: '${name}' version ${version} is not found`,
      );
    }
    return found;
  }

  /**
   * Whether the model (version) is ready: loaded, and none of its instances is being replaced
   * after a crash or an execution timeout (as Triton asks each instance, TRITONBACKEND_ModelInstanceReady).
   */
  isModelReady(name: string, version = ''): boolean {
    try {
      return this.getModel(name, version).pool.healthy;
    } catch {
      return false;
    }
  }

  /** Whether the model (version) is loaded and serving, whatever its instances' health. */
  private isModelLoaded(name: string, version: string): boolean {
    try {
      this.getModel(name, version);
      return true;
    } catch {
      return false;
    }
  }

  /** `GET /v2/models/{m}[/versions/{v}]` body. */
  modelMetadata(name: string, version = ''): ModelMetadataJson {
    const mv = this.getModel(name, version);
    const entry = this.manager.entry(name)!;
    const versions =
      version === '' ? [...entry.versions.keys()].sort((a, b) => a - b).map(String) : [mv.versionString];
    return {
      name,
      versions,
      platform: mv.config.platform || mv.config.backend,
      inputs: mv.plan.inputs.map((i) => ({ name: i.name, datatype: i.datatype, shape: [...i.clientShape] })),
      outputs: mv.plan.outputs.map((o) => ({
        name: o.name,
        datatype: o.datatype,
        shape: [...o.clientShape],
      })),
    };
  }

  /** The model's config in Triton's JSON form. */
  modelConfig(name: string, version = ''): ModelConfig {
    return this.getModel(name, version).config;
  }

  /**
   * Admits a request: finds the model, validates the request and queues it. The response (or
   * error) reaches `request.sink` exactly once (decoupled: until a final response).
   * @throws ServerError when the request is not admitted; then nothing reaches the sink
   */
  infer(request: InferenceRequest): void {
    if (request.arrivalNs < 0) request.arrivalNs = this.clock.nowNs();
    if (this.stopping) throw unavailable('ERR_SHUTTING_DOWN', 'Server is shutting down');
    const mv = this.getModel(request.modelName, request.modelVersion);
    try {
      validateRequest(request, mv.plan);
      if (request.trace !== null) traceAdmitted(request.trace, request, mv.versionString, this.clock);
      const scheduler = mv.scheduler;
      if (scheduler.prepare !== undefined) scheduler.prepare(request);
      if (this.cached !== null && mv.config.response_cache.enable) {
        const salt = scheduler.cacheSalt === undefined ? '' : scheduler.cacheSalt(request);
        if (salt === null) scheduler.enqueue(request);
        else this.cached.admit(request, mv, salt);
      } else scheduler.enqueue(request);
    } catch (err) {
      const end = this.clock.nowNs();
      mv.reporter.failed(
        err instanceof ServerError && err.status === Status.UNAVAILABLE ? 'REJECTED' : 'OTHER',
        end - request.arrivalNs,
      );
      throw err;
    }
  }

  /**
   * Cancels a request whose client went away. A queued request is removed and never runs
   * (true is returned; the caller answers it). A running one is stopped when its scheduler can
   * stop it (a generation sequence ends within one decode step and is answered CANCELLED);
   * otherwise it finishes and its answer is dropped.
   */
  cancel(request: InferenceRequest): boolean {
    request.cancelled = true;
    if (request.state !== RequestState.QUEUED && request.state !== RequestState.EXECUTING) return false;
    const entry = this.manager.entry(request.modelName);
    if (entry === undefined) return false;
    for (const mv of entry.versions.values()) if (mv.scheduler.cancel(request)) return true;
    return false;
  }

  /** Requests waiting in and executing from each ready version's scheduler (and generation load), read when metrics are scraped. */
  pendingCounts(): ModelPendingCount[] {
    const rows: ModelPendingCount[] = [];
    for (const entry of this.manager.allEntries()) {
      for (const mv of entry.versions.values()) {
        const scheduler = mv.scheduler;
        const row: ModelPendingCount = {
          model: mv.name,
          version: mv.versionString,
          pending: scheduler.pendingCount,
          executing: scheduler.executingCount,
        };
        if (scheduler.generationLoad !== undefined) row.generation = scheduler.generationLoad();
        rows.push(row);
      }
    }
    return rows;
  }

  /** `GET /v2/models[/{m}[/versions/{v}]]/stats` body. */
  statistics(name = '', version = ''): { model_stats: ModelStatisticsJson[] } {
    if (name === '') {
      const all: ModelStatisticsJson[] = [];
      for (const entry of sortedEntries(this.manager.allEntries())) {
        for (const mv of [...entry.versions.values()].sort((a, b) => a.version - b.version)) {
          all.push(mv.stats.toJson(mv.name, mv.versionString));
        }
      }
      return { model_stats: all };
    }
    if (version === '') {
      const entry = this.manager.entry(name);
      if (entry === undefined || entry.versions.size === 0) this.getModel(name);
      return {
        model_stats: [...entry!.versions.values()]
          .sort((a, b) => a.version - b.version)
          .map((mv) => mv.stats.toJson(mv.name, mv.versionString)),
      };
    }
    const mv = this.getModel(name, version);
    return { model_stats: [mv.stats.toJson(mv.name, mv.versionString)] };
  }

  /**
   * `POST /v2/repository/index` body: every model in the repositories or known to the server,
   * one row per serving version; models never loaded are UNKNOWN.
   */
  repositoryIndex(readyOnly = false): RepositoryIndexEntry[] {
    return this.manager.index(readyOnly);
  }

  /** Finishes in-flight and queued requests, then releases every instance. */
  async shutdown(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    await this.manager.shutdown('unloaded: server stopped');
    await this.cached?.cache.close();
    this.sharedMemory.close();
    await this.tracer.close();
  }

  /**
   * The trace setting in force (Triton's JSON form: values as strings), globally (model '') or
   * for `model`.
   * @throws ServerError NOT_FOUND / UNAVAILABLE for a model that is not loaded
   */
  traceSettings(model = ''): Record<string, string | string[]> {
    if (model !== '') this.getModel(model);
    return this.tracer.settings(model);
  }

  /**
   * Changes the trace setting globally (model '') or for `model` and returns the one now in force.
   * @throws ServerError NOT_FOUND / UNAVAILABLE for a model that is not loaded; INVALID_ARG for a
   *   setting that cannot trace (see Tracer.update)
   */
  updateTraceSettings(model: string, update: TraceSettingUpdate): Record<string, string | string[]> {
    if (model !== '') this.getModel(model);
    return this.tracer.update(model, update);
  }
}

/** Entries sorted by model name. */
function sortedEntries(entries: Iterable<ModelEntry>): ModelEntry[] {
  return [...entries].sort((a, b) => a.name.localeCompare(b.name));
}
