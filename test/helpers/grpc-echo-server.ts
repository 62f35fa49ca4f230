/**
 * A bare grpc-js server that implements only inference.GRPCInferenceService/ModelInfer and answers
 * every request with one fixed, pre-encoded ModelInferResponse the size of the `simple` model's
 * (two INT32[16] outputs). It is the physical-limit baseline for gRPC frontend benchmarks: no
 * scheduling, no model, and by default not even request parsing. Not a test double for the server.
 */
import * as grpc from '@grpc/grpc-js';
import {
  encodeGrpcInferResponse,
  MAX_GRPC_MESSAGE_BYTES,
  messageType,
} from '../../src/protocol/grpc/index.js';

/** Options of startGrpcEchoServer. */
export interface GrpcEchoServerOptions {
  /** Interface to bind; default `127.0.0.1`. */
  host?: string;
  /** TCP port; default 0 (any free port). */
  port?: number;
  /** Parse each request as a ModelInferRequest before answering (costs what decoding costs); default false. */
  decodeRequests?: boolean;
}

/** A running echo server. */
export interface GrpcEchoServer {
  /** The bound TCP port. */
  readonly port: number;
  /** `host:port` for clients. */
  readonly address: string;
  /** Size in bytes of the fixed response message. */
  readonly responseBytes: number;
  /** Stops the server, ending open calls. */
  close(): Promise<void>;
}

const ELEMENTS = 16;

/** The pre-encoded response: `simple`'s OUTPUT0 = INPUT0 + INPUT1 and OUTPUT1 = INPUT0 - INPUT1 for 0..15 and 1s. */
export function simpleEchoResponse(): Buffer {
  const sum = new Int32Array(ELEMENTS);
  const diff = new Int32Array(ELEMENTS);
  for (let i = 0; i < ELEMENTS; i++) {
    sum[i] = i + 1;
    diff[i] = i - 1;
  }
  const message = encodeGrpcInferResponse({
    modelName: 'simple',
    modelVersion: '1',
    id: '',
    outputs: [
      { name: 'OUTPUT0', datatype: 'INT32', shape: [1, ELEMENTS], data: new Uint8Array(sum.buffer) },
      { name: 'OUTPUT1', datatype: 'INT32', shape: [1, ELEMENTS], data: new Uint8Array(diff.buffer) },
    ],
  });
  return Buffer.from(messageType('inference.ModelInferResponse').serialize(message));
}

let echoResponse: Buffer = Buffer.alloc(0);

function passThrough(bytes: Buffer): Buffer {
  return bytes;
}

function echoModelInfer(_call: unknown, callback: grpc.sendUnaryData<Buffer>): void {
  callback(null, echoResponse);
}

function echoService(decodeRequests: boolean): grpc.ServiceDefinition {
  const requestDeserialize = decodeRequests
    ? (messageType('inference.ModelInferRequest').deserialize as (bytes: Buffer) => unknown)
    : passThrough;
  return {
    ModelInfer: {
      path: '/inference.GRPCInferenceService/ModelInfer',
      requestStream: false,
      responseStream: false,
      requestSerialize: passThrough,
      requestDeserialize,
      responseSerialize: passThrough,
      responseDeserialize: passThrough,
    },
  };
}

/** Starts the echo server and resolves once it listens. */
export async function startGrpcEchoServer(options: GrpcEchoServerOptions = {}): Promise<GrpcEchoServer> {
  if (echoResponse.length === 0) echoResponse = simpleEchoResponse();
  const host = options.host ?? '127.0.0.1';
  const server = new grpc.Server({
    'grpc.max_receive_message_length': MAX_GRPC_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_GRPC_MESSAGE_BYTES,
    // As lean as grpc-js gets (the benchmarks' physical limit); Nereid's frontend sets the same.
    'grpc.enable_channelz': 0,
  });
  server.addService(echoService(options.decodeRequests === true), { ModelInfer: echoModelInfer });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:${options.port ?? 0}`, grpc.ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    );
  });
  return {
    port,
    address: `${host}:${port}`,
    responseBytes: echoResponse.length,
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
      }),
  };
}
