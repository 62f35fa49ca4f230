/**
 * The gRPC RPCs of the model repository extension: RepositoryIndex, RepositoryModelLoad (with
 * `config` as string_param and `file:<path>` overrides as bytes_param) and
 * RepositoryModelUnload (`unload_dependents` as bool_param). It decodes the parameter oneofs
 * and maps errors to gRPC statuses; loading itself is the core's.
 */
import type { handleUnaryCall, UntypedServiceImplementation } from '@grpc/grpc-js';
import { invalidArg } from '../../common/index.js';
import type { InferenceServer, LoadParameterValue } from '../../core/index.js';
import { grpcErrorOf } from './grpc-status.js';

/** ModelRepositoryParameter as proto-loader decodes it (oneofs: true adds `parameter_choice`). */
interface RepositoryParameterMessage {
  parameter_choice?: 'bool_param' | 'int64_param' | 'string_param' | 'bytes_param';
  bool_param?: boolean;
  int64_param?: bigint | number | string;
  string_param?: string;
  bytes_param?: Uint8Array;
}

/** RepositoryModelLoadRequest / RepositoryModelUnloadRequest. */
interface RepositoryControlMessage {
  repository_name?: string;
  model_name?: string;
  parameters?: Record<string, RepositoryParameterMessage>;
}

/** The value of one parameter oneof; undefined when none is set. */
function parameterValue(p: RepositoryParameterMessage): LoadParameterValue | undefined {
  switch (p.parameter_choice) {
    case 'bool_param':
      return p.bool_param === true;
    case 'int64_param':
      return BigInt(p.int64_param ?? 0);
    case 'string_param':
      return p.string_param ?? '';
    case 'bytes_param':
      return p.bytes_param ?? new Uint8Array(0);
    default:
      return undefined;
  }
}

function decodeParameters(message: RepositoryControlMessage): Record<string, LoadParameterValue> {
  const out: Record<string, LoadParameterValue> = {};
  for (const [key, p] of Object.entries(message.parameters ?? {})) {
    const value = parameterValue(p);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** Runs `action` and answers the call with an empty message or the mapped error. */
function control(action: (request: RepositoryControlMessage) => Promise<void>): handleUnaryCall<any, any> {
  return (call, callback) => {
    let pending: Promise<void>;
    try {
      pending = action(call.request as RepositoryControlMessage);
    } catch (err) {
      callback(grpcErrorOf(err));
      return;
    }
    pending.then(
      () => callback(null, {}),
      (err: unknown) => callback(grpcErrorOf(err)),
    );
  };
}

/** Handlers of RepositoryIndex, RepositoryModelLoad and RepositoryModelUnload. */
export function repositoryHandlers(server: InferenceServer): UntypedServiceImplementation {
  const index: handleUnaryCall<{ ready?: boolean }, unknown> = (call, callback) => {
    try {
      const models = server.repositoryIndex(call.request.ready === true).map((m) => ({
        name: m.name,
        version: m.version ?? '',
        state: m.state,
        reason: m.reason,
      }));
      callback(null, { models });
    } catch (err) {
      callback(grpcErrorOf(err));
    }
  };
  return {
    RepositoryIndex: index,
    RepositoryModelLoad: control((r) => server.loadModel(r.model_name ?? '', decodeParameters(r))),
    RepositoryModelUnload: control((r) => {
      const dependents = decodeParameters(r).unload_dependents ?? false;
      if (typeof dependents !== 'boolean') {
        throw invalidArg(
          'ERR_BAD_PARAMETER',
          `Unload parameter 'unload_dependents' must be a bool_param: received ${typeof dependents}`,
        );
      }
      return server.unloadModel(r.model_name ?? '', dependents);
    }),
  };
}
