/**
 * MessageTransport: one EXECUTE message per execution, its inputs packed into one transferred
 * buffer (reused ping-pong style: the worker hands it back with the answer), one RESULT or ERROR
 * message back (docs/adr/0017). For workers that await or answer later on their event loop
 * (JavaScript models, decoupled models) and for child processes, whose IPC channel copies. The
 * worker queues executions that arrive while one runs, so several may be in flight.
 */
import type { ExecutionBatch } from './backend.js';
import type { Transport, TransportOwner } from './transport.js';
import type { WorkerHost } from './worker-host.js';
import {
  type ErrorMessage,
  type ExecuteMessage,
  MessageType,
  packTensors,
  type ResultMessage,
} from './worker-protocol.js';

/** Executions and answers as messages over the worker's port; see the file header. */
export class MessageTransport implements Transport {
  readonly rings = null;
  /** Messages posted to the worker so far (diagnostics). */
  postedMessages = 0;
  /** Answers received so far (diagnostics). */
  answerMessages = 0;
  private host: WorkerHost | null = null;
  private owner: TransportOwner | null = null;
  /** Input buffers the worker handed back, reused for the next executions. */
  private readonly spares: ArrayBuffer[] = [];

  attach(host: WorkerHost, owner: TransportOwner): void {
    this.host = host;
    this.owner = owner;
  }

  send(id: number, batch: ExecutionBatch, withRequestInfo: boolean): void {
    const msg = executeMessage(id, batch, withRequestInfo, this.spares.pop() ?? null);
    this.post(msg, [msg.buffer]);
  }

  onAnswerMessage(msg: ResultMessage | ErrorMessage): void {
    this.answerMessages++;
    if (msg.inputBuffer !== null) this.spares.push(msg.inputBuffer);
    this.owner!.onAnswer(msg);
  }

  post(message: unknown, transfer: ArrayBuffer[]): boolean {
    this.postedMessages++;
    this.host!.postMessage(message, transfer);
    return true;
  }

  close(): void {}
}

/** Execution `id` as an EXECUTE message, its inputs packed into `reuse` when it is large enough. */
export function executeMessage(
  id: number,
  batch: ExecutionBatch,
  withRequestInfo: boolean,
  reuse: ArrayBuffer | null,
): ExecuteMessage {
  const packed = packTensors(batch.inputs, batch.outputNames, reuse);
  return {
    type: MessageType.EXECUTE,
    id,
    batchSize: batch.batchSize,
    buffer: packed.buffer,
    byteLength: packed.byteLength,
    requests: withRequestInfo ? (batch.requests as ExecuteMessage['requests']) : null,
  };
}
