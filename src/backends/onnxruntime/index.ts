/**
 * The ONNX Runtime backend's public surface (main-thread safe: nothing here loads onnxruntime-node).
 * The worker entry onnx-worker.ts is not exported; it is started by path.
 */
export { OnnxBackend, type OnnxBackendOptions } from './onnx-backend.js';
export {
  CPU_FALLBACK_PARAMETER,
  type OnnxSessionPlan,
  type OnnxWorkerOptions,
  resolveOnnxSessionPlan,
} from './onnx-session-options.js';
