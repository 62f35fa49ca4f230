/**
 * The one error type of the server: a Triton status (the closed set every frontend maps
 * exhaustively) plus a stable `ERR_*` code. Frontends turn it into HTTP or gRPC errors; nothing
 * here knows about either. Codes are documented in docs/errors.md.
 */

/** Triton's closed set of error statuses (TRITONSERVER_Error_Code). */
export const Status = {
  UNKNOWN: 'UNKNOWN',
  INTERNAL: 'INTERNAL',
  NOT_FOUND: 'NOT_FOUND',
  INVALID_ARG: 'INVALID_ARG',
  UNAVAILABLE: 'UNAVAILABLE',
  UNSUPPORTED: 'UNSUPPORTED',
  ALREADY_EXISTS: 'ALREADY_EXISTS',
  CANCELLED: 'CANCELLED',
} as const;

/** One of Triton's error statuses. */
export type Status = (typeof Status)[keyof typeof Status];

/** Options for a ServerError beyond status, code and message. */
export interface ServerErrorOptions {
  /** The error that caused this one, if any. */
  cause?: unknown;
  /** For UNAVAILABLE caused by overload: seconds after which a retry may succeed. */
  retryAfterS?: number;
}

/**
 * An error with a Triton status and a stable machine-readable code.
 * The message follows the house style: capital first, no final period, names and values quoted.
 */
export class ServerError extends Error {
  /** The Triton status, which decides the HTTP and gRPC status. */
  readonly status: Status;
  /** Stable code such as `ERR_UNKNOWN_MODEL`; see docs/errors.md. */
  readonly code: string;
  /** Seconds after which a retry may succeed (sent as `Retry-After`); undefined when not overload. */
  readonly retryAfterS: number | undefined;

  constructor(status: Status, code: string, message: string, options: ServerErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ServerError';
    this.status = status;
    this.code = code;
    this.retryAfterS = options.retryAfterS;
  }
}

/** An INVALID_ARG error (bad request from the caller). */
export function invalidArg(code: string, message: string, cause?: unknown): ServerError {
  return new ServerError(Status.INVALID_ARG, code, message, { cause });
}

/** A NOT_FOUND error. */
export function notFound(code: string, message: string): ServerError {
  return new ServerError(Status.NOT_FOUND, code, message);
}

/** An INTERNAL error. */
export function internal(code: string, message: string, cause?: unknown): ServerError {
  return new ServerError(Status.INTERNAL, code, message, { cause });
}

/** An UNAVAILABLE error, optionally carrying a retry hint in seconds. */
export function unavailable(code: string, message: string, retryAfterS?: number): ServerError {
  return new ServerError(Status.UNAVAILABLE, code, message, { retryAfterS });
}

/** An UNSUPPORTED error (HTTP 501, gRPC UNIMPLEMENTED). */
export function unsupported(code: string, message: string): ServerError {
  return new ServerError(Status.UNSUPPORTED, code, message);
}

/** A CANCELLED error. */
export function cancelled(code: string, message: string): ServerError {
  return new ServerError(Status.CANCELLED, code, message);
}

/** Converts anything thrown into a ServerError (INTERNAL unless it already is one). */
export function toServerError(err: unknown): ServerError {
  if (err instanceof ServerError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new ServerError(Status.INTERNAL, 'ERR_INTERNAL', message, { cause: err });
}
