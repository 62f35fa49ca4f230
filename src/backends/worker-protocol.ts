/**
 * The messages between the main thread and a model worker, and the packing of a list of tensors
 * (plus a list of names) into one ArrayBuffer that is transferred, never cloned. Messages carry only
 * a few numbers and strings beside the buffers. Who sends what and when lives in the transports
 * (message-transport.ts, ring-transport.ts; worker-runtime.ts on the worker side); model code lives
 * in the backends.
 *
 *   packed buffer (little-endian; every record and data block starts at a multiple of 8):
 *   [u32 tensorCount][u32 nameCount]
 *   per tensor: [u8 datatype index][u8 rank][u16 0][u32 nameBytes][f64 dataOffset][f64 dataBytes]
 *               [f64 dim] x rank [name utf8, padded to 8]
 *   per name:   [u32 nameBytes][u32 0][name utf8, padded to 8]
 *   data:       tensor 0 bytes, padded to 8 | tensor 1 bytes, padded to 8 | ...
 */
import { type ErrorCode, internal, type Status } from '../common/errors.js';
import { DATATYPES, type DataType } from '../protocol/datatypes.js';
import { copyTensorBytes, type ModelConfig, type Tensor, tensorByteLength } from '../protocol/index.js';
import type { BackendLogLevel, ExecutionRequestInfo, ModelFileMetadata } from './backend.js';
import { tensorNames } from './tensor-name-codec.js';

/** Message kinds (small integers so both sides switch on numbers). */
export const MessageType = {
  /** Worker → main: the model is loaded; carries its metadata. */
  READY: 1,
  /** Main → worker: run one batch. */
  EXECUTE: 2,
  /** Worker → main: a batch's outputs. */
  RESULT: 3,
  /** Worker → main: a batch (id >= 0) or the load (id -1) failed. */
  ERROR: 4,
  /** Worker → main: a log line. */
  LOG: 5,
  /** Main → worker: exit as soon as the current call returns. */
  STOP: 6,
  /** Worker → main: one response of one request of a decoupled model. */
  RESPONSE: 7,
  /** Worker → main: a model calls another model (BLS). */
  CALL: 8,
  /** Main → worker: one answer to a CALL. */
  CALL_ANSWER: 9,
  /**
   * Child process → main (process hosts only): an uncaught error is about to end the process; a
   * worker thread reports the same through its 'error' event.
   */
  FATAL: 12,
} as const;

/** What the main thread passes as `workerData` (the init message). */
export interface WorkerInit<TOptions = unknown> {
  /** Model name, for messages. */
  modelName: string;
  /** Instance name, for messages. */
  instanceName: string;
  /** The model config (structured-cloned once at start). */
  config: ModelConfig | null;
  /** Backend-specific load options (model path, session options, ...). */
  options: TOptions;
  /**
   * Ring transport: the SharedRings that carry executions and answers (worker-ring.ts) and the
   * doorbell the blocked worker sleeps on; null on the message transport.
   */
  rings: WorkerRings | null;
}

/** The shared memory of a ring-transport instance (see worker-ring.ts), passed in WorkerInit. */
export interface WorkerRings {
  /** The doorbell's word (worker-doorbell.ts): the worker waits on it in `Atomics.wait`. */
  doorbell: SharedArrayBuffer;
  /** Main → worker. */
  requests: SharedArrayBuffer;
  /** Worker → main. */
  results: SharedArrayBuffer;
  /** Largest record payload either side writes into a ring; bigger ones go over the port. */
  maxRecordBytes: number;
  /** Main → worker: the input slab, a ring of packed inputs too large for a request record; null = none. */
  slab: SharedArrayBuffer | null;
  /** Largest packed inputs the slab takes; bigger ones go over the port. */
  maxSlabRecordBytes: number;
  /** Ms a worker with nothing to do sleeps before it looks at its port anyway (the doorbell wakes it sooner). */
  idleWaitMs: number;
}

/** Worker → main: loaded. */
export interface ReadyMessage {
  type: typeof MessageType.READY;
  /** The model file's I/O metadata, or null when the backend does not read it. */
  metadata: ModelFileMetadata | null;
}

/** Main → worker: one execution. */
export interface ExecuteMessage {
  type: typeof MessageType.EXECUTE;
  /** Execution id, echoed in the answer. */
  id: number;
  /** Rows in the batch. */
  batchSize: number;
  /** Packed inputs (tensors) and requested output names (names); transferred. */
  buffer: ArrayBuffer;
  /** Bytes of `buffer` in use. */
  byteLength: number;
  /** Per-request facts, only for backends that answer per request; else null. */
  requests: ExecutionRequestInfo[] | null;
}

/** Main → worker: exit the thread (handled between calls, never inside a native one). */
export interface StopMessage {
  type: typeof MessageType.STOP;
}

/** Any message the main thread sends. */
export type MainMessage = ExecuteMessage | StopMessage | CallAnswerMessage;

/** Worker → main: one execution's outputs. */
export interface ResultMessage {
  type: typeof MessageType.RESULT;
  /** The execution id. */
  id: number;
  /** Packed outputs; transferred. */
  buffer: ArrayBuffer;
  /** Bytes of `buffer` in use. */
  byteLength: number;
  /**
   * Where the packed outputs start in `buffer` (a multiple of 8); absent means 0. Only a result
   * read from a ring sets it: its copy sits in node's shared Buffer pool, never transferred.
   */
  byteOffset?: number;
  /** The execution's input buffer, handed back for reuse (transferred), or null. */
  inputBuffer: ArrayBuffer | null;
  /** Time spent preparing inputs, in ns. */
  computeInputNs: number;
  /** Time spent running the model, in ns. */
  computeInferNs: number;
  /** Time spent preparing outputs, in ns. */
  computeOutputNs: number;
  /** When the worker started the execution: process.hrtime in ns (one clock for every thread). */
  computeStartNs: number;
  /**
   * Backends that answer per request: each request's tensor count (its tensors follow each other
   * in the packed buffer) or -1 when it failed with the next entry of `errors`. Absent or null: the
   * packed tensors are the batch's outputs.
   */
  perRequestCounts?: number[] | null;
  /** Errors of the failed requests, in request order (with perRequestCounts). */
  errors?: WorkerError[] | null;
  /** Decoupled: the execution returned; its requests are answered through RESPONSE messages. */
  decoupled?: boolean;
}

/** An error as it crosses the thread boundary. */
export interface WorkerError {
  /** Triton status. */
  status: Status;
  /** Stable `ERR_*` code. */
  code: ErrorCode;
  /** Message. */
  message: string;
}

/** Worker → main: one response of request `index` of decoupled execution `id`. */
export interface ResponseMessage {
  type: typeof MessageType.RESPONSE;
  /** The execution id. */
  id: number;
  /** The request's position in the batch. */
  index: number;
  /** Packed outputs (transferred), or null for an empty (final) response or an error. */
  buffer: ArrayBuffer | null;
  /** Bytes of `buffer` in use. */
  byteLength: number;
  /** The request's last response. */
  final: boolean;
  /** The request failed (final); null otherwise. */
  error: WorkerError | null;
}

/** Worker → main: run a request on another model (BLS) and send every answer back. */
export interface CallMessage {
  type: typeof MessageType.CALL;
  /** Call id chosen by the worker, echoed in each answer. */
  callId: number;
  /** Target model. */
  model: string;
  /** Target version ('' = policy). */
  version: string;
  /** Request id. */
  requestId: string;
  /** Request parameters. */
  parameters: Record<string, string | number | boolean | bigint>;
  /** Trace id of the calling request when the model passed it (`InferOptions.trace`); 0 = none. */
  parentTraceId: number;
  /** Packed inputs (tensors) and requested output names (names, empty = all); transferred. */
  buffer: ArrayBuffer;
  /** Bytes of `buffer` in use. */
  byteLength: number;
}

/** Main → worker: one answer to a CALL (a response, the final flag, or an error). */
export interface CallAnswerMessage {
  type: typeof MessageType.CALL_ANSWER;
  /** The call id. */
  callId: number;
  /** Packed outputs (transferred), or null for an empty final answer or an error. */
  buffer: ArrayBuffer | null;
  /** Bytes of `buffer` in use. */
  byteLength: number;
  /** The version that answered. */
  modelVersion: string;
  /** Response parameters, or null. */
  parameters: Record<string, string | number | boolean | bigint> | null;
  /** The call's last answer. */
  final: boolean;
  /** The call failed (final); null otherwise. */
  error: WorkerError | null;
}

/** Worker → main: a failure (of an execution, or of the load when id is -1). */
export interface ErrorMessage {
  type: typeof MessageType.ERROR;
  /** The execution id, or -1 for a load failure. */
  id: number;
  /** Triton status of the error. */
  status: Status;
  /** Stable `ERR_*` code. */
  code: ErrorCode;
  /** Error message. */
  message: string;
  /** The execution's input buffer, handed back for reuse, or null. */
  inputBuffer: ArrayBuffer | null;
}

/** Child process → main: the uncaught error that ends the process (process hosts only). */
export interface FatalMessage {
  type: typeof MessageType.FATAL;
  /** The error's message. */
  message: string;
}

/** Worker → main: a log line. */
export interface LogMessage {
  type: typeof MessageType.LOG;
  /** Severity. */
  level: BackendLogLevel;
  /** The line. */
  message: string;
}

/** Any message a worker sends. */
export type WorkerMessage =
  | ReadyMessage
  | ResultMessage
  | ErrorMessage
  | LogMessage
  | ResponseMessage
  | CallMessage;

const HEADER_BYTES = 8;
const RECORD_FIXED_BYTES = 24;

const DATATYPE_INDEX: Readonly<Record<string, number>> = Object.fromEntries(DATATYPES.map((t, i) => [t, i]));

/** Rounds `n` up to a multiple of 8. */
export function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

function utf8Length(s: string): number {
  return tensorNames.encode(s).length;
}

/** Bytes needed to pack `tensors` and `names` (see the file header). */
export function packedByteLength(tensors: readonly Tensor[], names: readonly string[]): number {
  let n = HEADER_BYTES;
  for (let i = 0; i < tensors.length; i++) {
    const t = tensors[i]!;
    n += RECORD_FIXED_BYTES + 8 * t.shape.length + align8(utf8Length(t.name));
    n += align8(tensorByteLength(t));
  }
  for (let i = 0; i < names.length; i++) n += 8 + align8(utf8Length(names[i]!));
  return n;
}

/** The result of packing: the buffer (possibly the reused one) and the bytes written. */
export interface PackedTensors {
  /** The buffer written into; transfer it. */
  buffer: ArrayBuffer;
  /** Bytes used. */
  byteLength: number;
}

/**
 * Packs tensors and names into `reuse` when it is large enough, else into a new buffer that grows
 * geometrically past `reuse` (so a ping-ponged buffer settles at the largest batch size).
 */
export function packTensors(
  tensors: readonly Tensor[],
  names: readonly string[],
  reuse: ArrayBuffer | null,
): PackedTensors {
  const byteLength = packedByteLength(tensors, names);
  let buffer = reuse;
  if (buffer === null || buffer.byteLength < byteLength) {
    const grown = buffer === null ? 0 : buffer.byteLength * 2;
    buffer = new ArrayBuffer(Math.max(byteLength, align8(grown)));
  }
  packTensorsInto(tensors, names, new DataView(buffer), new Uint8Array(buffer), 0);
  return { buffer, byteLength };
}

/**
 * Packs tensors and names at `base` (a multiple of 8) of a buffer that has packedByteLength()
 * bytes free there, e.g. a SharedRing record. Offsets inside are relative to `base`, so the
 * packed bytes unpack wherever they are copied to. `view` and `bytes` cover the same buffer.
 */
export function packTensorsInto(
  tensors: readonly Tensor[],
  names: readonly string[],
  view: DataView,
  bytes: Uint8Array,
  base: number,
): void {
  view.setUint32(base, tensors.length, true);
  view.setUint32(base + 4, names.length, true);
  let dataOffset = HEADER_BYTES;
  for (let i = 0; i < tensors.length; i++) {
    const t = tensors[i]!;
    dataOffset += RECORD_FIXED_BYTES + 8 * t.shape.length + align8(utf8Length(t.name));
  }
  for (let i = 0; i < names.length; i++) dataOffset += 8 + align8(utf8Length(names[i]!));
  let at = base + HEADER_BYTES;
  for (let i = 0; i < tensors.length; i++) {
    const t = tensors[i]!;
    const index = DATATYPE_INDEX[t.datatype];
    if (index === undefined) {
      throw internal('ERR_PACK_DATATYPE', `Cannot pack tensor "${t.name}": unknown datatype "${t.datatype}"`);
    }
    const encodedName = tensorNames.encode(t.name);
    const nameBytes = encodedName.length;
    bytes.set(encodedName, at + RECORD_FIXED_BYTES + 8 * t.shape.length);
    view.setUint8(at, index);
    view.setUint8(at + 1, t.shape.length);
    view.setUint16(at + 2, 0, true);
    view.setUint32(at + 4, nameBytes, true);
    view.setFloat64(at + 8, dataOffset, true);
    const byteLength = tensorByteLength(t);
    view.setFloat64(at + 16, byteLength, true);
    for (let d = 0; d < t.shape.length; d++)
      view.setFloat64(at + RECORD_FIXED_BYTES + 8 * d, t.shape[d]!, true);
    at += RECORD_FIXED_BYTES + 8 * t.shape.length + align8(nameBytes);
    copyTensorBytes(t, bytes, base + dataOffset);
    dataOffset += align8(byteLength);
  }
  for (let i = 0; i < names.length; i++) {
    const encodedName = tensorNames.encode(names[i]!);
    const written = encodedName.length;
    bytes.set(encodedName, at + 8);
    view.setUint32(at, written, true);
    view.setUint32(at + 4, 0, true);
    at += 8 + align8(written);
  }
}

/** Unpacked tensors (views into the buffer, no copies) and names. */
export interface UnpackedTensors {
  /** Tensors whose `data` views the packed buffer at 8-byte-aligned offsets. */
  tensors: Tensor[];
  /** The packed names (requested outputs, for an execute message). */
  names: string[];
}

/**
 * Reads what packTensors wrote at `byteOffset` of `buffer` (a multiple of 8); tensor data are views
 * into `buffer` (aligned to 8 bytes).
 */
export function unpackTensors(buffer: ArrayBuffer, byteLength: number, byteOffset = 0): UnpackedTensors {
  const view = new DataView(buffer, byteOffset, byteLength);
  const tensorCount = view.getUint32(0, true);
  const nameCount = view.getUint32(4, true);
  const tensors: Tensor[] = new Array(tensorCount);
  const names: string[] = new Array(nameCount);
  const bytes = new Uint8Array(buffer, byteOffset, byteLength);
  let at = HEADER_BYTES;
  for (let i = 0; i < tensorCount; i++) {
    const datatype: DataType | undefined = DATATYPES[view.getUint8(at)];
    const rank = view.getUint8(at + 1);
    const nameBytes = view.getUint32(at + 4, true);
    const dataOffset = view.getFloat64(at + 8, true);
    const dataBytes = view.getFloat64(at + 16, true);
    const shape: number[] = new Array(rank);
    for (let d = 0; d < rank; d++) shape[d] = view.getFloat64(at + RECORD_FIXED_BYTES + 8 * d, true);
    const nameAt = at + RECORD_FIXED_BYTES + 8 * rank;
    if (nameAt + nameBytes > byteLength)
      throw internal('ERR_UNPACK', 'Cannot unpack a tensor name: corrupt packed buffer');
    const name = tensorNames.decode(bytes, nameAt, nameBytes);
    if (datatype === undefined || dataOffset + dataBytes > byteLength) {
      throw internal('ERR_UNPACK', `Cannot unpack tensor "${name}": corrupt packed buffer`);
    }
    tensors[i] = { name, datatype, shape, data: new Uint8Array(buffer, byteOffset + dataOffset, dataBytes) };
    at = nameAt + align8(nameBytes);
  }
  for (let i = 0; i < nameCount; i++) {
    const nameBytes = view.getUint32(at, true);
    if (at + 8 + nameBytes > byteLength)
      throw internal('ERR_UNPACK', 'Cannot unpack a name: corrupt packed buffer');
    names[i] = tensorNames.decode(bytes, at + 8, nameBytes);
    at += 8 + align8(nameBytes);
  }
  return { tensors, names };
}
