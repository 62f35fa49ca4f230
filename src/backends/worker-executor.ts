/**
 * What a worker backend plugs into the worker runtime (WorkerExecutor, the batch it gets, the
 * timings it fills) and how an execution's outcome becomes the RESULT or ERROR answer both
 * transports send. Runs only inside workers; no I/O here.
 */
import { toServerError } from '../common/errors.js';
import type { Tensor } from '../protocol/index.js';
import type { ExecutionRequestInfo } from './backend.js';
import {
  type ErrorMessage,
  MessageType,
  packTensors,
  type ResultMessage,
  type WorkerError,
} from './worker-protocol.js';

/** One batch as a worker executor sees it. */
export interface WorkerBatch {
  /** The execution's id (decoupled responses name it). */
  executionId: number;
  /** Rows in the batch. */
  batchSize: number;
  /** Input tensors; `data` views the received buffer (8-byte aligned), valid until execute returns. */
  inputs: Tensor[];
  /** Outputs to compute; empty means all. */
  outputNames: string[];
  /** Per-request facts, when the instance was started with `sendRequestInfo`; else null. */
  requests: ExecutionRequestInfo[] | null;
}

/** Filled by the executor: when the model run started and ended, in `nowNs()` nanoseconds. */
export interface ExecutorTiming {
  /** nowNs() just before the framework runs the model. */
  inferStartNs: number;
  /** nowNs() just after it returned. */
  inferEndNs: number;
}

/**
 * An answer that is more than the batch's outputs: per-request tensors and errors (JavaScript
 * models), or only "returned" for a decoupled execution whose responses travel as RESPONSE messages.
 */
export interface PerRequestOutputs {
  /** Each request's tensors, one request after the other. */
  tensors: Tensor[];
  /** Each request's tensor count, or -1 when it failed with the next entry of `errors`; null: none. */
  perRequestCounts: number[] | null;
  /** Errors of the failed requests, in request order. */
  errors: WorkerError[] | null;
  /** Decoupled: the execution returned; its requests answer through RESPONSE messages. */
  decoupled: boolean;
}

/** What an executor returns: the batch's outputs, or a per-request answer. */
export type ExecutorOutputs = Tensor[] | PerRequestOutputs;

/** Runs batches inside the worker; supplied by a backend's worker entry. */
export interface WorkerExecutor {
  /**
   * Runs one batch (wire form; data may view framework memory). Executors served on the ring
   * transport must answer synchronously.
   */
  execute(batch: WorkerBatch, timing: ExecutorTiming): ExecutorOutputs | Promise<ExecutorOutputs>;
}

/** Monotonic time in nanoseconds (as a number; one clock for every thread of the process). */
export function nowNs(): number {
  return Number(process.hrtime.bigint());
}

/** An execution's answer and the buffers it transfers. */
export interface Answer {
  /** RESULT or ERROR. */
  message: ResultMessage | ErrorMessage;
  /** Buffers to transfer with it. */
  transfer: ArrayBuffer[];
}

/** An ERROR answer for execution `id` (-1: the load) with `inputBuffer` handed back (null: none). */
export function errorAnswer(id: number, err: unknown, inputBuffer: ArrayBuffer | null): Answer {
  const e = toServerError(err);
  const message: ErrorMessage = {
    type: MessageType.ERROR,
    id,
    status: e.status,
    code: e.code,
    message: e.message,
    inputBuffer,
  };
  return { message, transfer: inputBuffer === null ? [] : [inputBuffer] };
}

/** The compute timings of an execution that started at `startNs` and just ended. */
export function timingsSince(
  startNs: number,
  timing: ExecutorTiming,
): Omit<ResultMessage, 'type' | 'id' | 'buffer' | 'byteLength' | 'inputBuffer'> {
  const inferStart = timing.inferStartNs || startNs;
  const inferEnd = timing.inferEndNs || inferStart;
  return {
    computeInputNs: inferStart - startNs,
    computeInferNs: inferEnd - inferStart,
    computeOutputNs: nowNs() - inferEnd,
    computeStartNs: startNs,
  };
}

/**
 * Packs an execution's outputs into its RESULT (or an ERROR when they cannot be packed), for an
 * execution that started at `startNs`; `inputBuffer` goes back with it for reuse (null: none).
 */
export function resultAnswer(
  id: number,
  outputs: ExecutorOutputs,
  startNs: number,
  timing: ExecutorTiming,
  inputBuffer: ArrayBuffer | null,
): Answer {
  try {
    const perRequest = Array.isArray(outputs) ? null : outputs;
    const packed = packTensors(perRequest === null ? (outputs as Tensor[]) : perRequest.tensors, [], null);
    const result: ResultMessage = {
      type: MessageType.RESULT,
      id,
      buffer: packed.buffer,
      byteLength: packed.byteLength,
      inputBuffer,
      ...timingsSince(startNs, timing),
    };
    if (perRequest !== null) {
      result.perRequestCounts = perRequest.perRequestCounts;
      result.errors = perRequest.errors;
      result.decoupled = perRequest.decoupled;
    }
    return {
      message: result,
      transfer: inputBuffer === null ? [packed.buffer] : [packed.buffer, inputBuffer],
    };
  } catch (err) {
    return errorAnswer(id, err, inputBuffer);
  }
}
