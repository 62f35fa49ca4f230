/**
 * A SequenceBatcher under test: a real config (parsed from config.pbtxt text), plan, statistics
 * and instance pool on a ManualClock with ManualTimers. Its instances are held by the test: they
 * record each batch and finish it only when told, answering OUTPUT = INPUT per row and, for the
 * implicit state S (FP32 [2, batch, 3], batch axis 1), SN = S + INPUT. Slot, candidate and
 * expiry rules need time and completion under the test's control, which no real worker offers;
 * test/e2e/sequence runs the same batcher on real JS and ONNX models.
 */
import type { BackendInstance, ExecutionBatch, ExecutionSink } from '../../../src/backends/backend.js';
import type { ManualClock } from '../../../src/common/clock.js';
import { ManualTimers } from '../../../src/common/timer.js';
import { InferenceRequest } from '../../../src/core/inference-request.js';
import type { ModelStatistics } from '../../../src/core/model-statistics.js';
import { SequenceBatcher } from '../../../src/core/sequence/index.js';
import type { Parameters, Tensor } from '../../../src/protocol/tensor.js';
import { type Answer, RecordingSink } from '../core/dynamic-batcher-harness.js';
import { testSchedulerContext } from '../core/test-scheduler-context.js';

/** An instance whose executions the test finishes by hand. */
export class SequenceInstance implements BackendInstance {
  readonly name: string;
  /** Every batch it was given, in order. */
  readonly batches: ExecutionBatch[] = [];
  private sink: ExecutionSink | null = null;
  private current: ExecutionBatch | null = null;

  private readonly dispatched: ExecutionBatch[];

  /** @param dispatched shared log of every batch dispatched to any instance */
  constructor(name: string, dispatched: ExecutionBatch[]) {
    this.name = name;
    this.dispatched = dispatched;
  }

  /** Whether a batch is executing. */
  get busy(): boolean {
    return this.current !== null;
  }

  execute(batch: ExecutionBatch, sink: ExecutionSink): void {
    if (this.current !== null) throw new Error(`Instance ${this.name} got a batch while busy`);
    this.batches.push(batch);
    this.dispatched.push(batch);
    this.current = batch;
    this.sink = sink;
  }

  /** Finishes the running batch: OUTPUT = INPUT; SN = S + INPUT (per row) when S is fed. */
  finish(): void {
    const batch = this.current!;
    const sink = this.sink!;
    this.current = null;
    this.sink = null;
    const input = batch.inputs.find((t) => t.name === 'INPUT')!;
    const outputs: Tensor[] = [
      { name: 'OUTPUT', datatype: 'INT32', shape: [...input.shape], data: input.data },
    ];
    const state = batch.inputs.find((t) => t.name === 'S');
    if (state !== undefined && batch.outputNames.includes('SN')) {
      const values = int32s(input);
      const s = new Float32Array(state.data.slice().buffer);
      const rows = state.shape[1]!;
      for (let i = 0; i < s.length; i++) s[i]! += values[Math.floor(i / 3) % rows]!;
      outputs.push({ name: 'SN', datatype: 'FP32', shape: [...state.shape], data: new Uint8Array(s.buffer) });
    }
    sink.onResult({ outputs, perRequest: null, computeInputNs: 1, computeInferNs: 2, computeOutputNs: 3 });
  }

  onExit(): void {}

  async close(): Promise<void> {}
}

/** The int32 values of a tensor. */
export function int32s(t: Tensor): number[] {
  return [...new Int32Array(t.data.slice().buffer)];
}

/** The values of control or input `name` of a batch (INT32 / FP32 / UINT64 as numbers). */
export function batchValues(batch: ExecutionBatch, name: string): number[] {
  const t = batch.inputs.find((i) => i.name === name)!;
  const buffer = t.data.slice().buffer;
  if (t.datatype === 'FP32') return [...new Float32Array(buffer)];
  if (t.datatype === 'UINT64') return [...new BigUint64Array(buffer)].map(Number);
  return [...new Int32Array(buffer)];
}

/** A batcher wired to held instances on a manual clock. */
export interface SequenceHarness {
  batcher: SequenceBatcher;
  clock: ManualClock;
  timers: ManualTimers;
  instances: SequenceInstance[];
  stats: ModelStatistics;
  sink: RecordingSink;
  /** Enqueues INPUT = [[value]] for sequence `seq` (throws what enqueue throws). */
  send(seq: number | string, value: number, flags?: { start?: boolean; end?: boolean }): InferenceRequest;
  /** Every batch over all instances, in dispatch order. */
  batches(): ExecutionBatch[];
  /** The answer to `request`. */
  answer(request: InferenceRequest): Answer | undefined;
}

/** Options of the harness. */
export interface SequenceHarnessOptions {
  /** The strategy block, e.g. `direct { }` or `oldest { max_candidate_sequences: 2 }`. */
  strategy: string;
  /** Instances; default 1. */
  instances?: number;
  /** max_batch_size; default 4. */
  maxBatchSize?: number;
  /** CORRID data type; default TYPE_UINT64. */
  corridType?: string;
  /** Add the implicit state S/SN ([2, 3], batch axis 1); default false. */
  state?: boolean;
  /** max_sequence_idle_microseconds; default 1000 (1 ms). */
  idleUs?: number;
  /** Whether the backend carries implicit state (Backend.implicitState); default true, as ONNX Runtime. */
  implicitState?: boolean;
}

/** Builds a batcher for `INPUT INT32 [1] -> OUTPUT INT32 [1]` with START/END/READY/CORRID controls. */
export function sequenceHarness(options: SequenceHarnessOptions): SequenceHarness {
  const flag = (name: string, kind: string) =>
    `{ name: "${name}" control [ { kind: ${kind} int32_false_true: [ 0, 1 ] } ] }`;
  const text = `name: "m"
backend: "onnxruntime"
max_batch_size: ${options.maxBatchSize ?? 4}
input [ { name: "INPUT" data_type: TYPE_INT32 dims: [ 1 ] } ]
output [ { name: "OUTPUT" data_type: TYPE_INT32 dims: [ 1 ] } ]
sequence_batching {
  max_sequence_idle_microseconds: ${options.idleUs ?? 1000}
  ${options.strategy}
  control_input [
    ${flag('START', 'CONTROL_SEQUENCE_START')}, ${flag('END', 'CONTROL_SEQUENCE_END')},
    ${flag('READY', 'CONTROL_SEQUENCE_READY')},
    { name: "CORRID" control [ { kind: CONTROL_SEQUENCE_CORRID data_type: ${options.corridType ?? 'TYPE_UINT64'} } ] }
  ]
  ${options.state ? 'state [ { input_name: "S" output_name: "SN" data_type: TYPE_FP32 dims: [ 2, 3 ] } ]' : ''}
}
parameters { key: "nereid.state_batch_axis" value { string_value: "1" } }`;
  const dispatched: ExecutionBatch[] = [];
  const instances = Array.from(
    { length: options.instances ?? 1 },
    (_, i) => new SequenceInstance(`m_${i}`, dispatched),
  );
  const context = {
    ...testSchedulerContext(text, instances, null),
    implicitState: options.implicitState ?? true,
  };
  const { clock } = context;
  const stats = context.reporter.stats;
  const timers = new ManualTimers(clock);
  const batcher = new SequenceBatcher(context, { timerFactory: timers.factory });
  const sink = new RecordingSink();
  return {
    batcher,
    clock,
    timers,
    instances,
    stats,
    sink,
    send(seq, value, flags = {}) {
      const parameters: Parameters = { sequence_id: seq };
      if (flags.start) parameters.sequence_start = true;
      if (flags.end) parameters.sequence_end = true;
      const input: Tensor = {
        name: 'INPUT',
        datatype: 'INT32',
        shape: [1, 1],
        data: new Uint8Array(Int32Array.of(value).buffer),
      };
      const request = new InferenceRequest({
        modelName: 'm',
        id: `${seq}:${value}`,
        parameters,
        inputs: [input],
        sink,
        arrivalNs: clock.nowNs(),
      });
      batcher.enqueue(request);
      return request;
    },
    batches() {
      return dispatched;
    },
    answer(request) {
      return sink.answers.find((a) => a.request === request);
    },
  };
}
