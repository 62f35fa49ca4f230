/**
 * The gRPC frontend (inference.GRPCInferenceService + grpc.health.v1.Health) over the core facade:
 * the frontend class and the pieces other modules reuse (status mapping, statistics message).
 */
export {
  checkGrpcFrontendOptions,
  DEFAULT_GRPC_MAX_RECEIVE_BYTES,
  GRPC_COMPRESSION_LEVELS,
  type GrpcCompressionLevel,
  GrpcFrontend,
  type GrpcFrontendOptions,
  type GrpcListenAddress,
  parseGrpcCompressionLevel,
  resolveMaxReceiveBytes,
} from './grpc-frontend.js';
export { type GrpcErrorStatus, grpcErrorOf } from './grpc-status.js';
export {
  EMPTY_FINAL_RESPONSE_PARAMETER,
  FINAL_RESPONSE_PARAMETER,
  GRPC_ERROR_HEADER,
} from './grpc-stream-session.js';
export { modelStatisticsToMessage, statisticsToMessage } from './statistics-message.js';
