/**
 * ModelError: the error a JavaScript model throws or returns to fail one request with a chosen
 * Triton status (any other Error fails it with INTERNAL). Also the conversion of whatever a model
 * threw into the status/code/message triple that crosses the thread boundary. No I/O here.
 */
import {
  allowsStatus,
  type ErrorCode,
  isErrorCode,
  reviveServerError,
  type ServerError,
  Status,
} from '../../common/errors.js';
import type { WorkerError } from '../worker-protocol.js';

/** Triton statuses a model may fail a request with. */
export type ModelErrorStatus = Status;

const STATUSES: ReadonlySet<string> = new Set(Object.values(Status));

/** An error answer for one request, with a Triton status (default INTERNAL). */
export class ModelError extends Error {
  /** Triton status of the error (HTTP 400 for INVALID_ARG, 500 for INTERNAL, ...). Default INTERNAL. */
  readonly status: ModelErrorStatus;
  /**
   * Stable code reported with the error. Default `ERR_MODEL`. The server keeps it only when it is
   * one of its own codes (docs/errors.md) with the status given; any other is reported as ERR_MODEL.
   */
  readonly code: string;

  constructor(message: string, status: ModelErrorStatus = Status.INTERNAL, code = 'ERR_MODEL') {
    super(message);
    this.name = 'ModelError';
    this.status = STATUSES.has(status) ? status : Status.INTERNAL;
    this.code = code;
  }
}

/**
 * What a model threw or returned as an error, as a WorkerError: a ModelError or ServerError (from
 * any copy of this module) keeps its status, and its code when that is a registered code raised
 * with that status; anything else is `ERR_MODEL` (INTERNAL unless the model chose a status).
 */
export function toWorkerError(err: unknown, context = ''): WorkerError {
  const prefix = context === '' ? '' : `${context}: `;
  if (err instanceof Error) {
    const e = err as Error & { status?: unknown; code?: unknown };
    const status =
      typeof e.status === 'string' && STATUSES.has(e.status) ? (e.status as Status) : Status.INTERNAL;
    return { status, code: modelCode(e.code, status), message: `${prefix}${e.message}` };
  }
  return { status: Status.INTERNAL, code: 'ERR_MODEL', message: `${prefix}${String(err)}` };
}

/** The code a model's error is reported with: its own when registered for `status`, else ERR_MODEL. */
function modelCode(code: unknown, status: Status): ErrorCode {
  return isErrorCode(code) && allowsStatus(code, status) ? code : 'ERR_MODEL';
}

/** A WorkerError as a ServerError. */
export function fromWorkerError(e: WorkerError): ServerError {
  return reviveServerError(e.status, e.code, e.message);
}
