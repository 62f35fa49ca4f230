/**
 * RingTransport: the transport of a blocking worker with a synchronous executor (ONNX Runtime,
 * docs/adr/0007 and 0017). Executions are written as records into a SharedRing and the worker is
 * rung through its doorbell; answers come back as records in a second ring, drained when the
 * worker notifies (one waitAsync pending while executions are in flight). An execution too large
 * for a record has its inputs written once into the instance's input slab (a third ring) behind a
 * SLAB record; one too large for the slab, or finding it full, travels as a message instead,
 * announced by a PORT record at its place, so both directions keep one order. Optionally the main thread watches for a fast answer itself
 * (AnswerPollPolicy). Correlation and lifecycle are the owner's (WorkerInstance).
 */

import { AnswerPollPolicy } from './answer-poll-policy.js';
import type { ExecutionBatch } from './backend.js';
import { executeMessage } from './message-transport.js';
import { SharedRing } from './shared-ring.js';
import type { Transport, TransportOwner } from './transport.js';
import { WorkerDoorbell } from './worker-doorbell.js';
import type { WorkerHost } from './worker-host.js';
import { type ErrorMessage, MessageType, type ResultMessage, type WorkerRings } from './worker-protocol.js';
import {
  createWorkerRings,
  RingTag,
  readErrorRecord,
  readResultRecord,
  writeExecuteRecord,
  writePortRecord,
  writeSlabExecuteRecord,
} from './worker-ring.js';

/** Options of a RingTransport. */
export interface RingTransportOptions {
  /** Executions in flight at most (sizes the rings). */
  maxInFlight: number;
  /** µs the main thread may watch for a fast single answer (AnswerPollPolicy); 0 = never. Default 0. */
  answerPollUs?: number;
  /** Ms an idle worker sleeps before looking at its port anyway (the doorbell wakes it sooner). Default 1000. */
  idleWaitMs?: number;
  /** Bytes of the input slab for executions too large for a record; 0 = none. Default DEFAULT_INPUT_SLAB_BYTES. */
  inputSlabBytes?: number;
}

/** Executions and answers through two SharedRings; see the file header. */
export class RingTransport implements Transport {
  readonly rings: WorkerRings;
  /** Executions written as ring records so far, through the slab or not (diagnostics). */
  ringExecutions = 0;
  /** Of those, executions whose inputs went through the input slab (diagnostics). */
  slabExecutions = 0;
  /** Messages posted to the worker so far: large executions, STOP (diagnostics). */
  postedMessages = 0;
  /** Answers that came as messages so far (diagnostics). */
  answerMessages = 0;
  /** The watch-for-the-answer policy of this instance. */
  readonly poll: AnswerPollPolicy;
  private readonly maxInFlight: number;
  private readonly requestRing: SharedRing;
  private readonly resultRing: SharedRing;
  private readonly slab: SharedRing | null;
  private readonly doorbell: WorkerDoorbell;
  private host: WorkerHost | null = null;
  private owner: TransportOwner | null = null;
  /** Input buffers of executions sent as messages, handed back for the next large one. */
  private readonly spares: ArrayBuffer[] = [];
  /** A waitAsync on the result ring is pending. */
  private resultWaitPending = false;
  /** The oldest answer is a message on the port (a PORT record said so). */
  private awaitingPortAnswer = false;
  private flushScheduled = false;
  private closed = false;

  constructor(options: RingTransportOptions) {
    this.maxInFlight = options.maxInFlight;
    this.rings = createWorkerRings(options.maxInFlight, options.idleWaitMs, options.inputSlabBytes);
    this.slab = this.rings.slab === null ? null : new SharedRing(this.rings.slab);
    this.requestRing = new SharedRing(this.rings.requests);
    this.resultRing = new SharedRing(this.rings.results);
    this.doorbell = new WorkerDoorbell(this.rings.doorbell);
    this.poll = new AnswerPollPolicy(options.answerPollUs ?? 0);
  }

  /** How often the worker has notified that answers are waiting (diagnostics). */
  get resultNotifications(): number {
    return this.resultRing.notifications;
  }

  attach(host: WorkerHost, owner: TransportOwner): void {
    this.host = host;
    this.owner = owner;
  }

  /**
   * Writes the execution as a record (or sends it as a message behind a PORT record when it is too
   * large), then rings the doorbell: at once with room for one execution only, else at the end of
   * this event-loop turn (flush), so a burst wakes the worker once.
   */
  send(id: number, batch: ExecutionBatch): void {
    let written = writeExecuteRecord(
      this.requestRing,
      this.rings.maxRecordBytes,
      id,
      batch.batchSize,
      batch.inputs,
      batch.outputNames,
    );
    if (!written && this.slab !== null) {
      written = writeSlabExecuteRecord(
        this.requestRing,
        this.slab,
        this.rings.maxSlabRecordBytes,
        id,
        batch.batchSize,
        batch.inputs,
        batch.outputNames,
      );
      if (written) this.slabExecutions++;
    }
    if (!written) {
      const message = executeMessage(id, batch, false, this.spares.pop() ?? null);
      if (!this.post(message, [message.buffer])) {
        this.owner!.onTransportError('found its request ring full, which its sizing rules out');
        return;
      }
    } else {
      this.ringExecutions++;
      if (this.maxInFlight === 1) this.doorbell.ring();
      else this.scheduleFlush();
    }
    this.armResults();
  }

  post(message: unknown, transfer: ArrayBuffer[]): boolean {
    this.postedMessages++;
    this.host!.postMessage(message, transfer);
    if (!writePortRecord(this.requestRing)) return false;
    this.doorbell.ring();
    return true;
  }

  /**
   * An answer that came as a message. Its PORT record follows the records of older executions,
   * which are answered first; then this one; then whatever the ring holds after it.
   */
  onAnswerMessage(msg: ResultMessage | ErrorMessage): void {
    this.answerMessages++;
    if (msg.inputBuffer !== null) this.spares.push(msg.inputBuffer);
    const ring = this.resultRing;
    this.drainResults();
    if (this.awaitingPortAnswer) {
      this.awaitingPortAnswer = false;
      if (ring.peek() && ring.recordTag === RingTag.PORT) ring.release();
    }
    this.answer(msg);
    this.drainResults();
    this.armResults();
  }

  close(): void {
    this.closed = true;
    // A pending waitAsync would keep this instance and its rings alive after the worker is gone.
    if (this.resultWaitPending) this.resultRing.cancelWait();
  }

  private answer(msg: ResultMessage | ErrorMessage): void {
    if (msg.type === MessageType.RESULT) {
      this.poll.observe(msg.computeInputNs + msg.computeInferNs + msg.computeOutputNs);
    }
    this.owner!.onAnswer(msg);
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(this.flush);
  }

  /**
   * End of the turn that wrote executions: answers the worker wrote before now go out in this turn
   * rather than in the later one its notify wakes; then the worker is rung if it sleeps, and the
   * main thread may watch for a fast answer.
   */
  private readonly flush = (): void => {
    this.flushScheduled = false;
    if (this.closed) return;
    if (!this.resultRing.isEmpty()) this.drainResults();
    if (this.closed) return;
    this.doorbell.ring();
    this.watchForAnswer();
  };

  /** Spins on the result ring for up to the policy's budget when it says so (see AnswerPollPolicy). */
  private watchForAnswer(): void {
    if (this.awaitingPortAnswer || !this.poll.shouldWatch(this.owner!.inFlightCount)) return;
    const ring = this.resultRing;
    const until = performance.now() + this.poll.budgetUs / 1000;
    while (ring.isEmpty()) {
      if (performance.now() >= until) {
        this.poll.watched(false);
        return;
      }
    }
    this.poll.watched(true);
    this.drainResults();
  }

  /** Answers every record in the result ring, oldest first, up to a PORT record (a message to come). */
  private drainResults(): void {
    const ring = this.resultRing;
    const owner = this.owner!;
    while (!this.closed && owner.inFlightCount > 0 && !this.awaitingPortAnswer && ring.peek()) {
      const tag = ring.recordTag;
      if (tag === RingTag.RESULT) {
        const msg = readResultRecord(ring);
        ring.release();
        this.answer(msg);
      } else if (tag === RingTag.ERROR) {
        const { id, error } = readErrorRecord(ring);
        ring.release();
        this.answer({ type: MessageType.ERROR, id, ...error, inputBuffer: null });
      } else if (tag === RingTag.PORT) {
        this.awaitingPortAnswer = true;
      } else {
        owner.onTransportError(`wrote an unknown ring record (tag ${tag})`);
      }
    }
  }

  /** While executions are in flight, keeps one waitAsync pending on the result ring. */
  private armResults(): void {
    const ring = this.resultRing;
    const owner = this.owner!;
    // drainResults() may answer sinks that start executions, which arm the wait themselves.
    while (!this.resultWaitPending && !this.closed && owner.inFlightCount > 0 && !this.awaitingPortAnswer) {
      const wait = ring.waitAsync();
      if (wait !== null) {
        this.resultWaitPending = true;
        void wait.then(this.onResultsSignal);
        return;
      }
      this.drainResults();
    }
  }

  private readonly onResultsSignal = (): void => {
    this.resultWaitPending = false;
    this.resultRing.stopWaiting();
    this.drainResults();
    this.armResults();
  };
}
