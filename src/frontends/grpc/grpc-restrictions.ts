/**
 * `--grpc-restricted-protocol` on the gRPC services: each RPC belongs to one of Triton's API
 * categories, and an RPC of a restricted category first checks the call's metadata for
 * `triton-grpc-protocol-<key>: <value>`; a call without it ends with PERMISSION_DENIED and
 * Triton's text (Triton itself answers UNAVAILABLE; PERMISSION_DENIED is the status gRPC defines
 * for this). Open RPCs are left unwrapped, so an unrestricted server pays nothing per call.
 */
import {
  type Metadata,
  status,
  type UntypedHandleCall,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import {
  type ApiCategory,
  carriesRestrictionValue,
  type Restriction,
  type Restrictions,
} from '../access/index.js';

/** The category of every RPC of inference.GRPCInferenceService and grpc.health.v1.Health. */
export const RPC_CATEGORY: Readonly<Record<string, ApiCategory>> = {
  ServerLive: 'health',
  ServerReady: 'health',
  ModelReady: 'health',
  Check: 'health',
  Watch: 'health',
  ServerMetadata: 'metadata',
  ModelMetadata: 'metadata',
  ModelInfer: 'inference',
  ModelStreamInfer: 'inference',
  ModelConfig: 'model-config',
  ModelStatistics: 'statistics',
  RepositoryIndex: 'model-repository',
  RepositoryModelLoad: 'model-repository',
  RepositoryModelUnload: 'model-repository',
  SystemSharedMemoryStatus: 'shared-memory',
  SystemSharedMemoryRegister: 'shared-memory',
  SystemSharedMemoryUnregister: 'shared-memory',
  CudaSharedMemoryStatus: 'shared-memory',
  CudaSharedMemoryRegister: 'shared-memory',
  CudaSharedMemoryUnregister: 'shared-memory',
  TraceSetting: 'trace',
  LogSettings: 'logging',
};

/** RPCs whose handler takes no callback (the call itself carries the status). */
const STREAMING = new Set(['ModelStreamInfer', 'Watch']);

interface AnyCall {
  metadata: Metadata;
  emit(event: 'error', error: unknown): boolean;
}

function denial(restriction: Restriction): { code: status; details: string } {
  return { code: status.PERMISSION_DENIED, details: restriction.message };
}

function allowed(call: AnyCall, restriction: Restriction): boolean {
  const values = call.metadata.get(restriction.key);
  return carriesRestrictionValue(restriction, values.length === 0 ? undefined : String(values[0]));
}

function guard(name: string, handler: UntypedHandleCall, restriction: Restriction): UntypedHandleCall {
  const inner = handler as (call: AnyCall, callback?: (error: unknown) => void) => void;
  if (STREAMING.has(name)) {
    return ((call: AnyCall) => {
      if (allowed(call, restriction)) inner(call);
      else call.emit('error', denial(restriction));
    }) as UntypedHandleCall;
  }
  return ((call: AnyCall, callback: (error: unknown) => void) => {
    if (allowed(call, restriction)) inner(call, callback);
    else callback(denial(restriction));
  }) as UntypedHandleCall;
}

/** `handlers` with every RPC of a restricted category checking its metadata first. */
export function restrictHandlers(
  handlers: UntypedServiceImplementation,
  restrictions: Restrictions,
): UntypedServiceImplementation {
  if (restrictions.size === 0) return handlers;
  const out: UntypedServiceImplementation = {};
  for (const [name, handler] of Object.entries(handlers)) {
    const category = RPC_CATEGORY[name];
    const restriction = category === undefined ? undefined : restrictions.get(category);
    out[name] = restriction === undefined ? handler : guard(name, handler, restriction);
  }
  return out;
}
