/** Model management: control modes, the repository poller, load/unload orchestration, overrides, warmup. */

export {
  checkOverridePath,
  FILE_OVERRIDE_PREFIX,
  type LoadOverrides,
  type LoadParameterValue,
  MAX_OVERRIDE_FILES,
  parseLoadParameters,
  removeStagedModel,
  type StagedModel,
  stageOverrideFiles,
  sweepStaleOverrideCopies,
} from './load-overrides.js';
export {
  checkStartupModels,
  controlDisabledError,
  DEFAULT_REPOSITORY_POLL_SECS,
  MODEL_CONTROL_MODES,
  type ModelControlMode,
  parseModelControlMode,
} from './model-control-mode.js';
export { type CompletedLoad, ModelEntry, type ModelState } from './model-entry.js';
export {
  diffFingerprints,
  type FingerprintDiff,
  fingerprintModel,
  type ModelFingerprint,
  sameFingerprint,
} from './model-fingerprint.js';
export { canTransition, ModelLifecycle, type ModelTransition } from './model-lifecycle.js';
export {
  DEFAULT_MODEL_LOAD_CONCURRENCY,
  ModelManager,
  type ModelManagerOptions,
  type RepositoryIndexRow,
} from './model-manager.js';
export { type PollTarget, RepositoryPoller, type RepositoryPollerOptions } from './repository-poller.js';
export { runWarmup } from './warmup-runner.js';
