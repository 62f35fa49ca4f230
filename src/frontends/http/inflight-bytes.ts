/**
 * The byte budget shared by every HTTP request body the server holds: bytes are taken as they
 * arrive (and as a compressed body inflates) and given back once the request is answered, so the
 * memory all clients together can make the server hold is bounded by `--http-max-inflight-bytes`.
 * It only counts; the body readers decide what to refuse (503 with `Retry-After`, see
 * InflightBytesError). Plain integers and no callbacks: it sits on the inference path.
 */
import { ServerError, Status } from '../../common/index.js';

/** Seconds a client refused for want of body bytes is told to wait (`Retry-After`). */
export const INFLIGHT_RETRY_AFTER_S = 1;

/** A byte budget: `heldBytes` of `limitBytes` are in use. */
export class InflightBytes {
  /** Most bytes held at once. */
  readonly limitBytes: number;
  /** Bytes held now (taken and not yet released). */
  heldBytes: number;

  constructor(limitBytes: number) {
    this.limitBytes = limitBytes;
    this.heldBytes = 0;
  }

  /** Whether `bytes` more would fit now (nothing is taken). */
  fits(bytes: number): boolean {
    return this.heldBytes + bytes <= this.limitBytes;
  }

  /** Takes `bytes`; returns false and takes nothing when they do not fit. */
  tryTake(bytes: number): boolean {
    const held = this.heldBytes + bytes;
    if (held > this.limitBytes) return false;
    this.heldBytes = held;
    return true;
  }

  /** Gives back `bytes` taken earlier. */
  release(bytes: number): void {
    this.heldBytes -= bytes;
  }
}

/**
 * A body refused because the budget is spent (HTTP 503 with `Retry-After`, the connection is then
 * closed: the rest of the body is not read).
 */
export class InflightBytesError extends ServerError {
  constructor(budget: InflightBytes, wantedBytes: number) {
    super(
      Status.UNAVAILABLE,
      'ERR_HTTP_INFLIGHT_BYTES',
      `Cannot hold ${wantedBytes} more bytes of request body: ${budget.heldBytes} of ${budget.limitBytes} bytes are held by requests in flight (--http-max-inflight-bytes)`,
      { retryAfterS: INFLIGHT_RETRY_AFTER_S },
    );
  }
}
