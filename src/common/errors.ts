/**
 * The one error type of the server: a Triton status (the closed set every frontend maps
 * exhaustively) plus a stable `ERR_*` code from the table in error-codes.ts, which fixes the
 * status of each code at compile time. Frontends turn it into HTTP or gRPC errors; nothing here
 * knows about either. Codes are documented in docs/errors.md, generated from the table.
 */
import type { CodeWithStatus, ErrorCode, StatusAndCode } from './error-codes.js';
import { Status } from './status.js';

export type { CodeWithStatus, ErrorCode, StatusAndCode, StatusOf } from './error-codes.js';
export { allowsStatus, ERROR_CODES, isErrorCode, statusOf } from './error-codes.js';
export { Status } from './status.js';

/** Options for a ServerError beyond status, code and message. */
export interface ServerErrorOptions {
  /** The error that caused this one, if any. */
  cause?: unknown;
  /** For UNAVAILABLE caused by overload: seconds after which a retry may succeed. */
  retryAfterS?: number;
}

/** The ServerError constructor's arguments: a status and code that belong together, the message, options. */
export type ServerErrorArgs = [...StatusAndCode, message: string, options?: ServerErrorOptions];

/**
 * An error with a Triton status and a stable machine-readable code.
 * The message follows the house style: capital first, no final period, names and values quoted.
 */
export class ServerError extends Error {
  /** The Triton status, which decides the HTTP and gRPC status. */
  readonly status: Status;
  /** Stable code such as `ERR_UNKNOWN_MODEL`; see docs/errors.md. */
  readonly code: ErrorCode;
  /** Seconds after which a retry may succeed (sent as `Retry-After`); undefined when not overload. */
  readonly retryAfterS: number | undefined;

  /** `status` must be the code's own status in ERROR_CODES (any status for a relaying code). */
  constructor(...args: ServerErrorArgs);
  constructor(status: Status, code: ErrorCode, message: string, options: ServerErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ServerError';
    this.status = status;
    this.code = code;
    this.retryAfterS = options.retryAfterS;
  }
}

/** The constructor without the status check, for errors rebuilt from plain data. */
const UncheckedServerError = ServerError as unknown as new (
  status: Status,
  code: ErrorCode,
  message: string,
  options?: ServerErrorOptions,
) => ServerError;

/** An INVALID_ARG error (bad request from the caller). */
export function invalidArg(
  code: CodeWithStatus<'INVALID_ARG'>,
  message: string,
  cause?: unknown,
): ServerError {
  return new ServerError(Status.INVALID_ARG, code, message, { cause });
}

/** A NOT_FOUND error. */
export function notFound(code: CodeWithStatus<'NOT_FOUND'>, message: string): ServerError {
  return new ServerError(Status.NOT_FOUND, code, message);
}

/** An INTERNAL error. */
export function internal(code: CodeWithStatus<'INTERNAL'>, message: string, cause?: unknown): ServerError {
  return new ServerError(Status.INTERNAL, code, message, { cause });
}

/** An UNAVAILABLE error, optionally carrying a retry hint in seconds. */
export function unavailable(
  code: CodeWithStatus<'UNAVAILABLE'>,
  message: string,
  retryAfterS?: number,
): ServerError {
  return new ServerError(Status.UNAVAILABLE, code, message, { retryAfterS });
}

/** An UNSUPPORTED error (HTTP 501, gRPC UNIMPLEMENTED). */
export function unsupported(code: CodeWithStatus<'UNSUPPORTED'>, message: string): ServerError {
  return new ServerError(Status.UNSUPPORTED, code, message);
}

/** A CANCELLED error. */
export function cancelled(code: CodeWithStatus<'CANCELLED'>, message: string): ServerError {
  return new ServerError(Status.CANCELLED, code, message);
}

/**
 * Rebuilds a ServerError from a status and code that crossed a thread, process or cache boundary
 * as plain data; they were checked against each other where the error was first raised.
 */
export function reviveServerError(
  status: Status,
  code: ErrorCode,
  message: string,
  options?: ServerErrorOptions,
): ServerError {
  return new UncheckedServerError(status, code, message, options);
}

/** Converts anything thrown into a ServerError (INTERNAL unless it already is one). */
export function toServerError(err: unknown): ServerError {
  if (err instanceof ServerError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new ServerError(Status.INTERNAL, 'ERR_INTERNAL', message, { cause: err });
}
