/**
 * Options of client calls and the request-level parameters they turn into, with Triton's
 * Python-client rules: `sequence_id`/`sequence_start`/`sequence_end` only when a sequence id is
 * set (non-zero, non-empty), `priority` only when non-zero, `timeout` only when given. Values are
 * checked here once for both transports; encoding them (JSON or InferParameter) is the codecs' job.
 */
import { type Parameters, type ParameterValue, RESERVED_REQUEST_PARAMETERS } from '../protocol/index.js';
import { invalidInput } from './inference-server-error.js';

/** Options every call accepts. */
export interface CallOptions {
  /** Cancels the call when aborted (rejects with status CANCELLED); default none. */
  signal?: AbortSignal;
  /** Client-side deadline in milliseconds (rejects with code ERR_CLIENT_TIMEOUT); default the client's. */
  timeoutMs?: number;
  /** Extra HTTP headers / gRPC metadata for this call; default none. */
  headers?: Record<string, string>;
}

/** One requested output with its options. */
export interface RequestedOutput {
  /** Output name. */
  name: string;
  /** HTTP only: receive this output as binary (true) or JSON (false); default the call's mode. */
  binary?: boolean;
  /** Classification extension: return the top `classCount` classes as BYTES; default 0 (off). */
  classCount?: number;
  /** Extra output parameters; default none. */
  parameters?: Parameters;
  /** Write this output into a registered shared-memory region instead of the answer; default none. */
  sharedMemory?: SharedMemoryTarget;
}

/** Where in a registered shared-memory region an output is written. */
export interface SharedMemoryTarget {
  /** Registered region name. */
  region: string;
  /** Bytes available for the output at `offsetBytes`. */
  byteSize: number;
  /** Offset into the region in bytes; default 0. */
  offsetBytes?: number;
}

/** The `shared_memory_*` parameters of an output target (checked); offset left out when 0. */
export function sharedMemoryParameters(name: string, target: SharedMemoryTarget): Parameters {
  const offset = target.offsetBytes ?? 0;
  if (typeof target.region !== 'string' || target.region === '') {
    throw invalidInput(`Output '${name}': the shared-memory region name must be a non-empty string`);
  }
  for (const [label, v] of [
    ['byteSize', target.byteSize],
    ['offsetBytes', offset],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < 0) {
      throw invalidInput(
        `Output '${name}': sharedMemory.${label} must be a non-negative integer: received ${v}`,
      );
    }
  }
  const params: Parameters = {
    shared_memory_region: target.region,
    shared_memory_byte_size: target.byteSize,
  };
  if (offset !== 0) params.shared_memory_offset = offset;
  return params;
}

/** Options of an inference call. */
export interface InferOptions extends CallOptions {
  /** Model version to run; default '' (the server's version policy chooses). */
  modelVersion?: string;
  /** Request id, echoed in the result; default none. */
  requestId?: string;
  /** Outputs to return (names or RequestedOutput); default all outputs. */
  outputs?: readonly (string | RequestedOutput)[];
  /** Extra request parameters (not the reserved keys below, which have their own options). */
  parameters?: Parameters;
  /** Sequence correlation id (sequence batcher); 0 or '' = not a sequence; default 0. */
  sequenceId?: number | bigint | string;
  /** First request of the sequence; default false. */
  sequenceStart?: boolean;
  /** Last request of the sequence; default false. */
  sequenceEnd?: boolean;
  /** Scheduling priority level (1 = highest); 0 = the model's default; default 0. */
  priority?: number | bigint;
  /** Server-side queue timeout in microseconds (the `timeout` parameter); default none. */
  timeoutUs?: number | bigint;
  /** HTTP only: send inputs and receive outputs as JSON instead of binary tensors; default false. */
  json?: boolean;
  /** HTTP only: compress the request body and ask for a compressed answer; default none. */
  compression?: 'gzip' | 'deflate';
}

/** Request parameter keys that have dedicated options and may not appear in `parameters`. */
export const RESERVED_PARAMETERS: ReadonlySet<string> = RESERVED_REQUEST_PARAMETERS;

const UINT64_MAX = 2n ** 64n - 1n;
const INT64_MAX = 2n ** 63n - 1n;

/** The sequence id to send, or undefined when the call is not part of a sequence. */
export function sequenceIdOf(options: InferOptions): number | bigint | string | undefined {
  const id = options.sequenceId;
  if (id === undefined || id === 0 || id === 0n || id === '') return undefined;
  if (typeof id === 'string') return id;
  if (typeof id === 'number' ? !Number.isSafeInteger(id) || id < 0 : id < 0n || id > UINT64_MAX) {
    throw invalidInput(
      `Option sequenceId must be a non-negative integer below 2^64 or a string: received ${id}`,
    );
  }
  return id;
}

function checkNonNegative(name: string, value: number | bigint, max: bigint): void {
  const ok =
    typeof value === 'number' ? Number.isSafeInteger(value) && value >= 0 : value >= 0n && value <= max;
  if (!ok) throw invalidInput(`Option ${name} must be a non-negative integer: received ${value}`);
}

/**
 * The request-level parameters of a call: the user's `parameters` plus the reserved keys from
 * the dedicated options. Throws INVALID_ARG for reserved keys in `parameters` and bad values.
 */
export function requestParameters(options: InferOptions): Parameters {
  const out: Parameters = {};
  const user = options.parameters;
  if (user !== undefined) {
    for (const key in user) {
      if (RESERVED_PARAMETERS.has(key)) {
        throw invalidInput(
          `Parameter '${key}' is reserved: use the ${optionFor(key)} option instead of parameters`,
        );
      }
      out[key] = user[key] as ParameterValue;
    }
  }
  const sequenceId = sequenceIdOf(options);
  if (sequenceId !== undefined) {
    out.sequence_id = sequenceId;
    out.sequence_start = options.sequenceStart === true;
    out.sequence_end = options.sequenceEnd === true;
  }
  const priority = options.priority;
  if (priority !== undefined && priority !== 0 && priority !== 0n) {
    checkNonNegative('priority', priority, UINT64_MAX);
    out.priority = priority;
  }
  if (options.timeoutUs !== undefined) {
    checkNonNegative('timeoutUs', options.timeoutUs, INT64_MAX);
    out.timeout = options.timeoutUs;
  }
  return out;
}

function optionFor(key: string): string {
  switch (key) {
    case 'sequence_id':
      return 'sequenceId';
    case 'sequence_start':
      return 'sequenceStart';
    case 'sequence_end':
      return 'sequenceEnd';
    case 'timeout':
      return 'timeoutUs';
    case 'binary_data_output':
      return 'json';
    default:
      return key;
  }
}

/** The requested outputs of a call in their object form (names become `{ name }`). */
export function requestedOutputs(options: InferOptions): RequestedOutput[] | null {
  const outputs = options.outputs;
  if (outputs === undefined || outputs.length === 0) return null;
  const out: RequestedOutput[] = new Array(outputs.length);
  for (let i = 0; i < outputs.length; i++) {
    const o = outputs[i]!;
    const r = typeof o === 'string' ? { name: o } : o;
    const classCount = r.classCount;
    if (classCount !== undefined && (!Number.isSafeInteger(classCount) || classCount < 0)) {
      throw invalidInput(
        `Output '${r.name}': classCount must be a non-negative integer: received ${classCount}`,
      );
    }
    if (r.sharedMemory !== undefined && (r.classCount ?? 0) > 0) {
      throw invalidInput(`Output '${r.name}': sharedMemory and classCount cannot be combined`);
    }
    out[i] = r;
  }
  return out;
}
