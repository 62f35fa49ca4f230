/**
 * Starts a real Nereid in the test process with both frontends on port 0 (HTTP through
 * startTestServer, plus the gRPC frontend) and gives tests grpc-js clients built from the
 * project's protos, with promise wrappers for unary calls. E2E gRPC tests talk to it over real
 * HTTP/2; HTTP is there to compare answers across protocols.
 */
import * as grpc from '@grpc/grpc-js';
import { GrpcFrontend, type GrpcFrontendOptions } from '../../src/frontends/index.js';
import { loadProtos, MAX_GRPC_MESSAGE_BYTES } from '../../src/protocol/grpc/index.js';
import { startTestServer, type TestServer, type TestServerOptions } from './test-server.js';

/** A started server with a gRPC frontend and clients for it. */
export interface TestGrpcServer extends TestServer {
  /** `127.0.0.1:<port>` of the gRPC frontend. */
  grpcAddress: string;
  /** A client of inference.GRPCInferenceService. */
  client: grpc.Client;
  /** A client of grpc.health.v1.Health. */
  health: grpc.Client;
}

/** Options for startTestGrpcServer. */
export interface TestGrpcServerOptions extends TestServerOptions {
  /** gRPC frontend options (port and address are always 0 and 127.0.0.1). */
  grpc?: Omit<GrpcFrontendOptions, 'port' | 'address'>;
}

/** Client options matching Triton's clients: 2 GB messages both ways. */
export const GRPC_CLIENT_OPTIONS: grpc.ChannelOptions = {
  'grpc.max_receive_message_length': MAX_GRPC_MESSAGE_BYTES,
  'grpc.max_send_message_length': MAX_GRPC_MESSAGE_BYTES,
};

/** Starts core + HTTP + gRPC on 127.0.0.1 with free ports. */
export async function startTestGrpcServer(options: TestGrpcServerOptions = {}): Promise<TestGrpcServer> {
  const base = await startTestServer(options);
  const frontend = new GrpcFrontend(base.server, { ...options.grpc, port: 0, address: '127.0.0.1' });
  const { port } = await frontend.listen();
  const grpcAddress = `127.0.0.1:${port}`;
  const { InferenceClient, HealthClient } = loadProtos();
  const client = new InferenceClient(grpcAddress, grpc.credentials.createInsecure(), GRPC_CLIENT_OPTIONS);
  const health = new HealthClient(grpcAddress, grpc.credentials.createInsecure());
  return {
    ...base,
    grpcAddress,
    client,
    health,
    async close() {
      client.close();
      health.close();
      await frontend.close();
      await base.close();
    },
  };
}

/** A new inference client on `address` (e.g. for a second HTTP/2 connection). */
export function newInferenceClient(address: string): grpc.Client {
  const { InferenceClient } = loadProtos();
  return new InferenceClient(address, grpc.credentials.createInsecure(), {
    ...GRPC_CLIENT_OPTIONS,
    'grpc.use_local_subchannel_pool': 1,
  });
}

type UnaryMethod = (
  request: unknown,
  metadata: grpc.Metadata,
  callback: (err: grpc.ServiceError | null, response: unknown) => void,
) => void;

/** Calls unary RPC `rpc` on `client`; rejects with the grpc-js ServiceError. */
export function unary<T = any>(
  client: grpc.Client,
  rpc: string,
  request: unknown = {},
  metadata: grpc.Metadata = new grpc.Metadata(),
): Promise<T> {
  const method = (client as unknown as Record<string, UnaryMethod>)[rpc];
  if (method === undefined) throw new Error(`No RPC ${rpc}`);
  return new Promise((resolve, reject) => {
    method.call(client, request, metadata, (err, response) => (err ? reject(err) : resolve(response as T)));
  });
}

/** The ServiceError a unary call fails with; throws when the call succeeds. */
export async function unaryError(
  client: grpc.Client,
  rpc: string,
  request: unknown = {},
): Promise<grpc.ServiceError> {
  try {
    await unary(client, rpc, request);
  } catch (err) {
    return err as grpc.ServiceError;
  }
  throw new Error(`${rpc} succeeded but an error was expected`);
}

/** Opens a ModelStreamInfer stream, optionally with the triton_grpc_error header. */
export function openStream(client: grpc.Client, grpcErrors = false): grpc.ClientDuplexStream<any, any> {
  const metadata = new grpc.Metadata();
  if (grpcErrors) metadata.set('triton_grpc_error', 'true');
  return (
    client as unknown as { ModelStreamInfer(m: grpc.Metadata): grpc.ClientDuplexStream<any, any> }
  ).ModelStreamInfer(metadata);
}

/** An INT32 tensor's bytes. */
export function int32Bytes(values: readonly number[]): Buffer {
  return Buffer.from(new Int32Array(values).buffer);
}

/** Reads raw little-endian INT32 bytes (any offset) as numbers. */
export function readInt32(bytes: Uint8Array): number[] {
  const copy = new Uint8Array(bytes);
  return Array.from(new Int32Array(copy.buffer, 0, copy.length / 4));
}
