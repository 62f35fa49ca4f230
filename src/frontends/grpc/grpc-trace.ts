/**
 * Tracing of gRPC inference requests: a sampled request's trace gets GRPC_WAITREAD_START and
 * GRPC_WAITREAD_END when its message is handed to the handler (grpc-js reads a message whole, so
 * both are that moment) with the caller's W3C `traceparent` / `tracestate` metadata, then
 * GRPC_SEND_START and GRPC_SEND_END around writing its answer, after which it is finished.
 * Unsampled requests never get here: the handlers check `tracer.on` first.
 */
import type { Metadata } from '@grpc/grpc-js';
import { type RequestTrace, TraceActivity, TraceProtocol, type Tracer } from '../../core/index.js';

function metadataOf(metadata: Metadata, key: string): string {
  const v = metadata.get(key)[0];
  return typeof v === 'string' ? v : '';
}

/** Samples a gRPC inference request for `model`; a sampled one is stamped as read. */
export function sampleGrpcRequest(tracer: Tracer, model: string, metadata: Metadata): RequestTrace | null {
  const trace = tracer.sample(
    model,
    TraceProtocol.GRPC,
    metadataOf(metadata, 'traceparent'),
    metadataOf(metadata, 'tracestate'),
  );
  if (trace !== null) {
    trace.stampNow(TraceActivity.GRPC_WAITREAD_START);
    trace.stampNow(TraceActivity.GRPC_WAITREAD_END);
  }
  return trace;
}

/** Stamps GRPC_SEND_START (call before writing the answer). */
export function traceGrpcSendStart(trace: RequestTrace): void {
  trace.stampNow(TraceActivity.GRPC_SEND_START);
}

/** Stamps GRPC_SEND_END and finishes the trace (call once the answer is written). */
export function traceGrpcSendEnd(trace: RequestTrace): void {
  trace.stampNow(TraceActivity.GRPC_SEND_END);
  trace.finish();
}
