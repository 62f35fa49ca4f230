/**
 * Turns one ModelInferRequest message into a core InferenceRequest for the unary and streaming
 * handlers: finds the model version first (Triton's order, so a bad version string or an unknown
 * model is reported before anything about the tensors), decodes the tensors with the protocol
 * codec, reads shared-memory inputs from their regions, checks shared-memory outputs' regions and
 * refuses decoupled models on unary ModelInfer (generation models only when asked to stream). It does not submit the request or answer the call.
 */
import { unsupported } from '../../common/index.js';
import {
  checkSharedMemoryOutputs,
  GenerationTensor,
  InferenceRequest,
  type InferenceServer,
  type ResponseSink,
  resolveSharedMemoryInputs,
} from '../../core/index.js';
import { decodeGrpcInferRequest, type ModelInferRequestMessage } from '../../protocol/grpc/index.js';
import type { Tensor } from '../../protocol/index.js';

/** Whether a generation request's `stream` input is true. */
function streamRequested(inputs: readonly Tensor[]): boolean {
  for (const t of inputs)
    if (t.name === GenerationTensor.STREAM) return t.data.byteLength > 0 && t.data[0] !== 0;
  return false;
}

/** The model version a request resolved to (what getModel returns). */
export type ResolvedModelVersion = ReturnType<InferenceServer['getModel']>;

/** A decoded request and the model version that will serve it. */
export interface PreparedGrpcRequest {
  /** The core request, not yet submitted. */
  readonly request: InferenceRequest;
  /** The model version it resolved to. */
  readonly model: ResolvedModelVersion;
}

/** Which RPC a request arrived on: decides whether decoupled models are allowed. */
export const GrpcInferRpc = {
  /** Unary ModelInfer: exactly one response, so decoupled models are refused. */
  UNARY: 0,
  /** ModelStreamInfer: any number of responses per request. */
  STREAM: 1,
} as const;

/** One of GrpcInferRpc. */
export type GrpcInferRpc = (typeof GrpcInferRpc)[keyof typeof GrpcInferRpc];

/**
 * Builds the core request for `message` with `sink` as its ResponseSink.
 * @throws ServerError with Triton's texts (unknown model, bad version, bad tensors, decoupled on unary)
 */
export function prepareGrpcRequest(
  server: InferenceServer,
  message: ModelInferRequestMessage,
  sink: ResponseSink,
  rpc: GrpcInferRpc,
): PreparedGrpcRequest {
  const modelName = message.model_name ?? '';
  const modelVersion = message.model_version ?? '';
  const model = server.getModel(modelName, modelVersion);
  if (rpc === GrpcInferRpc.UNARY && model.plan.decoupled && !model.plan.generation) {
    throw unsupported(
      'ERR_DECOUPLED_UNARY',
      "ModelInfer RPC doesn't support models with decoupled transaction policy",
    );
  }
  const decoded = decodeGrpcInferRequest(message);
  // A generation model answers once unless asked to stream, which only ModelStreamInfer can carry.
  if (rpc === GrpcInferRpc.UNARY && model.plan.generation && streamRequested(decoded.inputs)) {
    throw unsupported(
      'ERR_DECOUPLED_UNARY',
      `ModelInfer RPC cannot stream the tokens of model '${modelName}': set input '${GenerationTensor.STREAM}' to false or use ModelStreamInfer`,
    );
  }
  const inputs = resolveSharedMemoryInputs(server.sharedMemory, decoded.inputs);
  checkSharedMemoryOutputs(server.sharedMemory, decoded.outputs);
  const request = new InferenceRequest({
    modelName,
    modelVersion,
    id: decoded.id ?? '',
    parameters: decoded.parameters,
    inputs,
    outputs: decoded.outputs,
    sink,
  });
  return { request, model };
}
