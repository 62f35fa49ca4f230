/**
 * The JavaScript backend's settings: the global ones (`--backend-config javascript,KEY=VALUE`,
 * parsed by parseJsBackendConfig into JsBackendOptions) and the per-model ones (`parameters` of
 * config.pbtxt, resolved against the global ones by resolveJsInstanceSettings): timeouts,
 * isolation (thread or child process), heap limit and the child's environment. Only parsing and
 * validation live here; js-backend.ts applies them.
 */
import { invalidArg } from '../../common/index.js';
import type { ModelConfig } from '../../protocol/index.js';

/** Where a JS model instance runs: a worker thread of the server, or a child process of its own. */
export type JsIsolation = 'thread' | 'process';

/** Default execution timeout (ms): an execute() running longer fails and its instance restarts. */
export const DEFAULT_EXECUTION_TIMEOUT_MS = 60_000;
/** Default load timeout (ms) per instance: import of model.js plus initialize() (or autoCompleteConfig). */
export const DEFAULT_LOAD_TIMEOUT_MS = 120_000;
/** Default ms an unloading instance's finalize() may take before it is killed. */
export const DEFAULT_FINALIZE_TIMEOUT_MS = 5000;

/** Config parameter holding a JS model's execution timeout in ms (string_value; 0 = none). */
export const EXECUTION_TIMEOUT_PARAMETER = 'nereid.execution_timeout_ms';
/** Config parameter holding a JS model's load timeout in ms (string_value; 0 = none). */
export const LOAD_TIMEOUT_PARAMETER = 'nereid.load_timeout_ms';
/** Config parameter choosing a JS model's isolation: "thread" or "process". */
export const ISOLATION_PARAMETER = 'nereid.isolation';
/** Config parameter holding a JS model's heap limit in MB (string_value; 0 = node's default). */
export const MAX_MEMORY_PARAMETER = 'nereid.max_memory_mb';
/** Config parameter naming server environment variables a process-isolated model gets (comma-separated). */
export const PROCESS_ENV_PARAMETER = 'nereid.process_env';

/** Global settings of the JavaScript backend (`--backend-config javascript,...`). */
export interface JsBackendSettings {
  /** Execution timeout in ms for models that set none; 0 = none. Default DEFAULT_EXECUTION_TIMEOUT_MS. */
  executionTimeoutMs?: number;
  /** Load timeout in ms per instance (import + initialize); 0 = none. Default DEFAULT_LOAD_TIMEOUT_MS. */
  loadTimeoutMs?: number;
  /** Ms an unloading instance's finalize() may take before it is killed. Default 5000. */
  finalizeTimeoutMs?: number;
  /** Isolation of models that set none. Default 'thread'. */
  isolation?: JsIsolation;
  /** Heap limit in MB of each instance (thread or process) for models that set none; 0 = node's default. Default 0. */
  maxMemoryMb?: number;
}

/** The settings of one model's instances, after its parameters override the global ones. */
export interface JsInstanceSettings {
  /** Execution timeout in ms; 0 = none. */
  executionTimeoutMs: number;
  /** Load timeout in ms; 0 = none. */
  loadTimeoutMs: number;
  /** Thread or child process. */
  isolation: JsIsolation;
  /** Heap limit in MB; 0 = node's default. */
  maxMemoryMb: number;
  /** Names of server environment variables passed to a child process (beyond the defaults). */
  processEnv: string[];
}

/** The `--backend-config javascript,KEY=VALUE` keys and the JsBackendSettings field each sets. */
const CONFIG_KEYS = {
  'execution-timeout-ms': 'executionTimeoutMs',
  'load-timeout-ms': 'loadTimeoutMs',
  'finalize-timeout-ms': 'finalizeTimeoutMs',
  'max-memory-mb': 'maxMemoryMb',
  isolation: 'isolation',
} as const;

const ISOLATIONS: readonly JsIsolation[] = ['thread', 'process'];

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A whole number >= 0 written in decimal, else null. */
function wholeNumber(text: string): number | null {
  return /^[0-9]+$/.test(text.trim()) && Number.isSafeInteger(Number(text)) ? Number(text) : null;
}

function isolationOf(text: string): JsIsolation | null {
  return (ISOLATIONS as readonly string[]).includes(text.trim()) ? (text.trim() as JsIsolation) : null;
}

/**
 * Parses the `KEY=VALUE` settings given for the javascript backend; throws INVALID_ARG
 * (ERR_BACKEND_CONFIG) naming an unknown key with the allowed ones, or a bad value.
 */
export function parseJsBackendConfig(settings: readonly (readonly [string, string])[]): JsBackendSettings {
  const result: JsBackendSettings = {};
  for (const [key, value] of settings) {
    const field = CONFIG_KEYS[key as keyof typeof CONFIG_KEYS];
    if (field === undefined) {
      throw invalidArg(
        'ERR_BACKEND_CONFIG',
        `Unknown --backend-config key "${key}" for backend "javascript": allowed ${Object.keys(CONFIG_KEYS)
          .map((k) => `"${k}"`)
          .join(', ')}`,
      );
    }
    if (field === 'isolation') {
      const isolation = isolationOf(value);
      if (isolation === null) {
        throw invalidArg(
          'ERR_BACKEND_CONFIG',
          `--backend-config javascript,isolation must be "thread" or "process": received "${value}"`,
        );
      }
      result.isolation = isolation;
      continue;
    }
    const n = wholeNumber(value);
    if (n === null) {
      throw invalidArg(
        'ERR_BACKEND_CONFIG',
        `--backend-config javascript,${key} must be a whole number >= 0: received "${value}"`,
      );
    }
    result[field] = n;
  }
  return result;
}

/** The string_value of parameter `key`, or undefined when the config does not set it. */
function parameter(config: ModelConfig, key: string): string | undefined {
  return config.parameters?.[key]?.string_value;
}

function badParameter(key: string, allowed: string, value: string): never {
  throw invalidArg('ERR_INVALID_CONFIG', `parameters["${key}"] must be ${allowed}: received "${value}"`);
}

/** Reads a millisecond parameter (a number >= 0, rounded); `fallbackMs` when absent. */
function millisecondsParameter(config: ModelConfig, key: string, fallbackMs: number): number {
  const text = parameter(config, key);
  if (text === undefined) return fallbackMs;
  const ms = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(ms) || ms < 0) {
    badParameter(key, 'a number of milliseconds >= 0', text);
  }
  return Math.round(ms);
}

/** Reads `nereid.execution_timeout_ms` from a config; `fallbackMs` when absent. */
export function resolveExecutionTimeoutMs(config: ModelConfig, fallbackMs: number): number {
  return millisecondsParameter(config, EXECUTION_TIMEOUT_PARAMETER, fallbackMs);
}

/**
 * The settings of a model's instances: its `nereid.*` parameters, else the global settings, else
 * the defaults. Throws INVALID_ARG (ERR_INVALID_CONFIG) naming a parameter with a bad value.
 */
export function resolveJsInstanceSettings(
  config: ModelConfig,
  global: JsBackendSettings,
): JsInstanceSettings {
  const isolationText = parameter(config, ISOLATION_PARAMETER);
  let isolation = global.isolation ?? 'thread';
  if (isolationText !== undefined) {
    isolation =
      isolationOf(isolationText) ?? badParameter(ISOLATION_PARAMETER, '"thread" or "process"', isolationText);
  }
  const memoryText = parameter(config, MAX_MEMORY_PARAMETER);
  let maxMemoryMb = global.maxMemoryMb ?? 0;
  if (memoryText !== undefined) {
    maxMemoryMb =
      wholeNumber(memoryText) ?? badParameter(MAX_MEMORY_PARAMETER, 'a whole number of MB >= 0', memoryText);
  }
  const envText = parameter(config, PROCESS_ENV_PARAMETER) ?? '';
  const processEnv = envText
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  for (const name of processEnv) {
    if (!ENV_NAME.test(name)) {
      badParameter(PROCESS_ENV_PARAMETER, 'a comma-separated list of environment variable names', envText);
    }
  }
  return {
    executionTimeoutMs: resolveExecutionTimeoutMs(
      config,
      global.executionTimeoutMs ?? DEFAULT_EXECUTION_TIMEOUT_MS,
    ),
    loadTimeoutMs: millisecondsParameter(
      config,
      LOAD_TIMEOUT_PARAMETER,
      global.loadTimeoutMs ?? DEFAULT_LOAD_TIMEOUT_MS,
    ),
    isolation,
    maxMemoryMb,
    processEnv,
  };
}
