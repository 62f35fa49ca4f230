/**
 * `preserve_ordering` for the dynamic batcher: a ResponseSink placed between the batches and the
 * requests' own sinks that releases answers in the order the requests were dispatched, holding
 * back those of a later batch that finished first (with several instances). It does not decide
 * the order: the batcher numbers each request as it dispatches it (`nextSeq`).
 */
import type { ServerError } from '../common/index.js';
import type { InferenceRequest, InferenceResponse, ResponseSink } from './inference-request.js';

/** An answer held back until every earlier request is answered. */
interface HeldAnswer {
  request: InferenceRequest;
  /** Responses in order; decoupled models may send several. */
  responses: (InferenceResponse | null)[];
  /** The error that ended the request, or null. */
  error: ServerError | null;
  /** Whether the final response or the error has arrived. */
  done: boolean;
}

/** Releases answers in dispatch order; requests carry their number in `schedulerData`. */
export class ResponseOrderGate implements ResponseSink {
  private assigned = 0;
  private released = 0;
  private readonly held = new Map<number, HeldAnswer>();

  /** Numbers a request being dispatched (stored in `request.schedulerData`). */
  assign(request: InferenceRequest): void {
    request.schedulerData = this.assigned++;
  }

  /** Answers held back now. */
  get heldCount(): number {
    return this.held.size;
  }

  onResponse(request: InferenceRequest, response: InferenceResponse | null, final: boolean): void {
    const seq = request.schedulerData as number;
    if (seq === this.released) {
      request.sink.onResponse(request, response, final);
      if (final) this.advance();
      return;
    }
    const entry = this.entry(seq, request);
    entry.responses.push(response);
    entry.done = final;
  }

  onError(request: InferenceRequest, error: ServerError): void {
    const seq = request.schedulerData as number;
    if (seq === this.released) {
      request.sink.onError(request, error);
      this.advance();
      return;
    }
    const entry = this.entry(seq, request);
    entry.error = error;
    entry.done = true;
  }

  private entry(seq: number, request: InferenceRequest): HeldAnswer {
    let entry = this.held.get(seq);
    if (entry === undefined) {
      entry = { request, responses: [], error: null, done: false };
      this.held.set(seq, entry);
    }
    return entry;
  }

  /** Delivers everything deliverable from the head of the order. */
  private flush(): void {
    for (
      let entry = this.held.get(this.released);
      entry !== undefined;
      entry = this.held.get(this.released)
    ) {
      const { request, responses } = entry;
      const last = responses.length - 1;
      for (let i = 0; i <= last; i++) {
        request.sink.onResponse(request, responses[i]!, entry.done && entry.error === null && i === last);
      }
      responses.length = 0;
      if (!entry.done) return;
      if (entry.error !== null) request.sink.onError(request, entry.error);
      this.held.delete(this.released);
      this.released++;
    }
  }

  private advance(): void {
    // The head may have left an emptied entry behind when its first responses were held.
    if (this.held.size > 0) this.held.delete(this.released);
    this.released++;
    if (this.held.size > 0) this.flush();
  }
}
