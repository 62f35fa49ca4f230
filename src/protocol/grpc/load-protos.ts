/**
 * Loads the project's .proto files (inference.GRPCInferenceService, inference.ModelConfig,
 * grpc.health.v1.Health) with @grpc/proto-loader and hands out the grpc-js service definitions,
 * client constructors and per-message serializers. It knows where the .proto folder lives both
 * from `src/` (vitest) and from `dist/src/` (built); it does not implement any RPC.
 *
 * Value forms of every decoded/encoded message (PROTO_LOADER_OPTIONS):
 *   field names   snake_case as in the .proto (keepCase)
 *   int64/uint64  bigint when decoding; numbers, decimal strings or bigints accepted when encoding
 *   enums         names ("TYPE_FP32"); bytes: Buffer; unset scalars/lists/maps: their defaults;
 *                 unset message fields: null; a set oneof adds `<oneof name>: "<field name>"`
 *   64-bit map keys  decoded as protobufjs 8-byte hash strings (see longMapKeyToString)
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition, Options, PackageDefinition } from '@grpc/proto-loader';
import protoLoader from '@grpc/proto-loader';
import { internal } from '../../common/index.js';

/** The proto-loader options used everywhere (server, client, tests); see the file header. */
export const PROTO_LOADER_OPTIONS: Readonly<Options> = Object.freeze({
  keepCase: true,
  longs: BigInt,
  enums: String,
  defaults: true,
  oneofs: true,
});

/** gRPC message size limit both ways, as Triton sets it (INT32_MAX bytes); grpc-js defaults to 4 MB. */
export const MAX_GRPC_MESSAGE_BYTES = 2_147_483_647;

/** The .proto files loaded, relative to the proto directory; model_config.proto comes by import. */
export const PROTO_FILES: readonly string[] = ['grpc_service.proto', 'health.proto'];

/** Everything loaded from the .proto files. */
export interface LoadedProtos {
  /** proto-loader's package definition (keys such as `inference.ModelInferRequest`). */
  readonly packageDefinition: PackageDefinition;
  /** grpc-js service definition of `inference.GRPCInferenceService` (for `server.addService`). */
  readonly inferenceService: grpc.ServiceDefinition;
  /** grpc-js service definition of `grpc.health.v1.Health`. */
  readonly healthService: grpc.ServiceDefinition;
  /** grpc-js client constructor of `inference.GRPCInferenceService`. */
  readonly InferenceClient: grpc.ServiceClientConstructor;
  /** grpc-js client constructor of `grpc.health.v1.Health`. */
  readonly HealthClient: grpc.ServiceClientConstructor;
  /** Absolute path of the directory the .proto files were read from. */
  readonly protoDir: string;
}

// Candidates relative to this module: the sibling `proto/` folder (src/ and dist/src/ alike), then
// the source tree seen from dist/src/protocol/grpc when the build step did not copy the folder.
const PROTO_DIR_CANDIDATES = ['../proto/', '../../../../src/protocol/proto/'];

/** Absolute path of the folder holding grpc_service.proto; throws INTERNAL if none is found. */
export function protoDirectory(): string {
  for (const rel of PROTO_DIR_CANDIDATES) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(`${dir}grpc_service.proto`)) return dir;
  }
  throw internal(
    'ERR_PROTO_NOT_FOUND',
    `Cannot find grpc_service.proto next to "${fileURLToPath(import.meta.url)}": looked in ${PROTO_DIR_CANDIDATES.join(', ')}`,
  );
}

let cached: LoadedProtos | undefined;

/** Loads (once per process) and returns the protos; later calls return the same object. */
export function loadProtos(): LoadedProtos {
  if (cached !== undefined) return cached;
  const protoDir = protoDirectory();
  const packageDefinition = protoLoader.loadSync([...PROTO_FILES], {
    ...PROTO_LOADER_OPTIONS,
    includeDirs: [protoDir],
  });
  const root = grpc.loadPackageDefinition(packageDefinition);
  const InferenceClient = lookupService(root, ['inference', 'GRPCInferenceService']);
  const HealthClient = lookupService(root, ['grpc', 'health', 'v1', 'Health']);
  cached = Object.freeze({
    packageDefinition,
    inferenceService: InferenceClient.service,
    healthService: HealthClient.service,
    InferenceClient,
    HealthClient,
    protoDir,
  });
  return cached;
}

/** The serializer/deserializer pair and descriptor of one message, e.g. `inference.ModelConfig`. */
export function messageType(fullName: string): MessageTypeDefinition<object, object> {
  const def = loadProtos().packageDefinition[fullName];
  if (def === undefined || !('serialize' in def) || def.format !== 'Protocol Buffer 3 DescriptorProto') {
    throw internal('ERR_PROTO_UNKNOWN_MESSAGE', `Unknown protobuf message "${fullName}"`);
  }
  return def as MessageTypeDefinition<object, object>;
}

/**
 * Turns a 64-bit map key of a decoded message (protobufjs hands these out as 8-char little-endian
 * "hash" strings) into its decimal form. Only for keys taken from a decoded message.
 */
export function longMapKeyToString(key: string, unsigned: boolean): string {
  if (key.length !== 8) return key;
  let value = 0n;
  for (let i = 7; i >= 0; i--) value = (value << 8n) | BigInt(key.charCodeAt(i) & 0xff);
  return (unsigned ? value : BigInt.asIntN(64, value)).toString();
}

function lookupService(root: grpc.GrpcObject, path: readonly string[]): grpc.ServiceClientConstructor {
  let node: unknown = root;
  for (const part of path) node = (node as Record<string, unknown> | undefined)?.[part];
  if (typeof node !== 'function' || !('service' in node)) {
    throw internal(
      'ERR_PROTO_UNKNOWN_SERVICE',
      `Service "${path.join('.')}" is missing from the loaded protos`,
    );
  }
  return node as grpc.ServiceClientConstructor;
}
