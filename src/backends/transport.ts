/**
 * Transport: how a WorkerInstance's executions reach its worker and how their answers come back
 * (docs/adr/0017). The instance keeps lifecycle and correlation (execution id → sink); a transport
 * only moves bytes and tells its owner about each answer, oldest first. Two implementations, one
 * per kind of worker, chosen once by the backend at load:
 * - RingTransport: SharedRings and a doorbell, for a blocking worker with a synchronous executor
 *   (ONNX Runtime);
 * - MessageTransport: one message per execution, for workers that await or answer later
 *   (JavaScript models, decoupled models, process hosts).
 */
import type { ExecutionBatch } from './backend.js';
import type { WorkerHost } from './worker-host.js';
import type { ErrorMessage, ResultMessage, WorkerRings } from './worker-protocol.js';

/** Which transport an instance uses (WorkerInstanceOptions.transport). */
export type TransportKind = 'ring' | 'message';

/** What a transport needs from the instance that owns it. */
export interface TransportOwner {
  /** Executions in flight (sent and not answered). */
  readonly inFlightCount: number;
  /** An execution's answer, oldest first; the owner matches it to its sink. */
  onAnswer(msg: ResultMessage | ErrorMessage): void;
  /**
   * The transport broke its own rules (a full ring, an unknown record): the instance dies with
   * ERR_RING_PROTOCOL; `reason` continues "Instance "x" of model "y" ...".
   */
  onTransportError(reason: string): void;
}

/** Carries executions to one worker and their answers back. */
export interface Transport {
  /** What the worker needs to speak this transport (WorkerInit.rings); null for messages. */
  readonly rings: WorkerRings | null;
  /** Starts using `host` on behalf of `owner` (once, right after the host started). */
  attach(host: WorkerHost, owner: TransportOwner): void;
  /**
   * Sends execution `id`; throws (ERR_PACK_INPUTS) when the inputs cannot be packed, in which case
   * nothing was sent.
   */
  send(id: number, batch: ExecutionBatch, withRequestInfo: boolean): void;
  /** A RESULT or ERROR message of an execution (not of the load) arrived on the port. */
  onAnswerMessage(msg: ResultMessage | ErrorMessage): void;
  /** Posts a message that is not an execution (STOP, CALL_ANSWER); false when it could not. */
  post(message: unknown, transfer: ArrayBuffer[]): boolean;
  /** The instance stopped: drop pending waits, so nothing keeps it alive. */
  close(): void;
}
