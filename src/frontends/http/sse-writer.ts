/**
 * Writes a Server-Sent Events body (`text/event-stream; charset=utf-8`, one `data: <json>\n\n`
 * block per event) on a node:http response. Events that arrive within one turn of the event loop
 * are coalesced into one socket write (flushed from setImmediate), so a model streaming tens of
 * thousands of responses a second costs one chunk per turn, not one per event. It knows nothing
 * about inference; the generate exchange decides what the events say.
 *
 * A slow reader is respected: once the socket's buffer is full (`write` returned false) events
 * wait in the writer, coalesced, until the socket drains, and nothing is dropped. A reader that
 * falls behind by more than `maxUnsentBytes` in all (the writer's queue plus the socket's buffer)
 * is cut off instead of letting the server's memory grow without bound: the writer stops and
 * calls `onOverflow`, whose owner cancels the request and closes the connection.
 */
import type { ServerResponse } from 'node:http';

/** Content type of an SSE body, as Triton sends it. */
export const SSE_CONTENT_TYPE = 'text/event-stream; charset=utf-8';

/**
 * Default of SseWriterOptions.maxUnsentBytes: 16 MiB of events a client has not read yet. LLM
 * token streams are a few hundred bytes per event, so only a client that stopped reading gets
 * there.
 */
export const SSE_MAX_UNSENT_BYTES = 16 * 1024 * 1024;

/** Options of an SseWriter. */
export interface SseWriterOptions {
  /**
   * Most bytes of events the client may be behind by (queued here plus buffered on the socket;
   * queued text counted one byte per UTF-16 unit) before the writer gives up. Default
   * SSE_MAX_UNSENT_BYTES.
   */
  maxUnsentBytes?: number;
  /** Called once when the client fell further behind than that (the writer has stopped). */
  onOverflow?: (unsentBytes: number) => void;
}

function flushScheduled(writer: SseWriter): void {
  writer.flush();
}

/** One SSE response body. */
export class SseWriter {
  private readonly res: ServerResponse;
  private readonly maxUnsentBytes: number;
  private readonly onOverflow: ((unsentBytes: number) => void) | null;
  private pending: string;
  private scheduled: boolean;
  private started: boolean;
  private ended: boolean;
  /** Waiting for the socket's 'drain' before writing more. */
  private waitingForDrain: boolean;
  private readonly onDrain = (): void => {
    this.waitingForDrain = false;
    this.flush();
  };

  constructor(res: ServerResponse, options: SseWriterOptions = {}) {
    this.res = res;
    this.maxUnsentBytes = options.maxUnsentBytes ?? SSE_MAX_UNSENT_BYTES;
    this.onOverflow = options.onOverflow ?? null;
    this.pending = '';
    this.scheduled = false;
    this.started = false;
    this.ended = false;
    this.waitingForDrain = false;
  }

  /** Bytes of events written or queued that the client has not taken yet (approximate). */
  get unsentBytes(): number {
    return this.pending.length + this.res.writableLength;
  }

  /** Whether the status line and headers were sent (the first event was written). */
  get isStarted(): boolean {
    return this.started;
  }

  /** Whether `end()` was called or the writer was abandoned. */
  get isEnded(): boolean {
    return this.ended;
  }

  /** Queues one event whose data is `json` (one line of JSON text). Sends the headers first. */
  event(json: string): void {
    if (this.ended) return;
    if (!this.started) this.start();
    this.pending += `data: ${json}\n\n`;
    // Checked on every event: a burst of responses handled in one event-loop turn queues here
    // before any flush could see the socket full.
    if (this.checkOverflow() || this.waitingForDrain) return;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(flushScheduled, this);
    }
  }

  /** Writes the queued events now, unless the socket must drain first. */
  flush(): void {
    this.scheduled = false;
    if (this.pending === '' || this.ended || this.waitingForDrain) return;
    const text = this.pending;
    this.pending = '';
    if (!this.res.write(text)) {
      this.waitingForDrain = true;
      this.res.once('drain', this.onDrain);
      this.checkOverflow();
    }
  }

  /** Writes what is queued and ends the body (sending headers if no event was written). */
  end(): void {
    if (this.ended) return;
    if (!this.started) this.start();
    this.ended = true;
    const text = this.pending;
    this.pending = '';
    if (text === '') this.res.end();
    else this.res.end(text);
  }

  /** Drops anything queued and writes nothing more (the client went away). */
  abandon(): void {
    this.ended = true;
    this.pending = '';
    if (this.waitingForDrain) {
      this.waitingForDrain = false;
      this.res.off('drain', this.onDrain);
    }
  }

  /** Stops and reports when the client is too far behind; returns whether it did. */
  private checkOverflow(): boolean {
    const unsent = this.unsentBytes;
    if (unsent <= this.maxUnsentBytes) return false;
    this.abandon();
    this.onOverflow?.(unsent);
    return true;
  }

  private start(): void {
    this.started = true;
    this.res.writeHead(200, {
      'Content-Type': SSE_CONTENT_TYPE,
      'Cache-Control': 'no-cache',
    });
    this.res.flushHeaders();
  }
}
