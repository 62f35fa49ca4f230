/**
 * The stable `ERR_*` codes raised by the protocol codecs (HTTP request decoding, JSON tensor data,
 * BYTES tensors, classification), by name; their statuses and docs are in the table of
 * src/common/error-codes.ts. The messages live at the throw sites. Model-dependent errors
 * (unknown input, shape vs config) are the core's codes.
 */
import type { ErrorCode } from '../common/index.js';

/** Error codes of `src/protocol/`; every one is raised as a ServerError. */
export const ProtocolErrorCode = {
  /** `Inference-Header-Content-Length` is negative, not an integer or larger than the body. */
  HEADER_LENGTH: 'ERR_HEADER_LENGTH',
  /** The JSON header is not valid UTF-8. */
  REQUEST_UTF8: 'ERR_REQUEST_UTF8',
  /** The JSON header does not parse. */
  REQUEST_JSON: 'ERR_REQUEST_JSON',
  /** A top-level request field (`id`, `inputs`, `outputs`, `parameters`) has the wrong type. */
  REQUEST_FIELD: 'ERR_REQUEST_FIELD',
  /** A request, input or output parameter has a bad value or a reserved name. */
  PARAMETER: 'ERR_PARAMETER',
  /** An input lacks `name`, `datatype` or `shape`, or one of them has the wrong type. */
  INPUT_FIELD: 'ERR_INPUT_FIELD',
  /** An input names a datatype that does not exist. */
  INPUT_DATATYPE: 'ERR_INPUT_DATATYPE',
  /** An input shape holds a negative or non-integer dimension. */
  INPUT_SHAPE: 'ERR_INPUT_SHAPE',
  /** An input sets none, or more than one, of `data`, `binary_data_size`, `shared_memory_region`. */
  INPUT_CONTENT: 'ERR_INPUT_CONTENT',
  /** Two inputs (or two requested outputs) share a name. */
  DUPLICATE_TENSOR: 'ERR_DUPLICATE_TENSOR',
  /** Binary tensor sizes do not match the shape or the bytes after the JSON header. */
  BINARY_SIZE: 'ERR_BINARY_SIZE',
  /** JSON `data` holds a value of the wrong type or out of the datatype's range. */
  JSON_DATA: 'ERR_JSON_DATA',
  /** JSON `data` holds a different number of elements than the shape needs. */
  JSON_DATA_SHAPE: 'ERR_JSON_DATA_SHAPE',
  /** FP16 / BF16 tensors cannot travel as JSON. */
  JSON_DATA_UNSUPPORTED: 'ERR_JSON_DATA_UNSUPPORTED',
  /** A BYTES tensor's length prefixes do not match its bytes or its element count. */
  BYTES_TENSOR: 'ERR_BYTES_TENSOR',
  /** Shared-memory parameters are incomplete or combined with inline data. */
  SHARED_MEMORY: 'ERR_SHARED_MEMORY_PARAMS',
  /** A requested output lacks a name or has malformed parameters. */
  OUTPUT_FIELD: 'ERR_OUTPUT_FIELD',
  /** A raw (header-less) binary request cannot be mapped onto the model's single input. */
  RAW_INPUT: 'ERR_RAW_INPUT',
  /** Classification was asked of an output whose datatype has no order (BOOL, BYTES). */
  CLASSIFICATION_DATATYPE: 'ERR_CLASSIFICATION_DATATYPE',
  /** An output tensor's bytes do not match its shape (a server-side bug; INTERNAL). */
  OUTPUT_SIZE: 'ERR_OUTPUT_SIZE',
} as const satisfies Readonly<Record<string, ErrorCode>>;

/** One of the protocol error codes. */
export type ProtocolErrorCode = (typeof ProtocolErrorCode)[keyof typeof ProtocolErrorCode];
