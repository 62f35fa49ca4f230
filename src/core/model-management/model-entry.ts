/**
 * One model name as the server tracks it: its lifecycle state and reason, the versions that
 * serve now, where they were loaded from, and a queue that runs its load and unload operations
 * one at a time. Everything is read-only from outside and changes only through the named
 * transitions below (ModelLifecycle checks each is legal). Swapping in new versions is one
 * synchronous assignment, so a request is routed either to the old set or to the new one.
 */
import type { ModelConfig } from '../../protocol/index.js';
import type { ModelSource } from '../model-repository.js';
import type { ModelVersion } from '../model-version.js';
import type { StagedModel } from './load-overrides.js';
import type { ModelFingerprint } from './model-fingerprint.js';
import { canTransition, ModelLifecycle, type ModelState } from './model-lifecycle.js';

export type { ModelState } from './model-lifecycle.js';

const NO_VERSIONS: ReadonlyMap<number, ModelVersion> = new Map();

/** What a successful load hands to its entry. */
export interface CompletedLoad {
  /** The versions to serve (reused ones included). */
  readonly versions: readonly ModelVersion[];
  /** Where they were loaded from (a private directory for file overrides). */
  readonly source: ModelSource;
  /** Their config. */
  readonly config: ModelConfig;
  /** The directory contents they came from. */
  readonly fingerprint: ModelFingerprint;
  /** Loaded with config or file overrides. */
  readonly overridden: boolean;
  /** Private copy of file overrides, or null. */
  readonly staged: StagedModel | null;
  /** Models they call (an ensemble's steps). */
  readonly dependencies: readonly string[];
}

/** One model's entry. */
export class ModelEntry {
  /** Model name. */
  readonly name: string;
  private readonly lifecycle: ModelLifecycle;
  private loadedFrom: ModelSource | null;
  private loadedConfig: ModelConfig | null;
  private servingVersions: ReadonlyMap<number, ModelVersion>;
  private newest: ModelVersion | null;
  private contents: ModelFingerprint | null;
  private asked: boolean;
  private byName: boolean;
  private withOverrides: boolean;
  private steps: readonly string[];
  private stagedCopy: StagedModel | null;
  private tail: Promise<unknown>;

  constructor(name: string) {
    this.name = name;
    this.lifecycle = new ModelLifecycle(name);
    this.loadedFrom = null;
    this.loadedConfig = null;
    this.servingVersions = NO_VERSIONS;
    this.newest = null;
    this.contents = null;
    this.asked = false;
    this.byName = false;
    this.withOverrides = false;
    this.steps = [];
    this.stagedCopy = null;
    this.tail = Promise.resolve();
  }

  /** State reported by the index. */
  get state(): ModelState {
    return this.lifecycle.state;
  }

  /** Why the model is not READY ('' when it is). */
  get reason(): string {
    return this.lifecycle.reason;
  }

  /** Where the serving versions were loaded from; null before a load and after an unload. */
  get source(): ModelSource | null {
    return this.loadedFrom;
  }

  /** Config of the serving versions, or null. */
  get config(): ModelConfig | null {
    return this.loadedConfig;
  }

  /** Serving versions by number (replaced whole, never mutated). */
  get versions(): ReadonlyMap<number, ModelVersion> {
    return this.servingVersions;
  }

  /** Highest serving version, or null. */
  get latest(): ModelVersion | null {
    return this.newest;
  }

  /** The directory contents the serving versions (or the last failed plain load) came from. */
  get fingerprint(): ModelFingerprint | null {
    return this.contents;
  }

  /** Whether it should be loaded (counts for strict readiness). */
  get wanted(): boolean {
    return this.asked;
  }

  /** Loaded by name (startup or API), not only as a step of an ensemble. */
  get explicit(): boolean {
    return this.byName;
  }

  /** Loaded with config or file overrides: the next plain load reloads from the repository. */
  get overridden(): boolean {
    return this.withOverrides;
  }

  /** Models this one calls (an ensemble's steps); empty otherwise. */
  get dependencies(): readonly string[] {
    return this.steps;
  }

  /** Private copy of file overrides to remove once these versions are gone, or null. */
  get staged(): StagedModel | null {
    return this.stagedCopy;
  }

  /** Whether any version serves. */
  get serving(): boolean {
    return this.newest !== null;
  }

  /** Runs `operation` after every operation queued before it on this model. */
  serialize<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.tail.then(operation, operation);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** The model should be loaded (startup, poll or API): it counts for strict readiness. */
  want(): void {
    this.asked = true;
  }

  /** The model is no longer asked for: neither wanted nor loaded by name. */
  unwant(): void {
    this.asked = false;
    this.byName = false;
  }

  /** The model is loaded by name, so unloading an ensemble that calls it leaves it loaded. */
  markExplicit(): void {
    this.byName = true;
  }

  /** It cannot be loaded at all (a duplicate name, a missing directory): UNAVAILABLE for `reason`. */
  refuse(reason: string): void {
    this.lifecycle.apply('fail', reason);
  }

  /** A load begins: LOADING unless versions serve (a reload keeps them READY). */
  startLoad(): void {
    if (!this.serving) this.lifecycle.apply('startLoad');
  }

  /**
   * A load failed for `reason`: serving versions keep serving (true is returned), otherwise the
   * model becomes UNAVAILABLE. `fingerprint` (a plain load's) is kept so a poll retries only
   * once the files change; null keeps the previous one.
   */
  failLoad(reason: string, fingerprint: ModelFingerprint | null): boolean {
    if (fingerprint !== null) this.contents = fingerprint;
    if (this.serving) return true;
    this.lifecycle.apply('fail', reason);
    return false;
  }

  /**
   * A load succeeded: its versions serve at once (READY) and its source, config and overrides are
   * recorded. Returns the versions that no longer serve and the private copy that no longer
   * backs anything (null when none), for the caller to release.
   */
  finishLoad(load: CompletedLoad): { retired: ModelVersion[]; oldStaged: StagedModel | null } {
    this.lifecycle.apply('finishLoad');
    const oldStaged = this.stagedCopy;
    const retired = this.publish(load.versions);
    this.loadedFrom = load.source;
    this.loadedConfig = load.config;
    this.contents = load.fingerprint;
    this.withOverrides = load.overridden;
    this.stagedCopy = load.staged;
    this.steps = load.dependencies;
    return { retired, oldStaged: oldStaged !== null && oldStaged !== load.staged ? oldStaged : null };
  }

  /** An unload (or shutdown) begins: routing stops at once; returns the versions to drain (UNLOADING when any). */
  startUnload(): ModelVersion[] {
    const retired = [...this.servingVersions.values()];
    this.servingVersions = NO_VERSIONS;
    this.newest = null;
    if (retired.length > 0) this.lifecycle.apply('startUnload');
    return retired;
  }

  /**
   * An unload finished (its versions and private copy released): UNAVAILABLE for `reason` unless
   * the model never got past UNKNOWN, and nothing of its last load is remembered.
   */
  finishUnload(reason: string): void {
    if (canTransition(this.lifecycle.state, 'finishUnload')) this.lifecycle.apply('finishUnload', reason);
    this.stagedCopy = null;
    this.withOverrides = false;
    this.contents = null;
    this.loadedConfig = null;
    this.loadedFrom = null;
    this.steps = [];
  }

  /** The server stopped (versions and private copy released): UNAVAILABLE for `reason` unless UNKNOWN. */
  close(reason: string): void {
    this.stagedCopy = null;
    if (canTransition(this.lifecycle.state, 'close')) this.lifecycle.apply('close', reason);
  }

  /** Makes `versions` the serving set at once; returns the versions that no longer serve. */
  private publish(versions: readonly ModelVersion[]): ModelVersion[] {
    const next = new Map<number, ModelVersion>();
    for (const v of versions) next.set(v.version, v);
    const retired = [...this.servingVersions.values()].filter((v) => next.get(v.version) !== v);
    let latest: ModelVersion | null = null;
    for (const v of next.values()) if (latest === null || v.version > latest.version) latest = v;
    this.servingVersions = next;
    this.newest = latest;
    return retired;
  }
}
