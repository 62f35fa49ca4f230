/**
 * Triton's model control modes (`--model-control-mode`) and the checks tied to them: which names
 * `--load-model` accepts and the refusal load/unload get outside explicit mode. It decides
 * nothing about loading itself; ModelManager does.
 */
import { invalidArg, ServerError, Status } from '../../common/index.js';

/** How the model set changes after startup. */
export type ModelControlMode = 'none' | 'poll' | 'explicit';

/** The accepted mode names, in help order. */
export const MODEL_CONTROL_MODES: readonly ModelControlMode[] = ['none', 'poll', 'explicit'];

/** Triton's default `--repository-poll-secs`. */
export const DEFAULT_REPOSITORY_POLL_SECS = 15;

/**
 * Reads a `--model-control-mode` value (case-insensitive, as tritonserver accepts `EXPLICIT`).
 * @throws ServerError INVALID_ARG naming the allowed values
 */
export function parseModelControlMode(text: string): ModelControlMode {
  const mode = text.toLowerCase();
  if ((MODEL_CONTROL_MODES as readonly string[]).includes(mode)) return mode as ModelControlMode;
  throw invalidArg(
    'ERR_BAD_CONTROL_MODE',
    `Model control mode must be one of ${MODEL_CONTROL_MODES.join(', ')}: received '${text}'`,
  );
}

/**
 * Checks `--load-model` names: `*` means every model and must stand alone, as in tritonserver.
 * @throws ServerError INVALID_ARG when `*` is mixed with names or a name is empty
 */
export function checkStartupModels(names: readonly string[]): void {
  if (names.includes('*') && names.length > 1) {
    throw invalidArg(
      'ERR_BAD_STARTUP_MODELS',
      `--load-model=* must be the only --load-model: received ${names.map((n) => `'${n}'`).join(', ')}`,
    );
  }
  if (names.some((n) => n === '')) {
    throw invalidArg('ERR_BAD_STARTUP_MODELS', '--load-model needs a model name: received an empty one');
  }
}

/** Triton's refusal of load and unload outside explicit mode (UNAVAILABLE, so HTTP 503). */
export function controlDisabledError(): ServerError {
  return new ServerError(
    Status.UNAVAILABLE,
    'ERR_MODEL_CONTROL_DISABLED',
    'explicit model load / unload is not allowed if polling is enabled',
  );
}
