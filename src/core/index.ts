/**
 * The server core: the InferenceServer facade and the types frontends use with it, including the
 * few config and backend names a frontend needs (frontends import core/index.ts only, DESIGN §2).
 */

export type { ChatMessage } from '../backends/index.js';
export { GenerationTensor, modelConfigToJson } from '../config/index.js';
export type { ResponseCache, ResponseCacheStats } from './cache/index.js';
export { createResponseCache, parseCacheConfig } from './cache/index.js';
export { defaultSchedulerFactory } from './default-scheduler.js';
export {
  createDynamicBatcherFactory,
  DynamicBatcher,
  type DynamicBatcherOptions,
  dynamicBatcherFactory,
} from './dynamic-batcher.js';
export {
  createGenerationSchedulerFactory,
  GenerationScheduler,
  type GenerationSchedulerOptions,
  generationSchedulerFactory,
} from './generation/index.js';
export * from './inference-request.js';
export * from './inference-server.js';
export { defaultMaxInstancesPerModel, defaultMaxTotalInstances } from './instance-budget.js';
export {
  applyLogSettings,
  type LogSettingsJson,
  type LogSettingValue,
  logSettingsOf,
} from './log-settings.js';
export {
  checkStartupModels,
  DEFAULT_MODEL_LOAD_CONCURRENCY,
  DEFAULT_REPOSITORY_POLL_SECS,
  MODEL_CONTROL_MODES,
  parseModelControlMode,
} from './model-management/index.js';
export type { ModelStatisticsJson } from './model-statistics.js';
export type { FailureReason, RequestObserver } from './request-observer.js';
export type { GenerationLoad, Scheduler, SchedulerContext, SchedulerFactory } from './scheduler.js';
export { SchedulerRegistry } from './scheduler.js';
export { type CheckedServerOptions, checkServerOptions } from './server-options-check.js';
export * from './shared-memory/index.js';
export * from './trace/index.js';
