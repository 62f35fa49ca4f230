/**
 * The options of WorkerInstance.start, the extension hook a backend may plug into an instance,
 * and the default logger. Types only, plus that one function; the instance is worker-instance.ts.
 */
import type { ModelConfig } from '../protocol/index.js';
import type { BackendLogger, BackendLogLevel } from './backend.js';
import type { Transport } from './transport.js';
import type { WorkerHostFactory } from './worker-host.js';
import type { WorkerMessage } from './worker-protocol.js';

/** Options of WorkerInstance.start. */
export interface WorkerInstanceOptions<TOptions = unknown> {
  /** Instance name (`<group name>_<index>`), used in messages. */
  name: string;
  /** Model name, used in messages. */
  modelName: string;
  /** The compiled worker entry (see resolveWorkerUrl). */
  workerUrl: URL;
  /** The model config, cloned to the worker once; null when not needed. Default null. */
  config?: ModelConfig | null;
  /** Backend-specific load options for the worker's loader (must be structured-cloneable). */
  options: TOptions;
  /**
   * How executions travel, chosen by the backend: a RingTransport (blocking worker, synchronous
   * executor, worker thread only) or a MessageTransport. Default: a new MessageTransport.
   */
  transport?: Transport;
  /** Executions handed to the worker at once; it runs them one after the other. Default 1. */
  maxInFlight?: number;
  /** Per-execution timeout in ms after which the instance is stopped; 0 = none. Default 0. */
  executionTimeoutMs?: number;
  /** Runs the worker entry: a worker thread, or a child process (process-host.ts). Default threadHost(). */
  host?: WorkerHostFactory;
  /**
   * Whether the worker may be terminated while it runs code (safe for pure-JS workers; needed to
   * stop an endless JS loop). When false, the worker is asked to exit and does so once its current
   * native call returns: onnxruntime-node aborts the whole process when its thread is terminated
   * mid-call. Default false.
   */
  terminateWhileBusy?: boolean;
  /** Load timeout in ms after which start() rejects; 0 = none. Default 0. */
  loadTimeoutMs?: number;
  /** Send per-request facts (id, rows, parameters) with each execution (message transport). Default false. */
  sendRequestInfo?: boolean;
  /** Receives worker stdout/stderr and log messages. Default: warnings and errors to stderr. */
  logger?: BackendLogger;
  /**
   * Decoupled model: the worker answers each request through RESPONSE messages, possibly after
   * the execution returned; open requests fail when the instance dies. Default false.
   */
  decoupled?: boolean;
  /** Handles message kinds WorkerInstance does not know (e.g. BLS calls). Default none. */
  extension?: WorkerExtension | null;
  /**
   * With terminateWhileBusy: ms close() lets the worker finish its STOP handling (a model's
   * finalize) before terminating it; 0 terminates at once. Default 0.
   */
  stopGraceMs?: number;
}

/** What an extension may do with the instance it is plugged into (a WorkerInstance). */
export interface ExtensionHost {
  /** Whether the instance can still answer extension messages. */
  readonly isRunning: boolean;
  /** Posts a message to the worker; dropped once the instance stopped. */
  post(message: unknown, transfer?: ArrayBuffer[]): void;
}

/** Extra message handling plugged into a WorkerInstance by a backend. */
export interface WorkerExtension {
  /** A worker message of a kind WorkerInstance does not handle itself (e.g. MessageType.CALL). */
  onMessage(instance: ExtensionHost, message: WorkerMessage): void;
  /** The instance stopped (closed or died); drop pending work. */
  onStop(instance: ExtensionHost): void;
}

/** Writes warnings and errors to stderr and drops the rest; the logger used when none is given. */
export const defaultBackendLogger: BackendLogger = (level: BackendLogLevel, message: string) => {
  if (level === 'error' || level === 'warn') process.stderr.write(`${level}: ${message}\n`);
};
