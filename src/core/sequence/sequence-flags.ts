/**
 * Reads what the sequence batcher needs from a request's parameters: the correlation id
 * (`sequence_id`, an unsigned integer or a string) and the START/END flags, with Triton's checks
 * and messages. Integer ids become bigints so that 5 (HTTP number) and 5n (gRPC uint64) are the
 * same Map key; string ids stay strings, so "5" and 5 are different sequences, as in Triton.
 */
import { invalidArg } from '../../common/index.js';
import type { InferenceRequest } from '../inference-request.js';

/** A correlation id: bigint for integer ids, string for string ids; never 0n or ''. */
export type SequenceId = bigint | string;

/** The sequence facts of one request. */
export interface SequenceFlags {
  /** Correlation id. */
  id: SequenceId;
  /** First request of the sequence. */
  start: boolean;
  /** Last request of the sequence. */
  end: boolean;
}

const UINT64_MAX = (1n << 64n) - 1n;

/** The id as Triton prints it: decimal for integers, the text for strings. */
export function formatSequenceId(id: SequenceId): string {
  return typeof id === 'bigint' ? id.toString() : id;
}

/**
 * Reads `sequence_id`, `sequence_start` and `sequence_end` of a request to a sequence model.
 * @throws ServerError INVALID_ARG when the id is missing, 0 or empty, of a wrong type, or the
 *   request has more than one row
 */
export function readSequenceFlags(request: InferenceRequest, modelName: string): SequenceFlags {
  const params = request.parameters;
  const raw = params.sequence_id;
  let id: SequenceId | null = null;
  if (typeof raw === 'string') {
    if (raw !== '') id = raw;
  } else if (typeof raw === 'bigint') {
    if (raw < 0n || raw > UINT64_MAX) throw badId(modelName, raw);
    if (raw !== 0n) id = raw;
  } else if (typeof raw === 'number') {
    if (!Number.isSafeInteger(raw) || raw < 0) throw badId(modelName, raw);
    if (raw !== 0) id = BigInt(raw);
  } else if (raw !== undefined) {
    throw badId(modelName, raw);
  }
  if (id === null) {
    throw invalidArg(
      'ERR_SEQUENCE_ID_MISSING',
      `inference request to model '${modelName}' must specify a non-zero or non-empty correlation ID`,
    );
  }
  if (request.batchSize > 1) {
    throw invalidArg(
      'ERR_SEQUENCE_BATCH_SIZE',
      `inference request to model '${modelName}' must specify batch-size 1 due to requirements of sequence batcher: received batch size ${request.batchSize}`,
    );
  }
  return { id, start: params.sequence_start === true, end: params.sequence_end === true };
}

function badId(modelName: string, value: unknown): Error {
  return invalidArg(
    'ERR_SEQUENCE_ID_TYPE',
    `Parameter 'sequence_id' of a request to model '${modelName}' must be an integer in 0..2^64-1 or a string: received ${String(value)}`,
  );
}
