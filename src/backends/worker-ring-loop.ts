/**
 * The worker side of the ring transport (docs/adr/0007, 0017): a blocking loop for a synchronous
 * executor (ONNX Runtime runs on the calling thread anyway). Executions are records in the request
 * ring, or messages a PORT record announces when they are too large for one; answers go back as
 * records in the result ring (or messages behind a PORT record), and the main thread is notified
 * once per burst (AnswerHold). Between executions the thread sleeps on the doorbell in
 * `Atomics.wait`; it never returns to its event loop. Runs only inside a worker thread.
 */
import { parentPort, receiveMessageOnPort } from 'node:worker_threads';
import type { Tensor } from '../protocol/index.js';
import { SharedRing } from './shared-ring.js';
import { WorkerDoorbell } from './worker-doorbell.js';
import {
  type Answer,
  type ExecutorTiming,
  errorAnswer,
  nowNs,
  resultAnswer,
  timingsSince,
  type WorkerExecutor,
} from './worker-executor.js';
import {
  type ErrorMessage,
  type ExecuteMessage,
  type MainMessage,
  MessageType,
  unpackTensors,
  type WorkerRings,
} from './worker-protocol.js';
import {
  type ExecuteRecord,
  RingTag,
  readExecuteRecord,
  readSlabExecuteRecord,
  writeErrorRecord,
  writePortRecord,
  writeResultRecord,
} from './worker-ring.js';

/**
 * How long (ns) answers of back-to-back executions may be held before the main thread is
 * notified, counted from the first held answer's end: long enough to cover a few runs of a tiny
 * model, far below a request's latency budget. Answers are held only while another execution is
 * already waiting.
 */
export const ANSWER_HOLD_MAX_NS = 100_000;

/**
 * How many answers may be held at most before the main thread is notified, whatever the time.
 * Four keeps the main thread and the worker overlapping at high concurrency (docs/adr/0008).
 */
export const ANSWER_HOLD_MAX_COUNT = 4;

const SYNC_EXECUTOR_NEEDED =
  'A ring-transport worker needs a synchronous executor, but execute() returned a Promise';

/** Serves `executor` on the rings until STOP; never returns. */
export function serveRingLoop(executor: WorkerExecutor, rings: WorkerRings): never {
  return new RingLoop(executor, rings).run();
}

class RingLoop {
  private readonly executor: WorkerExecutor;
  private readonly requests: SharedRing;
  private readonly results: SharedRing;
  private readonly doorbell: WorkerDoorbell;
  private readonly maxRecordBytes: number;
  private readonly idleWaitMs: number;
  private readonly slab: SharedRing | null;
  private readonly timing: ExecutorTiming = { inferStartNs: 0, inferEndNs: 0 };
  /**
   * Inputs are copied out of the ring or the slab into one buffer every execution reuses, grown to
   * the largest seen (at most maxSlabRecordBytes): onnxruntime-node cannot wrap shared memory.
   */
  private scratch: Uint8Array;
  private readonly hasWork = (): boolean => !this.requests.isEmpty();

  constructor(executor: WorkerExecutor, rings: WorkerRings) {
    this.executor = executor;
    this.requests = new SharedRing(rings.requests);
    this.results = new SharedRing(rings.results);
    this.slab = rings.slab === null ? null : new SharedRing(rings.slab);
    this.doorbell = new WorkerDoorbell(rings.doorbell);
    this.maxRecordBytes = rings.maxRecordBytes;
    this.idleWaitMs = rings.idleWaitMs;
    this.scratch = new Uint8Array(Math.max(8, rings.maxRecordBytes));
  }

  run(): never {
    const { requests, results } = this;
    let unsent = 0;
    let heldSinceNs = 0;
    for (;;) {
      if (!requests.peek()) {
        if (unsent > 0) {
          results.notifyConsumer();
          unsent = 0;
        }
        this.doorbell.sleep(this.hasWork, this.idleWaitMs);
        continue;
      }
      const tag = requests.recordTag;
      if (tag === RingTag.EXECUTE || tag === RingTag.SLAB) {
        const record = tag === RingTag.EXECUTE ? readExecuteRecord(requests, this.scratch) : this.readSlab();
        requests.release();
        const msg: ExecuteMessage = {
          type: MessageType.EXECUTE,
          id: record.id,
          batchSize: record.batchSize,
          buffer: this.scratch.buffer as ArrayBuffer,
          byteLength: record.byteLength,
          requests: null,
        };
        const answer = this.runToRecord(msg);
        if (answer !== null) this.postBehindPortRecord(answer);
      } else {
        requests.release();
        const received = receiveMessageOnPort(parentPort!);
        if (received === undefined) throw new Error('Ring protocol: a PORT record without a message');
        const main = received.message as MainMessage;
        if (main.type === MessageType.STOP) process.exit(0);
        if (main.type !== MessageType.EXECUTE) continue;
        // A large execution came as a message: its answer goes as one too, handing the input
        // buffer back for the next large one.
        this.postBehindPortRecord(this.runToMessage(main));
      }
      if (unsent++ === 0) heldSinceNs = nowNs();
      if (
        requests.isEmpty() ||
        unsent >= ANSWER_HOLD_MAX_COUNT ||
        nowNs() - heldSinceNs > ANSWER_HOLD_MAX_NS
      ) {
        results.notifyConsumer();
        unsent = 0;
      }
    }
  }

  /** Takes the inputs of the SLAB record peek() found out of the slab into the scratch buffer. */
  private readSlab(): ExecuteRecord {
    const slab = this.slab;
    if (slab === null || !slab.peek()) throw new Error('Ring protocol: a SLAB record without slab data');
    if (slab.recordLength > this.scratch.length) this.scratch = new Uint8Array(slab.recordLength);
    return readSlabExecuteRecord(this.requests, slab, this.scratch);
  }

  private postBehindPortRecord(answer: Answer): void {
    if (!writePortRecord(this.results)) throw new Error('Ring protocol: the result ring is full');
    parentPort!.postMessage(answer.message, answer.transfer);
  }

  /**
   * Runs an execution that came as a record and writes its answer as a record; returns null then,
   * or the answer as a message when it does not fit.
   */
  private runToRecord(msg: ExecuteMessage): Answer | null {
    const start = nowNs();
    try {
      const outputs = this.runExecutor(msg);
      const timings = timingsSince(start, this.timing);
      if (writeResultRecord(this.results, this.maxRecordBytes, msg.id, timings, outputs)) return null;
      // Too large for a record: a message, without the input buffer (the scratch stays here).
      return resultAnswer(msg.id, outputs, start, this.timing, null);
    } catch (err) {
      const answer = errorAnswer(msg.id, err, null);
      const error = answer.message as ErrorMessage;
      if (writeErrorRecord(this.results, this.maxRecordBytes, msg.id, error)) return null;
      return answer;
    }
  }

  private runToMessage(msg: ExecuteMessage): Answer {
    const start = nowNs();
    try {
      return resultAnswer(msg.id, this.runExecutor(msg), start, this.timing, msg.buffer);
    } catch (err) {
      return errorAnswer(msg.id, err, msg.buffer);
    }
  }

  /** Runs one execution with the synchronous executor; throws what it throws, or when it is async. */
  private runExecutor(msg: ExecuteMessage): Tensor[] {
    this.timing.inferStartNs = 0;
    this.timing.inferEndNs = 0;
    const { tensors, names } = unpackTensors(msg.buffer, msg.byteLength);
    const outputs = this.executor.execute(
      { executionId: msg.id, batchSize: msg.batchSize, inputs: tensors, outputNames: names, requests: null },
      this.timing,
    );
    if (outputs instanceof Promise) {
      void outputs.catch(noop);
      throw new Error(SYNC_EXECUTOR_NEEDED);
    }
    if (!Array.isArray(outputs)) throw new Error('A ring-transport executor answers with the batch outputs');
    return outputs;
  }
}

function noop(): void {}
