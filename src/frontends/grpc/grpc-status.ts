/**
 * Turns what a handler throws into the status a gRPC call ends with: a ServerError's Triton status
 * through the protocol's exhaustive table (INVALID_ARG → INVALID_ARGUMENT, UNSUPPORTED →
 * UNIMPLEMENTED, ...) and its message as the details; anything else is INTERNAL. It does not
 * write to calls; handlers pass the result to grpc-js.
 */
import type { StatusObject } from '@grpc/grpc-js';
import { Metadata } from '@grpc/grpc-js';
import { ServerError, toServerError, unsupported } from '../../common/index.js';
import { grpcCodeOf } from '../../protocol/index.js';

/** A failed call's status as grpc-js takes it (`callback(status)` / `call.emit('error', status)`). */
export type GrpcErrorStatus = StatusObject & Error;

/** The gRPC status for a thrown value (ServerError mapped by status, others INTERNAL). */
export function grpcErrorOf(err: unknown): GrpcErrorStatus {
  const error = err instanceof ServerError ? err : toServerError(err);
  const status = new Error(error.message) as GrpcErrorStatus;
  status.code = grpcCodeOf(error.status);
  status.details = error.message;
  status.metadata = new Metadata();
  return status;
}

/**
 * The UNSUPPORTED error of an RPC whose feature Nereid lacks; `what` completes the sentence
 * "... is not available on this server" and `why` says what is missing.
 */
export function unavailableFeature(rpc: string, what: string, why: string): ServerError {
  return unsupported('ERR_UNSUPPORTED_RPC', `${rpc}: ${what} is not available on this server: ${why}`);
}
