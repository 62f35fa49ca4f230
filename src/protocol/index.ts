/**
 * The protocol folder's public entry: datatypes, the tensor form, the HTTP codecs (JSON and binary
 * tensor data, BYTES, FP16/BF16), classification, the status maps and the model config types in
 * Triton's JSON form (what GET config and the ModelConfig RPC carry). The .proto files and gRPC
 * codecs live in `proto/` and `grpc/` and are exported from there.
 */
export * from './bytes-tensor.js';
export * from './classification.js';
export * from './datatypes.js';
export * from './error-codes.js';
export * from './half-float.js';
export * from './http-infer-request.js';
export * from './http-infer-response.js';
export * from './http-parameters.js';
export * from './json-header.js';
export * from './json-tensor-data.js';
export type * from './model-config.js';
export * from './raw-input.js';
export * from './requested-output.js';
export * from './row-parts-tensor.js';
export * from './status-codes.js';
export * from './tensor.js';
export type { TensorValues } from './tensor-values.js';
export { INTEGER_RANGE } from './tensor-values.js';
export * from './typed-view.js';
