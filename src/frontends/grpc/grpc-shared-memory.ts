/**
 * The gRPC RPCs of the shared-memory extensions: SystemSharedMemory{Status,Register,Unregister}
 * and CudaSharedMemory{Status,Register,Unregister} over the core's SharedMemoryManager, with the
 * same rules and texts as HTTP. Without `--allow-client-shm` every one of them ends UNIMPLEMENTED
 * saying how to enable it. Status answers are `regions` maps keyed by region name.
 */
import type { handleUnaryCall, UntypedServiceImplementation } from '@grpc/grpc-js';
import { invalidArg } from '../../common/index.js';
import type { InferenceServer, SharedMemoryManager } from '../../core/index.js';
import { type Int64Like, int64ToValue } from '../../protocol/grpc/index.js';
import { grpcErrorOf, unavailableFeature } from './grpc-status.js';

/** SystemSharedMemoryRegisterRequest as proto-loader decodes it (uint64 as bigint). */
interface RegisterRequestMessage {
  name?: string;
  key?: string;
  offset?: Int64Like;
  byte_size?: Int64Like;
}

/** A request naming a region ('' = all). */
interface RegionRequestMessage {
  name?: string;
}

const DISABLED_WHY = 'client shared memory is disabled; start the server with --allow-client-shm=true';

type Handler = (manager: SharedMemoryManager, request: any) => unknown;

/** A unary RPC answering `answer(manager, request)`, or UNIMPLEMENTED while client shm is disabled. */
function rpc(
  server: InferenceServer,
  name: string,
  kind: 'system' | 'CUDA',
  answer: Handler,
): handleUnaryCall<any, any> {
  const what = `the ${kind} shared-memory extension`;
  return (call, callback) => {
    const manager = server.sharedMemory;
    if (!manager.enabled) {
      callback(grpcErrorOf(unavailableFeature(name, what, DISABLED_WHY)));
      return;
    }
    let response: unknown;
    try {
      response = answer(manager, call.request);
    } catch (err) {
      callback(grpcErrorOf(err));
      return;
    }
    callback(null, response);
  };
}

/** A uint64 field as a safe integer; INVALID_ARG beyond 2^53. */
function uint(value: Int64Like | undefined, field: string, region: string): number {
  const v = int64ToValue(value ?? 0);
  if (typeof v !== 'number' || v < 0) {
    throw invalidArg(
      'ERR_SHM_BAD_REQUEST',
      `Shared memory register request for '${region}' has an invalid '${field}': expected a non-negative integer below 2^53, received ${String(v)}`,
    );
  }
  return v;
}

function register(manager: SharedMemoryManager, request: RegisterRequestMessage): object {
  const name = request.name ?? '';
  manager.registerSystem(
    name,
    request.key ?? '',
    uint(request.offset, 'offset', name),
    uint(request.byte_size, 'byte_size', name),
  );
  return {};
}

function systemStatus(manager: SharedMemoryManager, request: RegionRequestMessage): object {
  const regions: Record<string, object> = {};
  for (const r of manager.systemStatus(request.name ?? '')) {
    regions[r.name] = { name: r.name, key: r.key, offset: r.offset, byte_size: r.byte_size };
  }
  return { regions };
}

/** The six shared-memory RPCs of inference.GRPCInferenceService. */
export function sharedMemoryHandlers(server: InferenceServer): UntypedServiceImplementation {
  return {
    SystemSharedMemoryStatus: rpc(server, 'SystemSharedMemoryStatus', 'system', systemStatus),
    SystemSharedMemoryRegister: rpc(server, 'SystemSharedMemoryRegister', 'system', register),
    SystemSharedMemoryUnregister: rpc(
      server,
      'SystemSharedMemoryUnregister',
      'system',
      (m, r: RegionRequestMessage) => {
        m.unregisterSystem(r.name ?? '');
        return {};
      },
    ),
    CudaSharedMemoryStatus: rpc(server, 'CudaSharedMemoryStatus', 'CUDA', (m, r: RegionRequestMessage) => {
      m.cudaStatus(r.name ?? '');
      return { regions: {} };
    }),
    CudaSharedMemoryRegister: rpc(server, 'CudaSharedMemoryRegister', 'CUDA', (m, r: RegionRequestMessage) =>
      m.registerCuda(r.name ?? ''),
    ),
    CudaSharedMemoryUnregister: rpc(
      server,
      'CudaSharedMemoryUnregister',
      'CUDA',
      (m, r: RegionRequestMessage) => {
        m.unregisterCuda(r.name ?? '');
        return {};
      },
    ),
  };
}
