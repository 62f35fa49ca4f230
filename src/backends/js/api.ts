/**
 * `nereid/backend`: the API a JavaScript model (model.js) is written against. A model exports a
 * class with initialize(args), execute(requests) and finalize(), and optionally a static
 * autoCompleteConfig(config); see docs/javascript-backend.md. This entry re-exports the types, the
 * tensor helpers, ModelError, the model logger and the model-to-model calls (infer, inferStream).
 * It is safe to import anywhere; infer() works only inside a model worker.
 */

export type {
  DataType,
  ModelConfig,
  Parameters,
  ParameterValue,
  Tensor,
  TypedArrayFor,
} from '../../protocol/index.js';
export { elementCount } from '../../protocol/tensor.js';
export type {
  InferOptions,
  InferResponse,
  InitializeArgs,
  ModelClass,
  ModelInstance,
  ModelLogger,
  ModelRequest,
  ModelResponse,
  ResponseSender,
  SendOptions,
} from './model-api-types.js';
export { infer, inferStream } from './model-call.js';
export { ModelError, type ModelErrorStatus } from './model-error.js';
export { logger } from './model-logger.js';
export {
  bytesElements,
  checkTensor,
  createTensor,
  renameTensor,
  stringElements,
  type TensorArray,
  type TensorValues,
  tensorFromBytes,
  toArray,
  toFloat32Array,
  toTypedArray,
} from './tensor-helpers.js';
