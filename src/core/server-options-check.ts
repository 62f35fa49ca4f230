/**
 * The checks of an InferenceServer's options that do not need the file system: numbers in range,
 * a known control mode, startup models that fit it. The constructor runs them, so a program that
 * embeds Nereid gets the errors `nereid serve` prints for the same flags (the CLI runs them
 * before it opens a cache or a port). Messages name the flag, as the CLI's users know it.
 */
import { invalidArg } from '../common/index.js';
import {
  checkStartupModels,
  type ModelControlMode,
  parseModelControlMode,
} from './model-management/index.js';

/** The InferenceServerOptions fields these checks read. */
export interface CheckedServerOptions {
  /** `--model-control-mode`. */
  modelControlMode?: ModelControlMode;
  /** `--load-model`. */
  startupModels?: readonly string[];
  /** `--repository-poll-secs`, seconds. */
  repositoryPollSecs?: number;
  /** `--model-load-thread-count`. */
  modelLoadConcurrency?: number;
  /** `--max-shared-memory-regions`. */
  maxSharedMemoryRegions?: number;
  /** `--max-instances-per-model`. */
  maxInstancesPerModel?: number;
  /** `--max-total-instances`. */
  maxTotalInstances?: number;
  /** `--backend-config onnxruntime,default-max-batch-size`. */
  defaultMaxBatchSize?: number;
}

/** Throws ERR_BAD_SERVER_OPTION unless `value` is undefined or an integer >= `min`. */
function checkInteger(flag: string, value: number | undefined, min: number): void {
  if (value === undefined || (Number.isSafeInteger(value) && value >= min)) return;
  throw invalidArg('ERR_BAD_SERVER_OPTION', `${flag} must be an integer >= ${min}: received ${value}`);
}

/** Throws ERR_BAD_SERVER_OPTION unless `value` is undefined or a finite number >= 0 (seconds may be fractional). */
function checkNonNegative(flag: string, value: number | undefined): void {
  if (value === undefined || (Number.isFinite(value) && value >= 0)) return;
  throw invalidArg('ERR_BAD_SERVER_OPTION', `${flag} must be >= 0: received ${value}`);
}

/**
 * Checks the options an InferenceServer is created with.
 * @throws ServerError INVALID_ARG naming the flag and the received value
 */
export function checkServerOptions(options: CheckedServerOptions): void {
  const mode = parseModelControlMode(options.modelControlMode ?? 'none');
  const startupModels = options.startupModels ?? [];
  checkStartupModels(startupModels);
  if (startupModels.length > 0 && mode !== 'explicit') {
    throw invalidArg(
      'ERR_BAD_STARTUP_MODELS',
      `--load-model needs --model-control-mode=explicit: received --model-control-mode=${mode}`,
    );
  }
  checkNonNegative('--repository-poll-secs', options.repositoryPollSecs);
  checkInteger('--model-load-thread-count', options.modelLoadConcurrency, 1);
  checkInteger('--max-shared-memory-regions', options.maxSharedMemoryRegions, 1);
  checkInteger('--max-instances-per-model', options.maxInstancesPerModel, 1);
  checkInteger('--max-total-instances', options.maxTotalInstances, 1);
  checkInteger('default-max-batch-size', options.defaultMaxBatchSize, 0);
}
