/**
 * Turns a worker's RESULT message into the ExecutionResult a scheduler sees: the timings it
 * carries and, for per-request answers (JavaScript models), each request's tensors or error.
 */
import { hrtimeToClockNs, reviveServerError, ServerError, Status } from '../common/index.js';
import type { Tensor } from '../protocol/index.js';
import type { ExecutionResult } from './backend.js';
import type { ResultMessage } from './worker-protocol.js';

/** An ExecutionResult with the timings a RESULT message carries. */
export function timedResult(
  msg: ResultMessage,
  outputs: Tensor[] | null,
  perRequest: (Tensor[] | ServerError)[] | null,
): ExecutionResult {
  return {
    outputs,
    perRequest,
    computeInputNs: msg.computeInputNs,
    computeInferNs: msg.computeInferNs,
    computeOutputNs: msg.computeOutputNs,
    computeStartNs: hrtimeToClockNs(msg.computeStartNs),
  };
}

/** Splits a per-request RESULT's tensors into each request's answer. */
export function splitPerRequest(tensors: Tensor[], msg: ResultMessage): (Tensor[] | ServerError)[] {
  const counts = msg.perRequestCounts!;
  const errors = msg.errors ?? [];
  const answers: (Tensor[] | ServerError)[] = new Array(counts.length);
  let at = 0;
  let failed = 0;
  for (let i = 0; i < counts.length; i++) {
    const n = counts[i]!;
    if (n < 0) {
      const e = errors[failed++];
      answers[i] =
        e === undefined
          ? new ServerError(Status.INTERNAL, 'ERR_BACKEND', 'Backend gave no response')
          : reviveServerError(e.status, e.code, e.message);
    } else {
      answers[i] = tensors.slice(at, at + n);
      at += n;
    }
  }
  return answers;
}
