/**
 * The gRPC wire layer: loading the .proto files, the ModelInfer request/response codec and the
 * ModelConfig message conversion. Entry point of src/protocol/grpc; the gRPC frontend and client
 * import from here only.
 */
export type {
  InferInputTensorMessage,
  InferOutputTensorMessage,
  InferParameterMap,
  InferParameterMessage,
  InferRequestedOutputTensorMessage,
  InferTensorContentsMessage,
  Int64Like,
  ModelInferRequestMessage,
  ModelInferResponseMessage,
  ModelStreamInferResponseMessage,
} from './grpc-messages.js';
export {
  decodeGrpcInferRequest,
  encodeGrpcInferResponse,
  encodeGrpcStreamError,
  encodeGrpcStreamResponse,
  type GrpcDecodedRequest,
  type GrpcInferResponseParts,
  type GrpcResponseOutput,
} from './grpc-tensor-codec.js';
export {
  decodeParameters,
  decodeRequestParameters,
  encodeParameters,
  int64ToValue,
  parameterFromMessage,
  parameterToMessage,
} from './infer-parameters.js';
export {
  type LoadedProtos,
  loadProtos,
  longMapKeyToString,
  MAX_GRPC_MESSAGE_BYTES,
  messageType,
  PROTO_FILES,
  PROTO_LOADER_OPTIONS,
  protoDirectory,
} from './load-protos.js';
export {
  type ModelConfigMessage,
  modelConfigFromMessage,
  modelConfigToMessage,
} from './model-config-message.js';
export { checkTensorBytes } from './tensor-bytes-check.js';
export { bytesElementsToWire, CONTENTS_FIELD, typedContentsToBytes } from './typed-contents.js';
