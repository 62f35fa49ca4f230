/**
 * Per-call cancellation for the HTTP client: folds the caller's AbortSignal and the `timeoutMs`
 * deadline into the one signal undici takes, and afterwards tells which of them ended the call
 * so the error says CANCELLED or ERR_CLIENT_TIMEOUT. No timer exists when no deadline is set.
 */
import type { CallOptions } from './infer-options.js';
import {
  asClientError,
  cancelledError,
  connectionError,
  type InferenceServerError,
  invalidInput,
  timeoutError,
} from './inference-server-error.js';

/** The signals of one call. */
export class CallSignal {
  /** The signal to hand to the transport; undefined when the call can be neither cancelled nor timed out. */
  readonly signal: AbortSignal | undefined;
  /** The caller's signal, if any. */
  readonly userSignal: AbortSignal | undefined;
  /** The deadline's signal, if any. */
  readonly timeoutSignal: AbortSignal | undefined;
  /** The deadline in milliseconds (0 when none). */
  readonly timeoutMs: number;

  constructor(options: CallOptions, defaultTimeoutMs: number | undefined) {
    const timeoutMs = options.timeoutMs ?? defaultTimeoutMs ?? 0;
    if (!(timeoutMs >= 0) || !Number.isFinite(timeoutMs)) {
      throw invalidInput(`Option timeoutMs must be a finite number >= 0: received ${timeoutMs}`);
    }
    this.timeoutMs = timeoutMs;
    this.userSignal = options.signal;
    this.timeoutSignal = timeoutMs > 0 ? AbortSignal.timeout(timeoutMs) : undefined;
    if (this.userSignal !== undefined && this.timeoutSignal !== undefined) {
      this.signal = AbortSignal.any([this.userSignal, this.timeoutSignal]);
    } else {
      this.signal = this.userSignal ?? this.timeoutSignal;
    }
  }

  /** Throws the CANCELLED error when the caller's signal is already aborted. */
  throwIfAborted(what: string): void {
    if (this.userSignal?.aborted === true) throw cancelledError(what, this.userSignal.reason);
  }

  /**
   * The error to reject with after the transport threw `err`: CANCELLED when the caller aborted,
   * ERR_CLIENT_TIMEOUT when the deadline passed, the error itself when it is already a client
   * error, else a connection error.
   */
  errorFor(what: string, err: unknown): InferenceServerError {
    if (this.timeoutSignal?.aborted === true && this.userSignal?.aborted !== true) {
      return timeoutError(what, this.timeoutMs, err);
    }
    if (this.userSignal?.aborted === true) return cancelledError(what, err);
    return asClientError(err, (_message, cause) => connectionError(what, cause));
  }
}
