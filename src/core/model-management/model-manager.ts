/**
 * Loads, reloads and unloads models while the server serves, following the model control mode:
 * `none` loads everything once, `poll` also applies repository changes every interval, and
 * `explicit` loads `--load-model` names and then whatever the repository API asks. A reload
 * builds and warms the new versions while the old ones serve, swaps them in at once, then
 * drains and releases the old ones, so no request fails. Operations on one model run one at a
 * time; different models load concurrently. Routing requests is the InferenceServer's job.
 */
import type { Clock, Logger, TimerFactory } from '../../common/index.js';
import { AsyncPermits, checkModelName, quoteModelName, ServerError, Status } from '../../common/index.js';
import type { PartialModelConfig } from '../../config/index.js';
import { isEnsembleSource } from '../ensemble/index.js';
import { type LoaderContext, loadModel } from '../model-loader.js';
import { type ModelSource, type RepositoryScan, scanRepositories } from '../model-repository.js';
import type { ModelVersion } from '../model-version.js';
import {
  type LoadOverrides,
  type LoadParameterValue,
  parseLoadParameters,
  removeStagedModel,
  type StagedModel,
  stageOverrideFiles,
  sweepStaleOverrideCopies,
} from './load-overrides.js';
import { controlDisabledError, type ModelControlMode } from './model-control-mode.js';
import { type CompletedLoad, ModelEntry } from './model-entry.js';
import { fingerprintModel, type ModelFingerprint, sameFingerprint } from './model-fingerprint.js';
import { composingModelNames, findModelSource, listModelNames } from './model-sources.js';
import { redactServerError } from './redact-paths.js';
import { RepositoryPoller } from './repository-poller.js';
import { runWarmup } from './warmup-runner.js';

/** Options of a ModelManager. */
export interface ModelManagerOptions {
  /** Repository roots. */
  readonly roots: readonly string[];
  /** Model control mode; default 'none'. */
  readonly mode?: ModelControlMode;
  /** `--load-model` names for explicit mode (`*` = all); default none. */
  readonly startupModels?: readonly string[];
  /** Seconds between polls in poll mode; 0 disables polling; default 15. */
  readonly pollSecs?: number;
  /** Fail start() when a model that should load does not; default false. */
  readonly exitOnError?: boolean;
  /** Most models loading at once (`--model-load-thread-count`); default 4, Triton's. */
  readonly loadConcurrency?: number;
  /** What loading needs from the server. */
  readonly loader: LoaderContext;
  /** Server log. */
  readonly logger: Logger;
  /** Time source. */
  readonly clock: Clock;
  /** Timer of the poller; default setTimeout-based. */
  readonly timerFactory?: TimerFactory;
}

/** Default most models loading at once: Triton's `--model-load-thread-count` default. */
export const DEFAULT_MODEL_LOAD_CONCURRENCY = 4;

/** Row of the repository index. */
export interface RepositoryIndexRow {
  /** Model name. */
  name: string;
  /** Version, for a model with serving versions. */
  version?: string;
  /** UNKNOWN, READY, UNAVAILABLE, LOADING or UNLOADING. */
  state: ModelEntry['state'];
  /** Why the model is not READY. */
  reason: string;
}

/** A load failure as the client sees it: a ServerError whose text holds no path above `repository`. */
function failure(model: string, err: unknown, repository: string): ServerError {
  const error =
    err instanceof ServerError
      ? err
      : new ServerError(
          Status.INVALID_ARG,
          'ERR_MODEL_LOAD',
          `failed to load '${model}': ${(err as Error).message}`,
          {
            cause: err,
          },
        );
  return redactServerError(error, repository);
}

/** The model lifecycle of one server. */
export class ModelManager {
  /** The control mode. */
  readonly mode: ModelControlMode;
  private readonly options: ModelManagerOptions;
  private readonly entries = new Map<string, ModelEntry>();
  private readonly poller: RepositoryPoller | null;
  private readonly reportedInvalid = new Set<string>();
  /** Bounds the models loading at once (`--model-load-thread-count`). */
  private readonly loadPermits: AsyncPermits;
  private stopped = false;

  constructor(options: ModelManagerOptions) {
    this.options = options;
    this.mode = options.mode ?? 'none';
    this.loadPermits = new AsyncPermits(options.loadConcurrency ?? DEFAULT_MODEL_LOAD_CONCURRENCY);
    this.poller =
      this.mode === 'poll'
        ? new RepositoryPoller(this, {
            intervalSecs: options.pollSecs ?? 15,
            clock: options.clock,
            logger: options.logger,
            timerFactory: options.timerFactory,
          })
        : null;
  }

  /** The entry of `name`, if the server has seen that model. */
  entry(name: string): ModelEntry | undefined {
    return this.entries.get(name);
  }

  /** Every entry, in no particular order. */
  allEntries(): IterableIterator<ModelEntry> {
    return this.entries.values();
  }

  /** Loads the startup models of the mode and, in poll mode, starts polling. */
  async start(): Promise<void> {
    const scan = await scanRepositories(this.options.roots);
    this.reportInvalid(scan);
    if (this.mode === 'explicit') {
      const swept = await sweepStaleOverrideCopies();
      if (swept > 0) this.options.logger.logInfo(`Removed ${swept} override copies left by earlier servers`);
    }
    for (const dup of scan.duplicates) {
      const entry = this.entryFor(dup.name);
      entry.refuse(`model '${dup.name}' appears in multiple repositories: ${dup.repositories.join(', ')}`);
      this.options.logger.logError(entry.reason);
      if (this.options.exitOnError) throw new ServerError(Status.INVALID_ARG, 'ERR_MODEL_LOAD', entry.reason);
    }
    let sources = scan.models;
    const wanted = this.options.startupModels ?? [];
    if (this.mode === 'explicit' && !wanted.includes('*')) {
      sources = [];
      for (const name of wanted) {
        try {
          sources.push(findModelSource(this.options.roots, name));
        } catch (err) {
          const entry = this.entryFor(name);
          entry.want();
          entry.refuse((err as Error).message);
          this.options.logger.logError(entry.reason);
        }
      }
    }
    await this.loadPhased(sources);
    if (this.options.exitOnError) {
      const failed = [...this.entries.values()].find((e) => e.wanted && e.state !== 'READY');
      if (failed !== undefined) throw new ServerError(Status.INVALID_ARG, 'ERR_MODEL_LOAD', failed.reason);
    }
    this.poller?.start();
  }

  /**
   * Loads or reloads `name` through the repository API (explicit mode only).
   * @throws ServerError with Triton's texts: refusal outside explicit mode, "failed to load ..."
   */
  async load(name: string, parameters: Readonly<Record<string, LoadParameterValue>> = {}): Promise<void> {
    if (this.mode !== 'explicit') throw controlDisabledError();
    checkModelName(name);
    const overrides = parseLoadParameters(name, parameters);
    const source: ModelSource =
      overrides !== null && overrides.files.size > 0
        ? { name, repository: '', dir: '' }
        : findModelSource(this.options.roots, name);
    const entry = this.entryFor(name);
    try {
      await this.loadEntry(entry, source, overrides, new Set());
      entry.want();
    } catch (err) {
      if (!entry.serving) entry.unwant();
      throw err;
    }
  }

  /**
   * Unloads `name` through the repository API (explicit mode only): waits for its requests to
   * finish and releases its instances. Ensembles that call it stop too; with
   * `unloadDependents`, models loaded only as its ensemble steps are unloaded as well.
   */
  async unload(name: string, unloadDependents = false): Promise<void> {
    if (this.mode !== 'explicit') throw controlDisabledError();
    checkModelName(name);
    await this.unloadCascade(name, 'unloaded', unloadDependents);
  }

  /** One poll: loads added models, reloads changed ones, unloads removed ones. */
  async poll(): Promise<void> {
    if (this.stopped) return;
    const scan = await scanRepositories(this.options.roots);
    this.reportInvalid(scan);
    const present = new Set(scan.models.map((s) => s.name));
    for (const entry of [...this.entries.values()]) {
      if (present.has(entry.name) || (!entry.serving && !entry.wanted)) continue;
      await this.unloadCascade(entry.name, 'unloaded: removed from the model repository', false);
    }
    const changed: ModelSource[] = [];
    for (const source of scan.models) {
      const entry = this.entries.get(source.name);
      if (entry === undefined || entry.fingerprint === null) {
        changed.push(source);
        continue;
      }
      const now = await fingerprintModel(source.dir).catch(() => null);
      if (now !== null && !sameFingerprint(entry.fingerprint, now)) changed.push(source);
    }
    await this.loadPhased(changed);
  }

  /** Rows of the repository index: every model in the repositories or known to the server. */
  index(readyOnly: boolean): RepositoryIndexRow[] {
    const names = listModelNames(this.options.roots);
    for (const name of this.entries.keys()) names.add(name);
    const rows: RepositoryIndexRow[] = [];
    for (const name of [...names].sort()) {
      const entry = this.entries.get(name);
      const state = entry?.state ?? 'UNKNOWN';
      if (readyOnly && state !== 'READY') continue;
      if (entry === undefined || !entry.serving) {
        rows.push({ name, state, reason: entry?.reason ?? '' });
        continue;
      }
      for (const v of [...entry.versions.keys()].sort((a, b) => a - b)) {
        rows.push({ name, version: String(v), state, reason: entry.reason });
      }
    }
    return rows;
  }

  /** Whether every model that should be loaded is READY (Triton's strict readiness). */
  allWantedReady(): boolean {
    for (const entry of this.entries.values()) if (entry.wanted && entry.state !== 'READY') return false;
    return true;
  }

  /** Stops polling, then drains and releases every version and removes private override copies. */
  async shutdown(reason: string): Promise<void> {
    this.stopped = true;
    await this.poller?.stop();
    await Promise.all(
      [...this.entries.values()].map(async (entry) => {
        await this.release(entry.startUnload());
        if (entry.staged !== null) await removeStagedModel(entry.staged);
        entry.close(reason);
      }),
    );
  }

  /** Logs each directory skipped for its name, once per name. */
  private reportInvalid(scan: RepositoryScan): void {
    for (const { name, problem } of scan.invalid) {
      if (this.reportedInvalid.has(name)) continue;
      this.reportedInvalid.add(name);
      this.options.logger.logWarning(
        `Skipping repository directory ${quoteModelName(name)}: it is not a valid model name (${problem})`,
      );
    }
  }

  private entryFor(name: string): ModelEntry {
    let entry = this.entries.get(name);
    if (entry === undefined) {
      entry = new ModelEntry(name);
      this.entries.set(name, entry);
    }
    return entry;
  }

  /** Loads sources as startup and polls do (wanted, by name): plain models first, then ensembles. */
  private async loadPhased(sources: readonly ModelSource[]): Promise<void> {
    const ensembles = await Promise.all(sources.map((s) => isEnsembleSource(s)));
    for (const phase of [false, true]) {
      await Promise.all(
        sources
          .filter((_, i) => ensembles[i] === phase)
          .map(async (source) => {
            const entry = this.entryFor(source.name);
            entry.want();
            await this.loadEntry(entry, source, null, new Set()).catch(() => undefined);
          }),
      );
    }
  }

  private loadEntry(
    entry: ModelEntry,
    source: ModelSource,
    overrides: LoadOverrides | null,
    loading: Set<string>,
  ): Promise<void> {
    return entry.serialize(() => this.loadNow(entry, source, overrides, loading, true));
  }

  /**
   * The body of a load, run in the entry's queue: stage overrides, read the directory, load the
   * ensemble steps, build and warm the versions, then swap them in and release the old ones.
   */
  private async loadNow(
    entry: ModelEntry,
    source: ModelSource,
    overrides: LoadOverrides | null,
    loading: Set<string>,
    explicit: boolean,
  ): Promise<void> {
    if (this.stopped) throw failure(entry.name, new Error('the server is shutting down'), '');
    if (explicit) entry.markExplicit();
    const staged = await this.stage(entry.name, overrides);
    const from: ModelSource =
      staged === null ? source : { name: entry.name, repository: staged.root, dir: staged.dir };
    const fingerprint = await this.readFingerprint(entry, from, staged);
    const plain = overrides === null;
    const sameSource = plain && !entry.overridden && entry.source?.dir === from.dir;
    const known = entry.fingerprint;
    if (sameSource && entry.serving && known !== null && sameFingerprint(known, fingerprint)) return;
    const dependencies = await composingModelNames(from, overrides?.config ?? null);
    await this.loadDependencies(entry.name, dependencies, loading);
    const reuse = sameSource ? reusableVersions(entry, fingerprint) : undefined;
    entry.startLoad();
    const startedNs = this.options.clock.nowNs();
    let loaded: Awaited<ReturnType<ModelManager['buildVersions']>>;
    try {
      loaded = await this.loadPermits.run(() =>
        this.buildVersions(entry.name, from, overrides?.config ?? null, reuse),
      );
      if (this.stopped) {
        await this.release(loaded.versions.filter((v) => reuse?.get(v.version) !== v));
        throw new Error('the server is shutting down');
      }
    } catch (err) {
      if (staged !== null) await removeStagedModel(staged);
      throw this.failed(entry, failure(entry.name, err, from.repository), plain ? fingerprint : null);
    }
    const load = { ...loaded, source: from, fingerprint, overridden: !plain, staged, dependencies };
    await this.complete(entry, load, startedNs);
  }

  /** A private copy of the file overrides of `name`, or null when there are none. */
  private async stage(name: string, overrides: LoadOverrides | null): Promise<StagedModel | null> {
    if (overrides === null || overrides.files.size === 0) return null;
    return stageOverrideFiles(name, overrides.files);
  }

  /** The fingerprint of `from`; a directory that cannot be read fails the load. */
  private async readFingerprint(
    entry: ModelEntry,
    from: ModelSource,
    staged: StagedModel | null,
  ): Promise<ModelFingerprint> {
    try {
      return await fingerprintModel(from.dir);
    } catch (err) {
      if (staged !== null) await removeStagedModel(staged);
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      throw this.failed(
        entry,
        failure(entry.name, new Error(`cannot read the model directory (${code})`), from.repository),
        null,
      );
    }
  }

  /** Loads an ensemble's steps first (as dependencies unless loaded by name elsewhere). */
  private async loadDependencies(
    name: string,
    dependencies: readonly string[],
    loading: Set<string>,
  ): Promise<void> {
    loading.add(name);
    for (const dep of dependencies) {
      const depEntry = this.entryFor(dep);
      if (depEntry.serving || loading.has(dep)) continue;
      let depSource: ModelSource;
      try {
        depSource = findModelSource(this.options.roots, dep);
      } catch {
        continue; // the ensemble's own load reports the missing step
      }
      await depEntry
        .serialize(() =>
          depEntry.serving ? Promise.resolve() : this.loadNow(depEntry, depSource, null, loading, false),
        )
        .catch(() => undefined);
    }
  }

  /** Swaps the loaded versions in (READY), logs the load, then releases what they replace. */
  private async complete(entry: ModelEntry, load: CompletedLoad, startedNs: number): Promise<void> {
    const { retired, oldStaged } = entry.finishLoad(load);
    const ms = ((this.options.clock.nowNs() - startedNs) / 1e6).toFixed(0);
    const first = load.versions[0];
    this.options.logger.logInfo(
      `${retired.length > 0 ? 'Reloaded' : 'Loaded'} model '${entry.name}' version(s) ${load.versions.map((v) => v.version).join(', ')} in ${ms} ms (${first?.schedulerName} scheduler, ${first?.pool.slots.length} instance(s))`,
    );
    await this.release(retired);
    if (oldStaged !== null) await removeStagedModel(oldStaged);
  }

  /** Loads the versions of `from` not in `reuse` and warms them up; on failure releases what it started. */
  private async buildVersions(
    name: string,
    from: ModelSource,
    config: PartialModelConfig | null,
    reuse: ReadonlyMap<number, ModelVersion> | undefined,
  ): Promise<{ versions: ModelVersion[]; config: NonNullable<ModelEntry['config']> }> {
    const loaded = await loadModel(from, this.options.loader, { config, reuse });
    const fresh = loaded.versions.filter((v) => reuse?.get(v.version) !== v);
    try {
      for (const v of fresh) {
        await runWarmup(
          v.config,
          v.plan,
          v.pool.slots.map((s) => s.instance),
          from.dir,
        );
      }
      if (this.stopped) throw new Error('the server is shutting down');
    } catch (err) {
      await this.release(fresh);
      throw failure(name, err, from.repository);
    }
    return loaded;
  }

  /**
   * Records a failed load (with a plain load's `fingerprint`): a serving model keeps serving;
   * otherwise it becomes UNAVAILABLE.
   */
  private failed(entry: ModelEntry, error: ServerError, fingerprint: ModelFingerprint | null): ServerError {
    const versions = [...entry.versions.keys()];
    if (entry.failLoad(error.message, fingerprint)) {
      this.options.logger.logError(`${error.message} (version(s) ${versions.join(', ')} keep serving)`);
    } else {
      this.options.logger.logError(error.message);
    }
    return error;
  }

  /** Unloads `name`, the ensembles that call it, and with `dependents` its implicit steps. */
  private async unloadCascade(name: string, reason: string, dependents: boolean): Promise<void> {
    const entry = this.entries.get(name);
    if (entry === undefined) return;
    const steps = entry.dependencies;
    await entry.serialize(() => this.unloadNow(entry, reason));
    for (const other of [...this.entries.values()]) {
      if (other !== entry && other.serving && other.dependencies.includes(name)) {
        await this.unloadCascade(other.name, `unloaded: composing model '${name}' was unloaded`, false);
      }
    }
    if (!dependents) return;
    for (const dep of steps) {
      const depEntry = this.entries.get(dep);
      if (depEntry === undefined || depEntry.explicit) continue;
      const used = [...this.entries.values()].some(
        (e) => e !== entry && e.serving && e.dependencies.includes(dep),
      );
      if (!used) await this.unloadCascade(dep, reason, true);
    }
  }

  /** The body of an unload: stop routing at once, drain, release. */
  private async unloadNow(entry: ModelEntry, reason: string): Promise<void> {
    entry.unwant();
    const retired = entry.startUnload();
    if (retired.length > 0) await this.release(retired);
    if (entry.staged !== null) await removeStagedModel(entry.staged);
    entry.finishUnload(reason);
  }

  /** Drains versions (their queued and running requests finish) and releases their instances. */
  private async release(versions: readonly ModelVersion[]): Promise<void> {
    await Promise.all(
      versions.map((v) =>
        v.unload().catch((err: unknown) => {
          this.options.logger.logError(
            `Failed to release model '${v.name}' version ${v.version}: ${(err as Error).message}`,
          );
        }),
      ),
    );
  }
}

/** Versions whose directory did not change, when the model-level files did not change either. */
function reusableVersions(
  entry: ModelEntry,
  now: ModelFingerprint,
): ReadonlyMap<number, ModelVersion> | undefined {
  const before = entry.fingerprint;
  if (before === null || before.modelHash !== now.modelHash || !entry.serving) return undefined;
  const keep = new Map<number, ModelVersion>();
  for (const [v, version] of entry.versions) {
    if (before.versions.get(v) === now.versions.get(v)) keep.set(v, version);
  }
  return keep;
}
