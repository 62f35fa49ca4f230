/**
 * Runs one batch of requests on one instance: assembles the batched inputs, executes, slices the
 * outputs back to each request, builds the responses (buildExecutionResponse), records statistics and
 * answers every request exactly once. Shared by every scheduling policy; one object per batch
 * (it is the ExecutionSink, so no closure is made per request).
 */

import type {
  ExecutionBatch,
  ExecutionRequestInfo,
  ExecutionResult,
  ExecutionSink,
} from '../backends/index.js';
import { ServerError, Status } from '../common/index.js';
import type { Tensor } from '../protocol/index.js';
import { buildExecutionResponse } from './execution-response.js';
import {
  type InferenceRequest,
  type InferenceResponse,
  RequestState,
  type ResponseSink,
} from './inference-request.js';
import type { InstanceSlot } from './instance-pool.js';
import { answerFailure, answerSuccess } from './request-outcome.js';
import type { SchedulerContext } from './scheduler.js';
import { concatRows, findTensor, sliceRows } from './tensor-rows.js';
import { executionRequestInfo, traceEnded, traceExecuted } from './trace-hooks.js';

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
        tensor = { name: tensor.name, datatype: tensor.datatype, shape, data: tensor.data };
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
    const { stats, clock, plan, observer, modelName, versionString } = this.context;
    stats.recordExecution(
      this.batchSize,
      result.computeInputNs,
      result.computeInferNs,
      result.computeOutputNs,
    );
    this.slot.recordCompute(result.computeInputNs + result.computeInferNs + result.computeOutputNs);
    observer?.onExecution(modelName, versionString, this.batchSize);
    if (plan.decoupled && result.outputs === null && result.perRequest === null) {
      // Decoupled: the requests are answered through onResponse (possibly after this point).
      this.listener.onBatchDone(this.slot, this.requests);
      return;
    }
    const end = clock.nowNs();
    const wallMs = clock.wallMs();
    const requests = this.requests;
    let row = 0;
    for (let i = 0; i < requests.length; i++) {
      const request = requests[i]!;
      request.state = RequestState.DONE;
      let outputs: Tensor[];
      try {
        if (result.perRequest !== null) {
          const answer = result.perRequest[i];
          if (answer instanceof ServerError) throw answer;
          if (answer === undefined)
            throw new ServerError(Status.INTERNAL, 'ERR_BACKEND', 'Backend gave no response');
          outputs = answer;
        } else if (result.outputs !== null) {
          outputs = plan.batched
            ? result.outputs.map((t) => sliceRows(t, row, request.batchSize, this.batchSize))
            : result.outputs;
        } else {
          throw new ServerError(Status.INTERNAL, 'ERR_BACKEND', 'Backend returned no outputs');
        }
        const response = buildExecutionResponse(this.context, request, outputs, -1, 0, null, result, end);
        answerSuccess(this.context, request, response, result, wallMs, this.responder ?? request.sink);
      } catch (err) {
        answerFailure(this.context, request, err, end, wallMs, this.responder ?? request.sink);
      }
      row += request.batchSize;
    }
    this.listener.onBatchDone(this.slot, requests);
  }

  onError(error: ServerError): void {
    if (this.settled) return;
    this.settled = true;
    const { clock } = this.context;
    const end = clock.nowNs();
    const wallMs = clock.wallMs();
    for (const request of this.requests) {
      if (request.state === RequestState.DONE) continue; // a decoupled request already finished
      request.state = RequestState.DONE;
      answerFailure(this.context, request, error, end, wallMs, this.responder ?? request.sink);
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
    const { stats, clock, observer, modelName, versionString } = this.context;
    const sink = this.responder ?? request.sink;
    const end = clock.nowNs();
    let response: InferenceResponse | null = null;
    let failure = error;
    if (failure === null && outputs !== null) {
      const timing = { computeInputNs: 0, computeInferNs: end - request.startNs, computeOutputNs: 0 };
      try {
        response = buildExecutionResponse(this.context, request, outputs, -1, 0, null, timing, end);
      } catch (err) {
        failure =
          err instanceof ServerError ? err : new ServerError(Status.INTERNAL, 'ERR_BACKEND', String(err));
      }
    }
    if (failure !== null) {
      request.state = RequestState.DONE;
      stats.recordFailure(end - request.arrivalNs, clock.wallMs());
      observer?.onFailure(modelName, versionString, 'BACKEND', end - request.arrivalNs);
      if (request.trace !== null) traceEnded(request.trace, end);
      sink.onError(request, failure);
      return;
    }
    if (final) {
      request.state = RequestState.DONE;
      const queueNs = request.startNs - request.arrivalNs;
      const totalNs = end - request.arrivalNs;
      stats.recordSuccess(totalNs, queueNs, 0, end - request.startNs, 0, clock.wallMs());
      observer?.onSuccess(
        modelName,
        versionString,
        { queueNs, computeInputNs: 0, computeInferNs: end - request.startNs, computeOutputNs: 0, totalNs },
        false,
      );
      if (request.trace !== null) {
        const timing = { computeInputNs: 0, computeInferNs: end - request.startNs, computeOutputNs: 0 };
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
