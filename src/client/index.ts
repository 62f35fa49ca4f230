/**
 * `nereid/client`: the KServe v2 / Triton client library, usable without the server. HTTP
 * (undici keep-alive pool, binary tensors, JSON, gzip/deflate, generate streams) and gRPC
 * (grpc-js, unary and bidirectional streaming) clients, the tensor builder, results and the one
 * error type. It depends only on src/protocol and src/common.
 */

export type { ErrorCode } from '../common/index.js';
export { Status } from '../common/index.js';
export type { DataType, Parameters, ParameterValue } from '../protocol/index.js';
export type {
  ClientTlsOptions,
  GenerateEvent,
  LoadModelOptions,
  LogSettings,
  LogSettingsUpdate,
  ModelConfigJson,
  ModelMetadata,
  ModelStatistics,
  ModelStatisticsResponse,
  RepositoryIndexEntry,
  RepositoryIndexOptions,
  ServerMetadata,
  StatisticDuration,
  TensorMetadata,
  TraceSettings,
  TraceSettingsOptions,
  TraceSettingsUpdate,
  UnloadModelOptions,
} from './client-types.js';
export { GrpcClient, type GrpcClientOptions } from './grpc-client.js';
export { decodeGrpcInferResponse, encodeGrpcInferRequest } from './grpc-infer-codec.js';
export {
  grpcCallError,
  InferStream,
  type StreamInferRequest,
  type StreamItem,
  type StreamOptions,
} from './grpc-infer-stream.js';
export { statusFromHttp } from './http-answer.js';
export { HttpClient, type HttpClientOptions } from './http-client.js';
export {
  decodeHttpInferResponse,
  type EncodedHttpRequest,
  encodeHttpInferRequest,
} from './http-infer-codec.js';
export { InferInput, sharedMemoryTensor, type TensorValues, tensor } from './infer-input.js';
export {
  type CallOptions,
  type InferOptions,
  RESERVED_PARAMETERS,
  type RequestedOutput,
  requestedOutputs,
  requestParameters,
  type SharedMemoryTarget,
  sharedMemoryParameters,
} from './infer-options.js';
export { InferResult, type InferResultParts, type OutputTensor } from './infer-result.js';
export {
  ClientErrorCode,
  InferenceServerError,
  type InferenceServerErrorDetails,
} from './inference-server-error.js';
export { type RegionBytes, SharedMemoryRegionFile } from './shared-memory-region-file.js';
export type { CudaSharedMemoryStatus, SystemSharedMemoryStatus } from './shared-memory-status.js';
export { readSseData } from './sse-events.js';
