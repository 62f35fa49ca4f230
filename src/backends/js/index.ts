/**
 * The JavaScript backend folder's entry for the server side: the backend, its options and the
 * execution-timeout parameter. Model authors import `nereid/backend` (api.ts) instead.
 */
export {
  EXECUTION_TIMEOUT_PARAMETER,
  JsBackend,
  type JsBackendOptions,
  resolveExecutionTimeoutMs,
} from './js-backend.js';
export type { JsWorkerOptions } from './js-model-runtime.js';
