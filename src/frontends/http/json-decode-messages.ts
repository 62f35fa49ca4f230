/**
 * The messages between JsonDecodePool and its worker threads (json-decode-worker.ts): one job per
 * body out, one reply per job back. Types only; both sides import them.
 */
import type { ErrorCode, Status } from '../../common/index.js';
import type { DecodedHttpInferRequest } from '../../protocol/index.js';

/** A body to decode; `body` owns its ArrayBuffer, which is transferred to the worker. */
export interface JsonDecodeJob {
  /** Job id, unique within the pool, echoed in the reply. */
  readonly id: number;
  /** The request body (JSON, or JSON header + binary parts). */
  readonly body: Uint8Array;
  /** The parsed `Inference-Header-Content-Length`; undefined when absent (all JSON). */
  readonly headerLength: number | undefined;
  /** Model name, used in messages. */
  readonly modelName: string;
  /** Smallest JSON part, bytes, read by the byte scanner (ResolvedJsonDecodePool.scanMinBytes). */
  readonly scanMinBytes: number;
}

/** A ServerError as fields (errors lose their class through postMessage). */
export interface JsonDecodeErrorFields {
  readonly status: Status;
  readonly code: ErrorCode;
  readonly message: string;
  readonly retryAfterS: number | undefined;
}

/** The answer to one job: the decoded request or the error decoding raised. */
export interface JsonDecodeReply {
  /** The job's id. */
  readonly id: number;
  /** The decoded request (its tensors' buffers transferred), or null on error. */
  readonly request: DecodedHttpInferRequest | null;
  /** What decoding threw, or null on success. */
  readonly error: JsonDecodeErrorFields | null;
}
