/**
 * Triton's closed set of error statuses (TRITONSERVER_Error_Code). Every frontend maps it
 * exhaustively to its own status (HTTP, gRPC, OpenAI); the error-code table gives each code one.
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
