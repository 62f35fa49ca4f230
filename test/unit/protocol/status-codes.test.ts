import { status as grpcStatus } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { Status } from '../../../src/common/errors.js';
import {
  GRPC_CODE_BY_STATUS,
  GrpcCode,
  grpcCodeOf,
  HTTP_STATUS_BY_STATUS,
  httpStatusOf,
  statusFromGrpcCode,
} from '../../../src/protocol/index.js';

describe('status tables', () => {
  it('map every Triton status to HTTP as Triton HttpCodeFromError does', () => {
    expect(HTTP_STATUS_BY_STATUS).toEqual({
      UNKNOWN: 400,
      INTERNAL: 500,
      NOT_FOUND: 404,
      INVALID_ARG: 400,
      UNAVAILABLE: 503,
      UNSUPPORTED: 501,
      ALREADY_EXISTS: 400,
      CANCELLED: 400,
    });
    for (const s of Object.values(Status)) expect(httpStatusOf(s)).toBe(HTTP_STATUS_BY_STATUS[s]);
  });

  it('map every Triton status to the grpc-js status code Triton sends', () => {
    expect(GRPC_CODE_BY_STATUS).toEqual({
      UNKNOWN: grpcStatus.UNKNOWN,
      INTERNAL: grpcStatus.INTERNAL,
      NOT_FOUND: grpcStatus.NOT_FOUND,
      INVALID_ARG: grpcStatus.INVALID_ARGUMENT,
      UNAVAILABLE: grpcStatus.UNAVAILABLE,
      UNSUPPORTED: grpcStatus.UNIMPLEMENTED,
      ALREADY_EXISTS: grpcStatus.ALREADY_EXISTS,
      CANCELLED: grpcStatus.CANCELLED,
    });
    for (const s of Object.values(Status)) expect(grpcCodeOf(s)).toBe(GRPC_CODE_BY_STATUS[s]);
  });

  it('GrpcCode numbers equal the grpc-js status enum', () => {
    for (const [name, code] of Object.entries(GrpcCode)) {
      expect(grpcStatus[name as keyof typeof grpcStatus]).toBe(code);
    }
  });

  it('statusFromGrpcCode inverts the gRPC mapping and falls back to UNKNOWN', () => {
    for (const s of Object.values(Status)) expect(statusFromGrpcCode(grpcCodeOf(s))).toBe(s);
    expect(statusFromGrpcCode(grpcStatus.DATA_LOSS)).toBe(Status.UNKNOWN);
  });
});
