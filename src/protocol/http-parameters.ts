/**
 * Validation of the `parameters` objects of an HTTP inference request: the request's own
 * (reserved keys typed as Triton types them, `triton_*` keys refused), an input's and a requested
 * output's, and the shared-memory triple. Values must be JSON strings, numbers or booleans
 * (Triton's HTTP frontend also refuses non-integral numbers; Nereid accepts them, as gRPC's
 * double_param does). Integers above 2^53 lose precision in JSON.parse, as for tensor data.
 */
import { invalidArg } from '../common/index.js';
import { ProtocolErrorCode } from './error-codes.js';
import type { Parameters } from './tensor.js';

/** Where a tensor's data lives in a registered shared-memory region (resolved by the core). */
export interface SharedMemoryRef {
  /** Registered region name (`shared_memory_region`). */
  readonly region: string;
  /** Offset into the region in bytes (`shared_memory_offset`); default 0. */
  readonly offsetBytes: number;
  /** Size of the tensor data in bytes (`shared_memory_byte_size`). */
  readonly byteSize: number;
}

const EMPTY: Parameters = Object.freeze({}) as Parameters;

/** Triton's reserved request parameter keys (typed by the protocol, read by the core's schedulers). */
export const RESERVED_REQUEST_PARAMETERS: ReadonlySet<string> = new Set([
  'sequence_id',
  'sequence_start',
  'sequence_end',
  'priority',
  'timeout',
  'binary_data_output',
]);

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function paramError(message: string) {
  return invalidArg(ProtocolErrorCode.PARAMETER, message);
}

/** Whether `v` is a JSON number usable as a non-negative integer (counts, sizes, ids). */
export function isNonNegativeInteger(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/**
 * Checks a `parameters` value: absent → an empty object; otherwise an object whose values are
 * strings, numbers or booleans. `where` names the owner in messages (e.g. `input 'INPUT0'`).
 */
export function readParameters(value: unknown, where: string): Parameters {
  if (value === undefined) return EMPTY;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw paramError(`The 'parameters' of ${where} must be an object, got ${typeName(value)}`);
  }
  const params = value as Record<string, unknown>;
  for (const key in params) {
    const v = params[key];
    const t = typeof v;
    if (t !== 'string' && t !== 'number' && t !== 'boolean') {
      throw paramError(
        `Parameter '${key}' of ${where} has invalid type ${typeName(v)}. It should be either 'int', 'bool', or 'string'`,
      );
    }
  }
  return params as Parameters;
}

function expectBool(params: Parameters, key: string, where: string): void {
  const v = params[key];
  if (v !== undefined && typeof v !== 'boolean') {
    throw paramError(`Parameter '${key}' of ${where} must be a boolean: received ${JSON.stringify(v)}`);
  }
}

function expectUInt(params: Parameters, key: string, where: string, orString: boolean): void {
  const v = params[key];
  if (v === undefined || isNonNegativeInteger(v) || (orString && typeof v === 'string')) return;
  const allowed = orString ? 'a non-negative integer or a string' : 'a non-negative integer';
  throw paramError(`Parameter '${key}' of ${where} must be ${allowed}: received ${JSON.stringify(v)}`);
}

/**
 * Checks the request-level parameters: reserved keys get Triton's types (sequence_id uint or
 * string; sequence_start, sequence_end, binary_data_output bool; priority, timeout uint) and keys
 * starting with `triton_` are refused. Returns the parameters unchanged.
 */
export function readRequestParameters(value: unknown): Parameters {
  const params = readParameters(value, 'the request');
  if (params === EMPTY) return params;
  for (const key in params) {
    if (key.startsWith('triton_')) {
      throw paramError(
        `Parameter keys starting with 'triton_' are reserved for Triton usage and should not be specified: received '${key}'`,
      );
    }
  }
  expectUInt(params, 'sequence_id', 'the request', true);
  expectBool(params, 'sequence_start', 'the request');
  expectBool(params, 'sequence_end', 'the request');
  expectUInt(params, 'priority', 'the request', false);
  expectUInt(params, 'timeout', 'the request', false);
  expectBool(params, 'binary_data_output', 'the request');
  return params;
}

/**
 * Reads the shared-memory parameters of an input or output: null when `shared_memory_region` is
 * absent; otherwise region (string), byte size (required) and offset (default 0), checked.
 */
export function readSharedMemory(params: Parameters, where: string): SharedMemoryRef | null {
  const region = params.shared_memory_region;
  if (region === undefined) return null; // stray offset / byte size are ignored, as in Triton
  if (typeof region !== 'string' || region === '') {
    throw invalidArg(
      ProtocolErrorCode.SHARED_MEMORY,
      `Parameter 'shared_memory_region' of ${where} must be a non-empty string: received ${JSON.stringify(region)}`,
    );
  }
  const byteSize = params.shared_memory_byte_size;
  if (!isNonNegativeInteger(byteSize)) {
    throw invalidArg(
      ProtocolErrorCode.SHARED_MEMORY,
      `Parameter 'shared_memory_byte_size' of ${where} must be a non-negative integer when 'shared_memory_region' is set: received ${JSON.stringify(byteSize)}`,
    );
  }
  const offset = params.shared_memory_offset ?? 0;
  if (!isNonNegativeInteger(offset)) {
    throw invalidArg(
      ProtocolErrorCode.SHARED_MEMORY,
      `Parameter 'shared_memory_offset' of ${where} must be a non-negative integer: received ${JSON.stringify(offset)}`,
    );
  }
  return { region, offsetBytes: offset, byteSize };
}
