/**
 * Tracing of HTTP inference requests: a sampled request's trace gets HTTP_RECV_START when it is
 * routed (with the caller's W3C `traceparent` / `tracestate` headers), HTTP_RECV_END when its body
 * is in, HTTP_SEND_START before its answer is written and HTTP_SEND_END when node:http has handed
 * the answer to the socket ('finish'); then the trace is finished. Unsampled requests never get
 * here: the frontend checks `tracer.on` first. The listener is shared (no closure per request).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type RequestTrace, TraceActivity, TraceProtocol, type Tracer } from '../../core/index.js';

const kTrace = Symbol('nereid.trace');
type TracedResponse = ServerResponse & { [kTrace]?: RequestTrace };

function headerOf(req: IncomingMessage, name: string): string {
  const v = req.headers[name];
  return typeof v === 'string' ? v : Array.isArray(v) ? (v[0] ?? '') : '';
}

/** Samples an HTTP inference request for `model`; a sampled one is stamped HTTP_RECV_START. */
export function sampleHttpRequest(tracer: Tracer, model: string, req: IncomingMessage): RequestTrace | null {
  const trace = tracer.sample(
    model,
    TraceProtocol.HTTP,
    headerOf(req, 'traceparent'),
    headerOf(req, 'tracestate'),
  );
  trace?.stampNow(TraceActivity.HTTP_RECV_START);
  return trace;
}

// Shared 'finish' listener; `this` is the response.
function onTracedFinish(this: TracedResponse): void {
  const trace = this[kTrace];
  if (trace === undefined) return;
  this[kTrace] = undefined;
  trace.stampNow(TraceActivity.HTTP_SEND_END);
  trace.finish();
}

/** The answer to a traced request is about to be written on `res`. */
export function traceHttpSend(trace: RequestTrace, res: ServerResponse): void {
  trace.stampNow(TraceActivity.HTTP_SEND_START);
  (res as TracedResponse)[kTrace] = trace;
  res.once('finish', onTracedFinish);
}
