/**
 * The errors a WorkerInstance fails executions and loads with, in one place so the instance's
 * lifecycle code reads as states and transitions. Messages name the instance and the model.
 */
import { ServerError, Status } from '../common/index.js';

/** Names an instance in messages. */
export interface InstanceNames {
  readonly name: string;
  readonly modelName: string;
}

/** The worker stopped while the model was loading. */
export function workerStoppedWhileLoading(i: InstanceNames, reason: string): ServerError {
  return new ServerError(
    Status.INTERNAL,
    'ERR_INSTANCE_LOAD',
    `Cannot load model "${i.modelName}" on instance "${i.name}": the worker stopped (${reason})`,
  );
}

/** The worker stopped while serving. */
export function instanceCrashed(i: InstanceNames, reason: string): ServerError {
  return new ServerError(
    Status.INTERNAL,
    'ERR_INSTANCE_CRASHED',
    `Instance "${i.name}" of model "${i.modelName}" stopped unexpectedly: ${reason}`,
  );
}

/** An execution outlived executionTimeoutMs. */
export function executionTimedOut(i: InstanceNames, timeoutMs: number): ServerError {
  return new ServerError(
    Status.UNAVAILABLE,
    'ERR_EXECUTION_TIMEOUT',
    `Execution on instance "${i.name}" of model "${i.modelName}" timed out after ${timeoutMs} ms; the instance was stopped`,
  );
}

/** The load outlived loadTimeoutMs. */
export function loadTimedOut(i: InstanceNames, timeoutMs: number): ServerError {
  return new ServerError(
    Status.UNAVAILABLE,
    'ERR_MODEL_LOAD_TIMEOUT',
    `Cannot load model "${i.modelName}" on instance "${i.name}": loading did not finish within the load timeout of ${timeoutMs} ms`,
  );
}

/** abort() was called. */
export function instanceAborted(i: InstanceNames, reason: string): ServerError {
  return new ServerError(
    Status.INTERNAL,
    'ERR_INSTANCE_ABORTED',
    `Instance "${i.name}" of model "${i.modelName}" was aborted: ${reason}`,
  );
}

/** close() was called (`is`: "was closed" for executions it failed, "is closed" for later ones). */
export function instanceClosed(i: InstanceNames, is: 'was' | 'is'): ServerError {
  return new ServerError(
    Status.UNAVAILABLE,
    'ERR_INSTANCE_CLOSED',
    `Instance "${i.name}" of model "${i.modelName}" ${is} closed`,
  );
}

/** An execution came while `inFlight` (the most) were in flight. */
export function instanceBusy(i: InstanceNames, inFlight: number, maxInFlight: number): ServerError {
  return new ServerError(
    Status.INTERNAL,
    'ERR_INSTANCE_BUSY',
    `Instance "${i.name}" of model "${i.modelName}" already has ${inFlight} executions in flight (at most ${maxInFlight})`,
  );
}

/** The transport broke its own rules (transport.ts). */
export function transportBroken(i: InstanceNames, reason: string): ServerError {
  return new ServerError(
    Status.INTERNAL,
    'ERR_RING_PROTOCOL',
    `Instance "${i.name}" of model "${i.modelName}" ${reason}`,
  );
}
