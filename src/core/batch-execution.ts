/**
 * Runs one batch of requests on one instance: assembles the batched inputs, executes, slices the
 * outputs back to each request and answers every request exactly once (answerExecution, which
 * reports each outcome). Shared by every scheduling policy; one object per batch (it is the
 * ExecutionSink, so no closure is made per request).
 */

import type {
  ExecutionBatch,
  ExecutionRequestInfo,
  ExecutionResult,
  ExecutionSink,
} from '../backends/index.js';
import type { ServerError } from '../common/index.js';
import type { Tensor } from '../protocol/index.js';
import { buildExecutionResponse, type OutputSlice, OWN_OUTPUTS } from './execution-response.js';
import {
  type InferenceRequest,
  type InferenceResponse,
  RequestState,
  type ResponseSink,
} from './inference-request.js';
import type { InstanceSlot } from './instance-pool.js';
import { answerExecution, answerFailure } from './request-outcome.js';
import type { SchedulerContext } from './scheduler.js';
import { concatRows, findTensor, withShape } from './tensor-rows.js';
import { executionRequestInfo, traceExecuted } from './trace-hooks.js';

/** Told when a batch has finished (successfully or not), so the scheduler can reuse the slot. */
export interface BatchListener {
  /** The batch on `slot` is done and every request in it answered. */
  onBatchDone(slot: InstanceSlot, requests: readonly InferenceRequest[]): void;
}

/** One batch in flight. */
export class BatchExecution implements ExecutionSink {
  private readonly context: SchedulerContext;
  private readonly slot: InstanceSlot;
  private readonly requests: readonly InferenceRequest[];
  private readonly listener: BatchListener;
  /** Where answers go instead of each request's own sink (e.g. an ordering gate), or null. */
  private readonly responder: ResponseSink | null;
  private batchSize: number;
  private outputNames: readonly string[];
  private settled: boolean;
  /** The answered request's rows of the batched outputs, moved from request to request. */
  private readonly slice: OutputSlice;

  constructor(
    context: SchedulerContext,
    slot: InstanceSlot,
    requests: readonly InferenceRequest[],
    listener: BatchListener,
    responder: ResponseSink | null = null,
  ) {
    this.context = context;
    this.slot = slot;
    this.requests = requests;
    this.listener = listener;
    this.responder = responder;
    this.batchSize = 0;
    this.outputNames = context.plan.allOutputNames;
    this.settled = false;
    this.slice = { row: 0, rows: 0, defaultOutputs: null };
  }

  /** Assembles the batch and hands it to the instance. */
  start(): void {
    const { plan, clock } = this.context;
    const requests = this.requests;
    const now = clock.nowNs();
    let rows = 0;
    const infos: ExecutionRequestInfo[] = new Array(requests.length);
    for (let i = 0; i < requests.length; i++) {
      const r = requests[i]!;
      r.startNs = now;
      r.state = RequestState.EXECUTING;
      rows += r.batchSize;
      infos[i] = executionRequestInfo(r, r.batchSize);
    }
    this.batchSize = rows;
    this.outputNames = collectOutputNames(requests, plan.allOutputNames);
    const inputs: Tensor[] = [];
    for (const input of plan.inputs) {
      const parts: Tensor[] = [];
      for (let i = 0; i < requests.length; i++) {
        const t = findTensor(requests[i]!.inputs, input.name);
        if (t !== undefined) parts.push(t);
      }
      if (parts.length === 0) continue;
      let tensor = concatRows(parts);
      if (input.reshape !== null) {
        const shape = plan.batched ? [rows, ...input.reshape] : [...input.reshape];
        tensor = withShape(tensor, shape);
      }
      inputs.push(tensor);
    }
    const batch: ExecutionBatch = {
      batchSize: plan.batched ? rows : 1,
      inputs,
      outputNames: this.outputNames,
      requests: infos,
    };
    this.slot.instance.execute(batch, this);
  }

  onResult(result: ExecutionResult): void {
    if (this.settled) return;
    this.settled = true;
    const { reporter, clock, plan } = this.context;
    reporter.executed(this.batchSize, result);
    this.slot.recordCompute(result.computeInputNs + result.computeInferNs + result.computeOutputNs);
    if (plan.decoupled && result.outputs === null && result.perRequest === null) {
      // Decoupled: the requests are answered through onResponse (possibly after this point).
      this.listener.onBatchDone(this.slot, this.requests);
      return;
    }
    const end = clock.nowNs();
    const requests = this.requests;
    const slice = this.slice;
    slice.rows = result.perRequest === null && plan.batched ? this.batchSize : 0;
    slice.row = 0;
    for (let i = 0; i < requests.length; i++) {
      const request = requests[i]!;
      request.state = RequestState.DONE;
      answerExecution(this.context, request, result, i, slice, end, this.responder ?? request.sink);
      slice.row += request.batchSize;
    }
    this.listener.onBatchDone(this.slot, requests);
  }

  onError(error: ServerError): void {
    if (this.settled) return;
    this.settled = true;
    const end = this.context.clock.nowNs();
    for (const request of this.requests) {
      if (request.state === RequestState.DONE) continue; // a decoupled request already finished
      request.state = RequestState.DONE;
      answerFailure(this.context, request, error, end, this.responder ?? request.sink);
    }
    this.listener.onBatchDone(this.slot, this.requests);
  }

  /**
   * Decoupled models: one response for request `index` (outputs null = empty final response).
   * The final response (or an error) completes the request and records its statistics.
   */
  onResponse(index: number, outputs: Tensor[] | null, final: boolean, error: ServerError | null): void {
    const request = this.requests[index];
    if (request === undefined || request.state === RequestState.DONE) return;
    const { reporter, clock } = this.context;
    const sink = this.responder ?? request.sink;
    const end = clock.nowNs();
    let response: InferenceResponse | null = null;
    let failure: unknown = error;
    if (failure === null && outputs !== null) {
      const timing = { computeInputNs: 0, computeInferNs: end - request.startNs, computeOutputNs: 0 };
      try {
        response = buildExecutionResponse(this.context, request, outputs, OWN_OUTPUTS, timing, end);
      } catch (err) {
        failure = err;
      }
    }
    if (failure !== null) {
      request.state = RequestState.DONE;
      answerFailure(this.context, request, failure, end, sink);
      return;
    }
    if (final) {
      request.state = RequestState.DONE;
      const computeInferNs = end - request.startNs;
      reporter.succeeded({
        queueNs: request.startNs - request.arrivalNs,
        computeInputNs: 0,
        computeInferNs,
        computeOutputNs: 0,
        totalNs: end - request.arrivalNs,
      });
      if (request.trace !== null) {
        const timing = { computeInputNs: 0, computeInferNs, computeOutputNs: 0 };
        traceExecuted(request.trace, timing, request.startNs, end, null);
      }
    }
    sink.onResponse(request, response, final);
  }
}

function collectOutputNames(
  requests: readonly InferenceRequest[],
  all: readonly string[],
): readonly string[] {
  const wanted = new Set<string>();
  for (const r of requests) {
    if (r.outputs === null) return all;
    for (const o of r.outputs) wanted.add(o.name);
  }
  return all.filter((name) => wanted.has(name));
}
