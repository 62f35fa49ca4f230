/**
 * The JavaScript backend folder's entry for the server side: the backend, its options, settings
 * and config parameters. Model authors import `nereid/backend` (api.ts) instead.
 */
export { JsBackend, type JsBackendOptions } from './js-backend.js';
export {
  DEFAULT_EXECUTION_TIMEOUT_MS,
  DEFAULT_LOAD_TIMEOUT_MS,
  EXECUTION_TIMEOUT_PARAMETER,
  ISOLATION_PARAMETER,
  type JsBackendSettings,
  type JsInstanceSettings,
  type JsIsolation,
  LOAD_TIMEOUT_PARAMETER,
  MAX_MEMORY_PARAMETER,
  PROCESS_ENV_PARAMETER,
  parseJsBackendConfig,
  resolveExecutionTimeoutMs,
  resolveJsInstanceSettings,
} from './js-backend-settings.js';
export type { JsWorkerOptions } from './js-model-runtime.js';
