/**
 * One model name as the server tracks it: its state and reason, the versions that serve now,
 * where it was loaded from, and a queue that runs its load and unload operations one at a
 * time. Swapping in new versions is one synchronous assignment, so a request is routed either
 * to the old set or to the new one, never to a half-built set.
 */
import type { ModelConfig } from '../../protocol/index.js';
import type { ModelSource } from '../model-repository.js';
import type { ModelVersion } from '../model-version.js';
import type { StagedModel } from './load-overrides.js';
import type { ModelFingerprint } from './model-fingerprint.js';

/** Model states as the repository index reports them. */
export type ModelState = 'UNKNOWN' | 'READY' | 'UNAVAILABLE' | 'LOADING' | 'UNLOADING';

const NO_VERSIONS: ReadonlyMap<number, ModelVersion> = new Map();

/** One model's entry. */
export class ModelEntry {
  /** Model name. */
  readonly name: string;
  /** Where the serving versions were loaded from (a private directory for file overrides); null before a load. */
  source: ModelSource | null;
  /** State reported by the index. */
  state: ModelState;
  /** Why the model is not READY ('' when it is). */
  reason: string;
  /** Config of the serving versions, or null. */
  config: ModelConfig | null;
  /** Serving versions by number (replaced whole, never mutated). */
  versions: ReadonlyMap<number, ModelVersion>;
  /** Highest serving version, or null. */
  latest: ModelVersion | null;
  /** The directory contents the serving versions (or the last failed load) came from. */
  fingerprint: ModelFingerprint | null;
  /** Whether it should be loaded (counts for strict readiness). */
  wanted: boolean;
  /** Loaded by name (startup or API), not only as a step of an ensemble. */
  explicit: boolean;
  /** Loaded with config or file overrides: the next plain load reloads from the repository. */
  overridden: boolean;
  /** Models this one calls (an ensemble's steps); empty otherwise. */
  dependencies: readonly string[];
  /** Private copy of file overrides to remove once these versions are gone, or null. */
  staged: StagedModel | null;
  private tail: Promise<unknown>;

  constructor(name: string) {
    this.name = name;
    this.source = null;
    this.state = 'UNKNOWN';
    this.reason = '';
    this.config = null;
    this.versions = NO_VERSIONS;
    this.latest = null;
    this.fingerprint = null;
    this.wanted = false;
    this.explicit = false;
    this.overridden = false;
    this.dependencies = [];
    this.staged = null;
    this.tail = Promise.resolve();
  }

  /** Whether any version serves. */
  get serving(): boolean {
    return this.latest !== null;
  }

  /** Runs `operation` after every operation queued before it on this model. */
  serialize<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.tail.then(operation, operation);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Makes `versions` the serving set at once; returns the versions that no longer serve. */
  publish(versions: readonly ModelVersion[]): ModelVersion[] {
    const next = new Map<number, ModelVersion>();
    for (const v of versions) next.set(v.version, v);
    const retired = [...this.versions.values()].filter((v) => next.get(v.version) !== v);
    let latest: ModelVersion | null = null;
    for (const v of next.values()) if (latest === null || v.version > latest.version) latest = v;
    this.versions = next;
    this.latest = latest;
    return retired;
  }

  /** Stops routing to every version at once; returns them for draining. */
  retireAll(): ModelVersion[] {
    const retired = [...this.versions.values()];
    this.versions = NO_VERSIONS;
    this.latest = null;
    return retired;
  }
}
