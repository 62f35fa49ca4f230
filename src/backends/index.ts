/**
 * The backends folder's public API: the Backend contract, the registry, the ONNX Runtime backend
 * and the worker-thread instance other worker backends build on. Importing it never loads a model
 * framework on the calling thread.
 */

export type {
  Backend,
  BackendInstance,
  BackendLogger,
  BackendLogLevel,
  ExecutionBatch,
  ExecutionRequestInfo,
  ExecutionResult,
  ExecutionSink,
  ExecutionTiming,
  InstanceContext,
  ModelCaller,
  ModelCallRequest,
  ModelCallResponse,
  ModelCallSink,
  ModelFileMetadata,
  TensorMetadata,
} from './backend.js';
export {
  type ChatMessage,
  FINISH_REASON_TEXT,
  FinishCode,
  type GenerationInstance,
  type GenerationListener,
  type GenerationStart,
  isGenerationInstance,
} from './generation.js';
export {
  EXECUTION_TIMEOUT_PARAMETER,
  JsBackend,
  type JsBackendOptions,
  type JsBackendSettings,
  parseJsBackendConfig,
  resolveExecutionTimeoutMs,
} from './js/index.js';
export { LlamaCppBackend, type LlamaCppBackendOptions } from './llama-cpp/index.js';
export { MessageTransport } from './message-transport.js';
export {
  CPU_FALLBACK_PARAMETER,
  OnnxBackend,
  type OnnxBackendOptions,
  type OnnxSessionPlan,
  type OnnxWorkerOptions,
  resolveOnnxSessionPlan,
} from './onnxruntime/index.js';
export {
  BackendRegistry,
  type BackendSelector,
  createDefaultBackendRegistry,
  type DefaultBackendRegistryOptions,
} from './registry.js';
export { RingTransport, type RingTransportOptions } from './ring-transport.js';
export type { Transport, TransportKind, TransportOwner } from './transport.js';
export {
  defaultBackendLogger,
  type WorkerExtension,
  WorkerInstance,
  type WorkerInstanceOptions,
} from './worker-instance.js';
export { MessageType, packTensors, unpackTensors, type WorkerInit } from './worker-protocol.js';
