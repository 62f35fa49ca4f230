/**
 * The client's one error type: every failed call (server answer, transport failure, client-side
 * check, cancellation, deadline) rejects with an InferenceServerError carrying Triton's status,
 * a stable `ERR_*` code, the HTTP status or gRPC code when a server answered, and the server's
 * message verbatim. Building the error from a transport answer is done by the transports.
 */
import { type ErrorCode, ServerError, Status, type StatusAndCode } from '../common/index.js';

/** Stable codes of errors raised by the client itself (server errors use ERR_SERVER_RESPONSE). */
export const ClientErrorCode = {
  /** The server answered with an error status; `message` is the server's text. */
  SERVER_RESPONSE: 'ERR_SERVER_RESPONSE',
  /** A tensor or option failed the client's checks before anything was sent. */
  INVALID_INPUT: 'ERR_CLIENT_INVALID_INPUT',
  /** The server's answer could not be parsed (not KServe v2, truncated, bad binary sizes). */
  BAD_RESPONSE: 'ERR_CLIENT_BAD_RESPONSE',
  /** The call was cancelled through its AbortSignal (or the stream was cancelled). */
  CANCELLED: 'ERR_CLIENT_CANCELLED',
  /** The call's `timeoutMs` deadline passed before the answer arrived. */
  TIMEOUT: 'ERR_CLIENT_TIMEOUT',
  /** The connection failed (refused, reset, DNS) or the client is closed. */
  CONNECTION: 'ERR_CLIENT_CONNECTION',
} as const satisfies Readonly<Record<string, ErrorCode>>;

/** One of the client error codes. */
export type ClientErrorCode = (typeof ClientErrorCode)[keyof typeof ClientErrorCode];

/** Details of an InferenceServerError beyond status, code and message. */
export interface InferenceServerErrorDetails {
  /** HTTP status of the server's answer; undefined when no HTTP answer was received. */
  httpStatus?: number;
  /** gRPC status code of the failed call; undefined for HTTP calls. */
  grpcCode?: number;
  /** Request id the error belongs to (stream errors carry the request's id); default ''. */
  requestId?: string;
  /** The underlying error, if any. */
  cause?: unknown;
}

/** A failed client call: Triton status, stable code, transport status and the server's message. */
export class InferenceServerError extends ServerError {
  /** HTTP status of the server's answer; undefined when none was received (or for gRPC). */
  readonly httpStatus: number | undefined;
  /** gRPC status code of the failed call; undefined for HTTP. */
  readonly grpcCode: number | undefined;
  /** Id of the request the error answers ('' when unknown). */
  readonly requestId: string;

  /** `status` must be the code's own status (any status for ERR_SERVER_RESPONSE, the server's). */
  constructor(...args: [...StatusAndCode, message: string, details?: InferenceServerErrorDetails]);
  constructor(status: Status, code: ErrorCode, message: string, details: InferenceServerErrorDetails = {}) {
    super(...([status, code] as StatusAndCode), message, { cause: details.cause });
    this.name = 'InferenceServerError';
    this.httpStatus = details.httpStatus;
    this.grpcCode = details.grpcCode;
    this.requestId = details.requestId ?? '';
  }
}

/** An INVALID_ARG error for a tensor or option the client refuses to send. */
export function invalidInput(message: string, cause?: unknown): InferenceServerError {
  return new InferenceServerError(Status.INVALID_ARG, ClientErrorCode.INVALID_INPUT, message, { cause });
}

/** An INTERNAL error for a server answer the client cannot parse. */
export function badResponse(message: string, cause?: unknown): InferenceServerError {
  return new InferenceServerError(Status.INTERNAL, ClientErrorCode.BAD_RESPONSE, message, { cause });
}

/** The CANCELLED error of a call aborted through its signal. */
export function cancelledError(what: string, cause?: unknown, grpcCode?: number): InferenceServerError {
  return new InferenceServerError(Status.CANCELLED, ClientErrorCode.CANCELLED, `${what} was cancelled`, {
    cause,
    grpcCode,
  });
}

/** The error of a call whose `timeoutMs` deadline passed (UNAVAILABLE, like gRPC DEADLINE_EXCEEDED). */
export function timeoutError(
  what: string,
  timeoutMs: number,
  cause?: unknown,
  grpcCode?: number,
): InferenceServerError {
  return new InferenceServerError(
    Status.UNAVAILABLE,
    ClientErrorCode.TIMEOUT,
    `${what} timed out after ${timeoutMs} ms`,
    { cause, grpcCode },
  );
}

/** An UNAVAILABLE error for a failed connection. */
export function connectionError(what: string, cause: unknown): InferenceServerError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new InferenceServerError(
    Status.UNAVAILABLE,
    ClientErrorCode.CONNECTION,
    `${what} failed: ${detail}`,
    { cause },
  );
}

/** Turns anything a client-side check threw (e.g. a protocol ServerError) into an InferenceServerError. */
export function asClientError(
  err: unknown,
  fallback: (message: string, cause: unknown) => InferenceServerError,
) {
  if (err instanceof InferenceServerError) return err;
  return fallback(err instanceof Error ? err.message : String(err), err);
}
