/**
 * Runs one sequence batch on one instance: the rows' inputs concatenated (an empty direct-strategy
 * row repeats a real row's tensors, which the model must ignore since READY is false), the
 * control tensors, and each row's implicit state stitched along its batch axis; then the state
 * outputs split back into each sequence (never sent to the client) and each request answered
 * once. One object per batch, which is the ExecutionSink (no closure per request).
 *
 *   rows:   [ seq A req | empty | seq C req ]      READY = [1, 0, 1]
 *   state:  stitch(A.state, initial, C.state) --model--> split -> A.state', (dropped), C.state'
 */
import type { ExecutionRequestInfo, ExecutionResult, ExecutionSink } from '../../backends/index.js';
import { ServerError, Status } from '../../common/index.js';
import type { Tensor } from '../../protocol/index.js';
import type { OutputSlice } from '../execution-response.js';
import { type InferenceRequest, RequestState, type ResponseSink } from '../inference-request.js';
import type { InstanceSlot } from '../instance-pool.js';
import { answerExecution, answerFailure } from '../request-outcome.js';
import type { SchedulerContext } from '../scheduler.js';
import { concatRows, findTensor, withShape } from '../tensor-rows.js';
import { executionRequestInfo } from '../trace-hooks.js';
import type { BatchRow } from './batch-row.js';
import type { ControlInputs } from './control-inputs.js';
import { batchedStateShape, extractState, sequenceStateShape, stitchStates } from './state-axis.js';
import type { StateSpec } from './state-plan.js';

/** Told when a batch has finished and every request in it is answered. */
export interface SequenceBatchListener {
  /** `batch` on instance `instance` is done. */
  onSequenceBatchDone(instance: number, rows: readonly BatchRow[]): void;
}

const NO_PARAMETERS = Object.freeze({});

/** Everything a batch needs besides its rows; one per batcher. */
export interface SequenceBatchPlan {
  /** The scheduler context. */
  readonly context: SchedulerContext;
  /** Control tensors. */
  readonly controls: ControlInputs;
  /** Implicit states. */
  readonly states: readonly StateSpec[];
  /** Told when a batch is done. */
  readonly listener: SequenceBatchListener;
  /** Where answers go instead of each request's sink (preserve_ordering), or null. */
  readonly responder: ResponseSink | null;
}

/** One sequence batch in flight. */
export class SequenceBatch implements ExecutionSink {
  private readonly plan: SequenceBatchPlan;
  private readonly instance: number;
  private readonly rows: readonly BatchRow[];
  private requestCount: number;
  private settled: boolean;

  constructor(plan: SequenceBatchPlan, instance: number, rows: readonly BatchRow[]) {
    this.plan = plan;
    this.instance = instance;
    this.rows = rows;
    this.requestCount = 0;
    this.settled = false;
  }

  /** Assembles the batch and hands it to `slot`'s instance; a failure answers every row. */
  start(slot: InstanceSlot): void {
    const { context, controls, states } = this.plan;
    const { plan, clock } = context;
    const rows = this.rows;
    const now = clock.nowNs();
    let representative: InferenceRequest | null = null;
    const infos: ExecutionRequestInfo[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!.request;
      if (r !== null) {
        r.startNs = now;
        r.state = RequestState.EXECUTING;
        representative ??= r;
        this.requestCount++;
        infos[i] = executionRequestInfo(r, 1);
      } else {
        infos[i] = { id: '', rows: 1, parameters: NO_PARAMETERS };
      }
    }
    const rep = representative!;
    const inputs: Tensor[] = [];
    const parts: Tensor[] = new Array(rows.length);
    for (const input of plan.inputs) {
      if (findTensor(rep.inputs, input.name) === undefined) continue;
      for (let i = 0; i < rows.length; i++)
        parts[i] = findTensor((rows[i]!.request ?? rep).inputs, input.name)!;
      let tensor = plan.batched ? concatRows(parts) : parts[0]!;
      if (input.reshape !== null) {
        const shape = plan.batched ? [rows.length, ...input.reshape] : [...input.reshape];
        tensor = withShape(tensor, shape);
      }
      inputs.push(tensor);
    }
    for (const t of controls.build(rows)) inputs.push(t);
    try {
      for (let k = 0; k < states.length; k++) inputs.push(this.stateInput(k, states[k]!));
    } catch (err) {
      this.onError(err as ServerError);
      return;
    }
    const outputNames = collectOutputNames(rows, plan.allOutputNames, states);
    slot.instance.execute(
      { batchSize: plan.batched ? rows.length : 1, inputs, outputNames, requests: infos },
      this,
    );
  }

  /** The batched input of state `k`: each row's state (its initial one at START or when empty). */
  private stateInput(k: number, spec: StateSpec): Tensor {
    const rows = this.rows;
    const batched = this.plan.context.plan.batched;
    const buffers: Uint8Array[] = new Array(rows.length);
    let shape: readonly number[] | null = null;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      const seq = row.sequence;
      const own = row.request !== null && !row.start && seq !== null && seq.states !== null;
      const rowShape = own ? seq.stateShapes![k]! : spec.initialShape;
      buffers[i] = own ? seq.states![k]! : spec.initialBytes;
      if (shape === null) shape = rowShape;
      else if (!sameShape(shape, rowShape)) {
        throw new ServerError(
          Status.INTERNAL,
          'ERR_SEQUENCE_STATE_SHAPE',
          `Cannot batch state '${spec.inputName}' of model '${this.plan.context.modelName}': sequences hold shapes [${shape.join(',')}] and [${rowShape.join(',')}]`,
        );
      }
    }
    if (!batched)
      return { name: spec.inputName, datatype: spec.datatype, shape: [...shape!], data: buffers[0]! };
    return {
      name: spec.inputName,
      datatype: spec.datatype,
      shape: batchedStateShape(shape!, spec.axis, rows.length),
      data: stitchStates(buffers, shape!, spec.axis, spec.elementBytes),
    };
  }

  onResult(result: ExecutionResult): void {
    if (this.settled) return;
    this.settled = true;
    const { context, states, responder } = this.plan;
    const { reporter, clock, plan } = context;
    reporter.executed(this.requestCount, result);
    const end = clock.nowNs();
    const rows = this.rows;
    const total = rows.length;
    // State outputs are not config outputs: a request that names none gets the config's.
    const slice: OutputSlice = {
      row: 0,
      rows: result.perRequest === null && plan.batched ? total : 0,
      defaultOutputs: plan.allOutputNames,
    };
    for (let i = 0; i < total; i++) {
      const row = rows[i]!;
      const request = row.request;
      if (request === null) continue;
      request.state = RequestState.DONE;
      const sink = responder ?? request.sink;
      if (states.length > 0) {
        try {
          this.checkStates(result, row, i, total);
        } catch (err) {
          answerFailure(context, request, err, end, sink);
          continue;
        }
      }
      slice.row = i;
      answerExecution(context, request, result, i, slice, end, sink);
    }
    this.plan.listener.onSequenceBatchDone(this.instance, rows);
  }

  /** Keeps row `i`'s next state from `result` (not at its sequence's end); throws when it cannot. */
  private checkStates(result: ExecutionResult, row: BatchRow, i: number, total: number): void {
    if (result.perRequest !== null) {
      throw new ServerError(
        Status.INTERNAL,
        'ERR_SEQUENCE_STATE_BACKEND',
        'Implicit state needs a backend that answers for the whole batch (ONNX Runtime)',
      );
    }
    if (result.outputs !== null && !row.end) this.keepState(row, result.outputs, i, total);
  }

  /** Stores row `i`'s slice of every state output as its sequence's next state. */
  private keepState(row: BatchRow, outputs: readonly Tensor[], i: number, total: number): void {
    const { states, context } = this.plan;
    const seq = row.sequence!;
    const next: Uint8Array[] = new Array(states.length);
    const shapes: number[][] = new Array(states.length);
    for (let k = 0; k < states.length; k++) {
      const spec = states[k]!;
      const t = findTensor(outputs, spec.outputName);
      const axis = spec.axis;
      if (t === undefined || (context.plan.batched && t.shape[axis] !== total)) {
        throw new ServerError(
          Status.INTERNAL,
          'ERR_SEQUENCE_STATE_OUTPUT',
          `Model '${context.modelName}' did not return state output '${spec.outputName}' with ${total} rows on axis ${axis}${t === undefined ? '' : `: received shape [${t.shape.join(',')}]`}`,
        );
      }
      if (context.plan.batched) {
        next[k] = extractState(t.data, t.shape, axis, i, spec.elementBytes);
        shapes[k] = sequenceStateShape(t.shape, axis);
      } else {
        next[k] = t.data.slice();
        shapes[k] = [...t.shape];
      }
    }
    seq.states = next;
    seq.stateShapes = shapes;
  }

  onError(error: ServerError): void {
    if (this.settled) return;
    this.settled = true;
    const { context, responder } = this.plan;
    const end = context.clock.nowNs();
    for (const row of this.rows) {
      const request = row.request;
      if (request === null || request.state === RequestState.DONE) continue;
      request.state = RequestState.DONE;
      answerFailure(context, request, error, end, responder ?? request.sink);
    }
    this.plan.listener.onSequenceBatchDone(this.instance, this.rows);
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The outputs the rows asked for (all client outputs when one asked for all) plus every state output. */
function collectOutputNames(
  rows: readonly BatchRow[],
  all: readonly string[],
  states: readonly StateSpec[],
): string[] {
  let names: readonly string[] = all;
  const wanted = new Set<string>();
  let everything = false;
  for (const row of rows) {
    const r = row.request;
    if (r === null) continue;
    if (r.outputs === null) {
      everything = true;
      break;
    }
    for (const o of r.outputs) wanted.add(o.name);
  }
  if (!everything) names = all.filter((n) => wanted.has(n));
  if (states.length === 0) return names as string[];
  return [...names, ...states.map((s) => s.outputName)];
}
