/**
 * A DynamicBatcher under test: a real config (parsed from config.pbtxt text), plan, statistics
 * and instance pool on a ManualClock with ManualTimers, whose instances are held by the test
 * (they record each batch and finish it only when told, echoing INPUT0 as OUTPUT0 so slicing is
 * visible). Scheduling rules need time and completion under the test's control, which no real
 * model worker offers; the e2e tests in test/e2e/batching run the same batcher on ORT.
 */
import type { BackendInstance, ExecutionBatch, ExecutionSink } from '../../../src/backends/backend.js';
import type { ManualClock } from '../../../src/common/clock.js';
import type { ServerError } from '../../../src/common/errors.js';
import { ManualTimers, type TimerFactory } from '../../../src/common/timer.js';
import { DynamicBatcher } from '../../../src/core/dynamic-batcher.js';
import {
  InferenceRequest,
  type InferenceResponse,
  type ResponseSink,
} from '../../../src/core/inference-request.js';
import type { ModelStatistics } from '../../../src/core/model-statistics.js';
import type { FailureReason, RequestObserver } from '../../../src/core/request-observer.js';
import type { Parameters, Tensor } from '../../../src/protocol/tensor.js';
import { testSchedulerContext } from './test-scheduler-context.js';

/** An instance whose executions the test finishes by hand. */
export class HeldInstance implements BackendInstance {
  readonly name: string;
  /** Executions it accepts at once (pipelined behind the running one). */
  readonly maxInFlight: number;
  /** Every batch it was given, in order. */
  readonly batches: ExecutionBatch[] = [];
  /** Batches given and not finished, oldest first, with their sinks. */
  private readonly held: { batch: ExecutionBatch; sink: ExecutionSink }[] = [];

  private readonly dispatched: ExecutionBatch[];

  /**
   * @param dispatched shared log of every batch dispatched to any instance
   * @param maxInFlight executions it accepts at once; default 1
   */
  constructor(name: string, dispatched: ExecutionBatch[], maxInFlight = 1) {
    this.name = name;
    this.dispatched = dispatched;
    this.maxInFlight = maxInFlight;
  }

  /** Whether a batch is executing. */
  get busy(): boolean {
    return this.held.length > 0;
  }

  /** Batches given and not finished. */
  get inFlight(): number {
    return this.held.length;
  }

  execute(batch: ExecutionBatch, sink: ExecutionSink): void {
    if (this.held.length >= this.maxInFlight) {
      throw new Error(`Instance ${this.name} got a batch while ${this.held.length} are in flight`);
    }
    this.batches.push(batch);
    this.dispatched.push(batch);
    this.held.push({ batch, sink });
  }

  /**
   * Finishes the oldest running batch: OUTPUT0 = INPUT0, with the given compute times (ns) and,
   * when given, the time the instance started it (default: not reported).
   */
  finish(inputNs = 10, inferNs = 20, outputNs = 30, computeStartNs?: number): void {
    const next = this.held.shift();
    if (next === undefined) throw new Error(`Instance ${this.name} is idle`);
    const { batch, sink } = next;
    const input = batch.inputs.find((t) => t.name === 'INPUT0')!;
    sink.onResult({
      outputs: [{ name: 'OUTPUT0', datatype: input.datatype, shape: [...input.shape], data: input.data }],
      perRequest: null,
      computeInputNs: inputNs,
      computeInferNs: inferNs,
      computeOutputNs: outputNs,
      ...(computeStartNs === undefined ? {} : { computeStartNs }),
    });
  }

  /** Fails the oldest running batch with `error`, as a backend whose run threw. */
  fail(error: ServerError): void {
    const next = this.held.shift();
    if (next === undefined) throw new Error(`Instance ${this.name} is idle`);
    next.sink.onError(error);
  }

  onExit(): void {}

  async close(): Promise<void> {}
}

/** What a request received. */
export interface Answer {
  request: InferenceRequest;
  response: InferenceResponse | null;
  error: ServerError | null;
}

/** Records answers in the order they arrive. */
export class RecordingSink implements ResponseSink {
  readonly answers: Answer[] = [];

  onResponse(request: InferenceRequest, response: InferenceResponse | null): void {
    this.answers.push({ request, response, error: null });
  }

  onError(request: InferenceRequest, error: ServerError): void {
    this.answers.push({ request, response: null, error });
  }

  /** Ids of the answered requests, in answer order. */
  get ids(): string[] {
    return this.answers.map((a) => a.request.id);
  }
}

/** Records failure reasons and execution sizes reported to the metrics hook. */
export class RecordingObserver implements RequestObserver {
  readonly failures: FailureReason[] = [];
  readonly executions: number[] = [];
  onSuccess(): void {}
  onFailure(_m: string, _v: string, reason: FailureReason): void {
    this.failures.push(reason);
  }
  onExecution(_m: string, _v: string, batchSize: number): void {
    this.executions.push(batchSize);
  }
}

/** A batcher wired to held instances on a manual clock. */
export interface Harness {
  batcher: DynamicBatcher;
  clock: ManualClock;
  timers: ManualTimers;
  instances: HeldInstance[];
  stats: ModelStatistics;
  sink: RecordingSink;
  observer: RecordingObserver;
  /** Timers the batcher created. */
  timerCount: () => number;
  /** Builds and enqueues a request of `rows` rows of `width` values, each row filled with `value`. */
  send(id: string, options?: SendOptions): InferenceRequest;
  /** Sizes of every batch dispatched so far, over all instances, in dispatch order. */
  batchSizes(): number[];
}

/** Shape and parameters of a test request. */
export interface SendOptions {
  rows?: number;
  width?: number;
  value?: number;
  parameters?: Parameters;
}

/**
 * Builds a batcher for a model `FP32 INPUT0 [-1] -> FP32 OUTPUT0 [-1]` with `max_batch_size`
 * 8 (unless `head` says otherwise) and the given `dynamic_batching { ... }` body, on
 * `instanceCount` instances that each accept `maxInFlight` executions at once.
 */
export function harness(
  dynamicBatching: string,
  instanceCount = 1,
  head = 'max_batch_size: 8',
  maxInFlight = 1,
): Harness {
  const text = `name: "m"
backend: "onnxruntime"
${head}
input [ { name: "INPUT0" data_type: TYPE_FP32 dims: [ -1 ] } ]
output [ { name: "OUTPUT0" data_type: TYPE_FP32 dims: [ -1 ] } ]
dynamic_batching { ${dynamicBatching} }`;
  const dispatched: ExecutionBatch[] = [];
  const instances = Array.from(
    { length: instanceCount },
    (_, i) => new HeldInstance(`m_${i}`, dispatched, maxInFlight),
  );
  const observer = new RecordingObserver();
  const context = testSchedulerContext(text, instances, observer);
  const { clock } = context;
  const stats = context.reporter.stats;
  const timers = new ManualTimers(clock);
  let timerCount = 0;
  const timerFactory: TimerFactory = (c, target) => {
    timerCount++;
    return timers.factory(c, target);
  };
  const batcher = new DynamicBatcher(context, { timerFactory });
  const sink = new RecordingSink();
  const batched = context.config.max_batch_size > 0;
  return {
    batcher,
    clock,
    timers,
    instances,
    stats,
    sink,
    observer,
    timerCount: () => timerCount,
    send(id, options = {}) {
      const rows = options.rows ?? 1;
      const width = options.width ?? 2;
      const data = new Float32Array(rows * width).fill(options.value ?? Number(id.replace(/\D/g, '') || 0));
      const input: Tensor = {
        name: 'INPUT0',
        datatype: 'FP32',
        shape: batched ? [rows, width] : [width],
        data: new Uint8Array(data.buffer),
      };
      const request = new InferenceRequest({
        modelName: 'm',
        id,
        parameters: options.parameters ?? {},
        inputs: [input],
        sink,
        arrivalNs: clock.nowNs(),
      });
      request.batchSize = batched ? rows : 1;
      batcher.enqueue(request);
      return request;
    },
    batchSizes() {
      return dispatched.map((b) => b.batchSize);
    },
  };
}

/** The FP32 values of a response's OUTPUT0. */
export function outputValues(answer: Answer): number[] {
  const t = answer.response!.outputs.find((o) => o.name === 'OUTPUT0')!;
  return [...new Float32Array(t.data.slice().buffer)];
}
