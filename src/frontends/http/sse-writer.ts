/**
 * Writes a Server-Sent Events body (`text/event-stream; charset=utf-8`, one `data: <json>\n\n`
 * block per event) on a node:http response. Events that arrive within one turn of the event loop
 * are coalesced into one socket write (flushed from setImmediate), so a model streaming tens of
 * thousands of responses a second costs one chunk per turn, not one per event. It knows nothing
 * about inference; the generate exchange decides what the events say.
 */
import type { ServerResponse } from 'node:http';

/** Content type of an SSE body, as Triton sends it. */
export const SSE_CONTENT_TYPE = 'text/event-stream; charset=utf-8';

function flushScheduled(writer: SseWriter): void {
  writer.flush();
}

/** One SSE response body. */
export class SseWriter {
  private readonly res: ServerResponse;
  private pending: string;
  private scheduled: boolean;
  private started: boolean;
  private ended: boolean;

  constructor(res: ServerResponse) {
    this.res = res;
    this.pending = '';
    this.scheduled = false;
    this.started = false;
    this.ended = false;
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
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(flushScheduled, this);
    }
  }

  /** Writes the queued events now. */
  flush(): void {
    this.scheduled = false;
    if (this.pending === '' || this.ended) return;
    const text = this.pending;
    this.pending = '';
    this.res.write(text);
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
