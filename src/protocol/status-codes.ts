/**
 * Exhaustive maps from Triton's error statuses to HTTP status codes (server `HttpCodeFromError`)
 * and to gRPC status codes (server `grpc_utils.cc`). gRPC codes are plain numbers equal to
 * `@grpc/grpc-js`'s `status` enum so this folder stays free of grpc imports. The tables are typed
 * as `Record<Status, number>`: adding a Status without a row fails to compile.
 */
import { Status } from '../common/index.js';

/** gRPC status code numbers (the values of grpc-js `status`), for the codes Nereid emits. */
export const GrpcCode = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

/** A gRPC status code number. */
export type GrpcCode = (typeof GrpcCode)[keyof typeof GrpcCode];

/** HTTP status code for each Triton status: INTERNAL 500, NOT_FOUND 404, UNAVAILABLE 503, UNSUPPORTED 501, others 400. */
export const HTTP_STATUS_BY_STATUS: Readonly<Record<Status, number>> = {
  [Status.UNKNOWN]: 400,
  [Status.INTERNAL]: 500,
  [Status.NOT_FOUND]: 404,
  [Status.INVALID_ARG]: 400,
  [Status.UNAVAILABLE]: 503,
  [Status.UNSUPPORTED]: 501,
  [Status.ALREADY_EXISTS]: 400,
  [Status.CANCELLED]: 400,
};

/** gRPC status code for each Triton status (INVALID_ARG → INVALID_ARGUMENT, UNSUPPORTED → UNIMPLEMENTED). */
export const GRPC_CODE_BY_STATUS: Readonly<Record<Status, GrpcCode>> = {
  [Status.UNKNOWN]: GrpcCode.UNKNOWN,
  [Status.INTERNAL]: GrpcCode.INTERNAL,
  [Status.NOT_FOUND]: GrpcCode.NOT_FOUND,
  [Status.INVALID_ARG]: GrpcCode.INVALID_ARGUMENT,
  [Status.UNAVAILABLE]: GrpcCode.UNAVAILABLE,
  [Status.UNSUPPORTED]: GrpcCode.UNIMPLEMENTED,
  [Status.ALREADY_EXISTS]: GrpcCode.ALREADY_EXISTS,
  [Status.CANCELLED]: GrpcCode.CANCELLED,
};

/** The HTTP status code a response carrying `status` gets. */
export function httpStatusOf(status: Status): number {
  return HTTP_STATUS_BY_STATUS[status];
}

/** The gRPC status code a call failing with `status` ends with. */
export function grpcCodeOf(status: Status): GrpcCode {
  return GRPC_CODE_BY_STATUS[status];
}

const STATUS_BY_GRPC_CODE: ReadonlyMap<number, Status> = new Map<number, Status>([
  [GrpcCode.CANCELLED, Status.CANCELLED],
  [GrpcCode.UNKNOWN, Status.UNKNOWN],
  [GrpcCode.INVALID_ARGUMENT, Status.INVALID_ARG],
  [GrpcCode.NOT_FOUND, Status.NOT_FOUND],
  [GrpcCode.ALREADY_EXISTS, Status.ALREADY_EXISTS],
  [GrpcCode.UNIMPLEMENTED, Status.UNSUPPORTED],
  [GrpcCode.INTERNAL, Status.INTERNAL],
  [GrpcCode.UNAVAILABLE, Status.UNAVAILABLE],
  [GrpcCode.DEADLINE_EXCEEDED, Status.UNAVAILABLE],
  [GrpcCode.RESOURCE_EXHAUSTED, Status.UNAVAILABLE],
]);

/** The Triton status a client should report for a failed gRPC call (UNKNOWN for codes Triton never sends). */
export function statusFromGrpcCode(code: number): Status {
  return STATUS_BY_GRPC_CODE.get(code) ?? Status.UNKNOWN;
}
