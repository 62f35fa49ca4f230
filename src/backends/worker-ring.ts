/**
 * The records the main thread and a blocking-mode worker exchange through two SharedRings (one
 * each way, docs/adr/0007), and their encoding. Executions and their answers travel as ring records;
 * anything that does not fit a record (a large batch, a large result) or is not an execution (STOP)
 * still travels over the MessagePort, announced by a PORT record at its place in the ring, so both
 * directions keep one order: the main thread matches answers to executions oldest first.
 *
 *   EXECUTE (main → worker):  [f64 id][f64 batchSize] packed inputs and output names (worker-protocol)
 *   RESULT  (worker → main):  [f64 id][f64 computeInputNs][f64 computeInferNs][f64 computeOutputNs]
 *                             [f64 computeStartNs] packed outputs
 *   ERROR   (worker → main):  [f64 id][u32 JSON bytes][u32 0] JSON of {status, code, message}
 *   PORT    (either way):     empty; the next message on the port takes this record's place
 *   SLAB    (main → worker):  [f64 id][f64 batchSize]; the packed inputs are the oldest record of the
 *                             input slab (a third ring, for executions over the request ring's limit)
 */
import type { Tensor } from '../protocol/index.js';
import { SharedRing } from './shared-ring.js';
import { WorkerDoorbell } from './worker-doorbell.js';
import {
  MessageType,
  packedByteLength,
  packTensorsInto,
  type ResultMessage,
  type WorkerError,
  type WorkerRings,
} from './worker-protocol.js';

/** Record tags. */
export const RingTag = {
  EXECUTE: 1,
  PORT: 2,
  RESULT: 3,
  ERROR: 4,
  SLAB: 5,
} as const;

/** Payload bytes of a record beyond which it goes over the port (memcpy then costs more than a message). */
const MAX_RECORD_BYTES = 64 * 1024;
/** Data bytes of each ring (more for a very large maxInFlight, see createWorkerRings). */
const RING_BYTES = 1024 * 1024;
/**
 * Data bytes of each instance's input slab (power of two): executions too large for a request-ring
 * record (a batch of images) are written here once instead of going over the port. Its pages are
 * touched only by such executions, so a model with small inputs never pays for it; one with large
 * ones keeps up to this much resident. Half of it is the largest execution it takes (1 MiB: a batch
 * of 8 text_orientation images is 884 KB). Not larger: with 8 MiB slabs the resident memory grew by
 * ~0.5 MiB per load/unload cycle of a real model (memory.test.ts), with 2 MiB it stays flat.
 */
export const DEFAULT_INPUT_SLAB_BYTES = 2 * 1024 * 1024;
/** Ms an idle worker sleeps before looking at its port anyway: a safety net, the doorbell wakes it. */
const DEFAULT_IDLE_WAIT_MS = 1000;
/** Ring bytes set aside per record at least, so that PORT records always fit. */
const MIN_SLOT_BYTES = 32;
const EXECUTE_HEADER_BYTES = 16;
const RESULT_HEADER_BYTES = 40;
const ERROR_HEADER_BYTES = 16;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * New rings for an instance with `maxInFlight` executions in flight. Each ring holds at most one
 * record per execution in flight plus a PORT record, so records are sized to always fit:
 * a full ring is a protocol error, never back-pressure.
 */
export function createWorkerRings(
  maxInFlight: number,
  idleWaitMs = DEFAULT_IDLE_WAIT_MS,
  inputSlabBytes = DEFAULT_INPUT_SLAB_BYTES,
): WorkerRings {
  const ringBytes = Math.max(RING_BYTES, 2 * (maxInFlight + 2) * MIN_SLOT_BYTES);
  const perRecord = Math.floor(ringBytes / (2 * (maxInFlight + 2)));
  const maxRecordBytes = Math.max(0, Math.min(MAX_RECORD_BYTES, (perRecord - 16) & ~7));
  const slab = inputSlabBytes > 0 ? SharedRing.create(inputSlabBytes) : null;
  return {
    doorbell: WorkerDoorbell.create(),
    requests: SharedRing.create(ringBytes),
    results: SharedRing.create(ringBytes),
    maxRecordBytes,
    slab,
    maxSlabRecordBytes: slab === null ? 0 : SharedRing.largestSurePayloadBytes(slab),
    idleWaitMs,
  };
}

/** Writes an EXECUTE record; false when it is larger than `maxRecordBytes` or the ring is full. */
export function writeExecuteRecord(
  ring: SharedRing,
  maxRecordBytes: number,
  id: number,
  batchSize: number,
  inputs: readonly Tensor[],
  outputNames: readonly string[],
): boolean {
  const payload = EXECUTE_HEADER_BYTES + packedByteLength(inputs, outputNames);
  if (payload > maxRecordBytes) return false;
  const at = ring.reserve(payload);
  if (at < 0) return false;
  ring.view.setFloat64(at, id, true);
  ring.view.setFloat64(at + 8, batchSize, true);
  packTensorsInto(inputs, outputNames, ring.view, ring.bytes, at + EXECUTE_HEADER_BYTES);
  ring.commit(RingTag.EXECUTE);
  return true;
}

/**
 * Writes an execution too large for a request record into the input slab (its packed inputs, once)
 * and a SLAB record into the request ring; false when it is over `maxSlabRecordBytes` or the slab
 * has no room now (the worker has not yet taken older ones): send it over the port then.
 */
export function writeSlabExecuteRecord(
  ring: SharedRing,
  slab: SharedRing,
  maxSlabRecordBytes: number,
  id: number,
  batchSize: number,
  inputs: readonly Tensor[],
  outputNames: readonly string[],
): boolean {
  const payload = packedByteLength(inputs, outputNames);
  if (payload > maxSlabRecordBytes) return false;
  const data = slab.reserve(payload);
  if (data < 0) return false;
  // A 16-byte record always fits the request ring (createWorkerRings sizes it for that).
  const at = ring.reserve(EXECUTE_HEADER_BYTES);
  if (at < 0) return false;
  packTensorsInto(inputs, outputNames, slab.view, slab.bytes, data);
  slab.commit(RingTag.EXECUTE);
  ring.view.setFloat64(at, id, true);
  ring.view.setFloat64(at + 8, batchSize, true);
  ring.commit(RingTag.SLAB);
  return true;
}

/** An EXECUTE record as the worker reads it (the packed bytes copied out of the ring). */
export interface ExecuteRecord {
  id: number;
  batchSize: number;
  /** Bytes of packed inputs and names at offset 0 of `into`. */
  byteLength: number;
}

/**
 * Worker: reads the EXECUTE record peek() found, copying its packed bytes to the start of
 * `into` (which must hold ring.recordLength bytes; onnxruntime cannot read shared memory).
 */
export function readExecuteRecord(ring: SharedRing, into: Uint8Array): ExecuteRecord {
  const at = ring.recordOffset;
  const byteLength = ring.recordLength - EXECUTE_HEADER_BYTES;
  into.set(ring.bytes.subarray(at + EXECUTE_HEADER_BYTES, at + EXECUTE_HEADER_BYTES + byteLength));
  return { id: ring.view.getFloat64(at, true), batchSize: ring.view.getFloat64(at + 8, true), byteLength };
}

/**
 * Worker: reads the SLAB record peek() found in the request ring and takes its inputs, the oldest
 * slab record, copying them to the start of `into` (which must hold slab.recordLength bytes after
 * `slab.peek()`); the slab record is released here, the request record by the caller.
 */
export function readSlabExecuteRecord(ring: SharedRing, slab: SharedRing, into: Uint8Array): ExecuteRecord {
  const at = ring.recordOffset;
  const byteLength = slab.recordLength;
  into.set(slab.bytes.subarray(slab.recordOffset, slab.recordOffset + byteLength));
  slab.release();
  return { id: ring.view.getFloat64(at, true), batchSize: ring.view.getFloat64(at + 8, true), byteLength };
}

/** Execution timings a RESULT record carries, in ns. */
export interface RecordTimings {
  computeInputNs: number;
  computeInferNs: number;
  computeOutputNs: number;
  /** When the execution started, process.hrtime in ns. */
  computeStartNs: number;
}

/** Worker: writes a RESULT record; false when it is larger than `maxRecordBytes` or the ring is full. */
export function writeResultRecord(
  ring: SharedRing,
  maxRecordBytes: number,
  id: number,
  timings: RecordTimings,
  outputs: readonly Tensor[],
): boolean {
  const payload = RESULT_HEADER_BYTES + packedByteLength(outputs, []);
  if (payload > maxRecordBytes) return false;
  const at = ring.reserve(payload);
  if (at < 0) return false;
  ring.view.setFloat64(at, id, true);
  ring.view.setFloat64(at + 8, timings.computeInputNs, true);
  ring.view.setFloat64(at + 16, timings.computeInferNs, true);
  ring.view.setFloat64(at + 24, timings.computeOutputNs, true);
  ring.view.setFloat64(at + 32, timings.computeStartNs, true);
  packTensorsInto(outputs, [], ring.view, ring.bytes, at + RESULT_HEADER_BYTES);
  ring.commit(RingTag.RESULT);
  return true;
}

/**
 * Main thread: reads the RESULT record peek() found as a RESULT message whose buffer holds a
 * private copy of the packed outputs (the sinks may keep the tensors after the record is released).
 *
 * The copy comes from `Buffer.allocUnsafe`, which carves small sizes out of node's shared 8 KiB
 * pool at 8-byte-aligned offsets, so the message carries a byteOffset. A new ArrayBuffer per
 * answer (`slice`) costs ~3 µs once the garbage collector's share is counted (measured in a loop
 * of 168-byte copies: 3.0 µs against 0.15 µs), more than everything else this function does.
 */
export function readResultRecord(ring: SharedRing): ResultMessage {
  const at = ring.recordOffset;
  const start = at + RESULT_HEADER_BYTES;
  const byteLength = ring.recordLength - RESULT_HEADER_BYTES;
  const copy = Buffer.allocUnsafe(byteLength);
  copy.set(ring.bytes.subarray(start, start + byteLength));
  return {
    type: MessageType.RESULT,
    id: ring.view.getFloat64(at, true),
    buffer: copy.buffer,
    byteOffset: copy.byteOffset,
    byteLength,
    inputBuffer: null,
    computeInputNs: ring.view.getFloat64(at + 8, true),
    computeInferNs: ring.view.getFloat64(at + 16, true),
    computeOutputNs: ring.view.getFloat64(at + 24, true),
    computeStartNs: ring.view.getFloat64(at + 32, true),
  };
}

/** Worker: writes an ERROR record; false when the message does not fit (send it over the port). */
export function writeErrorRecord(
  ring: SharedRing,
  maxRecordBytes: number,
  id: number,
  error: WorkerError,
): boolean {
  const json = encoder.encode(
    JSON.stringify({ status: error.status, code: error.code, message: error.message }),
  );
  const payload = ERROR_HEADER_BYTES + json.length;
  if (payload > maxRecordBytes) return false;
  const at = ring.reserve(payload);
  if (at < 0) return false;
  ring.view.setFloat64(at, id, true);
  ring.view.setUint32(at + 8, json.length, true);
  ring.view.setUint32(at + 12, 0, true);
  ring.bytes.set(json, at + ERROR_HEADER_BYTES);
  ring.commit(RingTag.ERROR);
  return true;
}

/** Main thread: reads the ERROR record peek() found. */
export function readErrorRecord(ring: SharedRing): { id: number; error: WorkerError } {
  const at = ring.recordOffset;
  const length = ring.view.getUint32(at + 8, true);
  const json = decoder.decode(ring.bytes.slice(at + ERROR_HEADER_BYTES, at + ERROR_HEADER_BYTES + length));
  return { id: ring.view.getFloat64(at, true), error: JSON.parse(json) as WorkerError };
}

/** Writes a PORT record; false when the ring is full (a protocol error: see createWorkerRings). */
export function writePortRecord(ring: SharedRing): boolean {
  if (ring.reserve(0) < 0) return false;
  ring.commit(RingTag.PORT);
  return true;
}
