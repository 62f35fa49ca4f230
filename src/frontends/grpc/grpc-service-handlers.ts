/**
 * The grpc-js implementations of inference.GRPCInferenceService (every RPC) and
 * grpc.health.v1.Health over the core facade. Query RPCs answer from the core in the same shapes
 * as HTTP; inference RPCs hand the call to GrpcUnaryInfer or a GrpcStreamSession; RPCs of
 * features Nereid lacks end with UNIMPLEMENTED saying what is missing. Handlers are built once
 * per frontend; nothing here binds ports.
 */
import type {
  handleBidiStreamingCall,
  handleServerStreamingCall,
  handleUnaryCall,
  ServerWritableStream,
  UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { InferenceServer } from '../../core/index.js';
import { modelConfigToJson } from '../../core/index.js';
import {
  type ModelInferRequestMessage,
  type ModelInferResponseMessage,
  type ModelStreamInferResponseMessage,
  modelConfigToMessage,
} from '../../protocol/grpc/index.js';
import type { ModelConfig } from '../../protocol/index.js';
import { repositoryHandlers } from './grpc-repository.js';
import { sharedMemoryHandlers } from './grpc-shared-memory.js';
import { grpcErrorOf, unavailableFeature } from './grpc-status.js';
import { GrpcStreamSession, type ModelStreamInferCall } from './grpc-stream-session.js';
import { traceLogHandlers } from './grpc-trace-log.js';
import { GrpcUnaryInfer, type ModelInferCall } from './grpc-unary-infer.js';
import { statisticsToMessage } from './statistics-message.js';

/** Receives stream sessions as they open, so the frontend can drain them on close. */
export interface StreamSessionListener {
  /** A ModelStreamInfer stream opened. */
  onSessionOpen(session: GrpcStreamSession): void;
}

/** A request naming a model (ModelReady, ModelMetadata, ModelConfig, ModelStatistics). */
interface ModelRequestMessage {
  name?: string;
  version?: string;
}

type Unary = handleUnaryCall<any, any>;

/** Answers a query RPC with `answer(request)`, mapping thrown ServerErrors to gRPC statuses. */
function query<T>(answer: (request: T) => unknown): Unary {
  return (call, callback) => {
    let response: unknown;
    try {
      response = answer(call.request as T);
    } catch (err) {
      callback(grpcErrorOf(err));
      return;
    }
    callback(null, response);
  };
}

/** The implementation object of inference.GRPCInferenceService. */
export function inferenceServiceHandlers(
  server: InferenceServer,
  sessions: StreamSessionListener,
): UntypedServiceImplementation {
  const modelInfer: handleUnaryCall<ModelInferRequestMessage, ModelInferResponseMessage> = (
    call: ModelInferCall,
    callback,
  ) => {
    new GrpcUnaryInfer(server, callback).start(call);
  };
  const modelStreamInfer: handleBidiStreamingCall<
    ModelInferRequestMessage,
    ModelStreamInferResponseMessage
  > = (call: ModelStreamInferCall) => {
    sessions.onSessionOpen(new GrpcStreamSession(server, call));
  };
  return {
    ServerLive: query(() => ({ live: server.isLive() })),
    ServerReady: query(() => ({ ready: server.isReady() })),
    ModelReady: query((r: ModelRequestMessage) => ({
      ready: server.isModelReady(r.name ?? '', r.version ?? ''),
    })),
    ServerMetadata: query(() => server.serverMetadata()),
    ModelMetadata: query((r: ModelRequestMessage) => server.modelMetadata(r.name ?? '', r.version ?? '')),
    ModelConfig: query((r: ModelRequestMessage) => ({
      // Through Triton's JSON form, so default-only messages are left unset exactly as HTTP leaves them out.
      config: modelConfigToMessage(
        modelConfigToJson(server.modelConfig(r.name ?? '', r.version ?? '')) as unknown as ModelConfig,
      ),
    })),
    ModelStatistics: query((r: ModelRequestMessage) =>
      statisticsToMessage(server.statistics(r.name ?? '', r.version ?? '')),
    ),
    ModelInfer: modelInfer,
    ModelStreamInfer: modelStreamInfer,
    ...repositoryHandlers(server),
    ...sharedMemoryHandlers(server),
    ...traceLogHandlers(server),
  };
}

/** The implementation object of grpc.health.v1.Health: Check is SERVING while the server is live. */
export function healthServiceHandlers(server: InferenceServer): UntypedServiceImplementation {
  const watch: handleServerStreamingCall<unknown, unknown> = (
    call: ServerWritableStream<unknown, unknown>,
  ) => {
    call.emit(
      'error',
      grpcErrorOf(
        unavailableFeature(
          'Watch',
          'grpc.health.v1.Health/Watch',
          'poll grpc.health.v1.Health/Check instead',
        ),
      ),
    );
  };
  return {
    Check: query(() => ({ status: server.isLive() ? 'SERVING' : 'NOT_SERVING' })),
    Watch: watch,
  };
}
