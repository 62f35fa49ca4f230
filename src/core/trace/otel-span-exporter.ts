/**
 * OpenTelemetry mode (`--trace-config mode=opentelemetry`): turns each finished trace tree into
 * spans as Triton does and exports them over OTLP/HTTP (JSON) with the official OpenTelemetry JS
 * SDK (BasicTracerProvider + BatchSpanProcessor + OTLPTraceExporter). Spans are built after the
 * response was sent, from the recorded timestamps, so nothing of OpenTelemetry runs while a request
 * is served; the SDK (about 1 s and 16 MB to load here) is imported only when this mode is chosen.
 *
 *   InferRequest (SERVER; child of the caller's `traceparent`; HTTP_* / GRPC_* events)
 *     └ <model> (REQUEST_START, QUEUE_START, REQUEST_END; triton.* attributes)
 *         ├ compute (COMPUTE_START ... COMPUTE_END)
 *         └ <step model> ... (ensemble steps, model-to-model calls)
 *
 * Bounded by the batch processor's queue (bsp_max_queue_size spans; more are dropped). The only
 * network use is the configured OTLP URL.
 */
import type { Context, HrTime, Tracer as OtelTracer, Span } from '@opentelemetry/api';
import { clockToEpochHrTime } from './epoch-time.js';
import type { RequestTrace } from './request-trace.js';
import { TRACE_ACTIVITY_NAMES, TraceActivity, TraceProtocol } from './trace-activity.js';

/** OpenTelemetry settings (`--trace-config opentelemetry,KEY=VALUE`, Triton's keys). */
export interface OtelExportOptions {
  /** OTLP/HTTP traces endpoint [url]; default `http://localhost:4318/v1/traces`. */
  url?: string;
  /** Resource attributes [resource=KEY=VALUE, repeatable]; default service.name=nereid. */
  resource?: Readonly<Record<string, string>>;
  /** Most spans waiting for export; more are dropped [bsp_max_queue_size]; default 2048. */
  maxQueueSize?: number;
  /** Ms between two exports [bsp_schedule_delay]; default 5000. */
  scheduleDelayMs?: number;
  /** Most spans per export [bsp_max_export_batch_size]; default 512. */
  maxExportBatchSize?: number;
}

/** Triton's default OTLP endpoint. */
export const DEFAULT_OTLP_URL = 'http://localhost:4318/v1/traces';

type Api = typeof import('@opentelemetry/api');

/** Exports finished traces as OpenTelemetry spans. */
export class OtelSpanExporter {
  private readonly api: Api;
  private readonly tracer: OtelTracer;
  private readonly shutdownProvider: () => Promise<void>;
  private readonly extractParent: (traceparent: string, tracestate: string) => Context;

  private constructor(
    api: Api,
    tracer: OtelTracer,
    shutdown: () => Promise<void>,
    extractParent: (traceparent: string, tracestate: string) => Context,
  ) {
    this.api = api;
    this.tracer = tracer;
    this.shutdownProvider = shutdown;
    this.extractParent = extractParent;
  }

  /** Loads the SDK and sets up the exporter (no connection is made until the first export). */
  static async create(options: OtelExportOptions, version: string): Promise<OtelSpanExporter> {
    const [api, sdk, otlp, resources, core] = await Promise.all([
      import('@opentelemetry/api'),
      import('@opentelemetry/sdk-trace-base'),
      import('@opentelemetry/exporter-trace-otlp-http'),
      import('@opentelemetry/resources'),
      import('@opentelemetry/core'),
    ]);
    const exporter = new otlp.OTLPTraceExporter({ url: options.url ?? DEFAULT_OTLP_URL });
    const processor = new sdk.BatchSpanProcessor(exporter, {
      maxQueueSize: options.maxQueueSize ?? 2048,
      scheduledDelayMillis: options.scheduleDelayMs ?? 5000,
      maxExportBatchSize: options.maxExportBatchSize ?? 512,
    });
    const provider = new sdk.BasicTracerProvider({
      resource: resources.resourceFromAttributes({ 'service.name': 'nereid', ...options.resource }),
      // Nereid samples (trace_rate, trace_count, a sampled traceparent); the SDK records what it is given.
      sampler: new sdk.AlwaysOnSampler(),
      spanProcessors: [processor],
    });
    const propagator = new core.W3CTraceContextPropagator();
    const extractParent = (traceparent: string, tracestate: string): Context =>
      propagator.extract(
        api.ROOT_CONTEXT,
        tracestate === '' ? { traceparent } : { traceparent, tracestate },
        api.defaultTextMapGetter,
      );
    return new OtelSpanExporter(
      api,
      provider.getTracer('nereid', version),
      () => provider.shutdown(),
      extractParent,
    );
  }

  /** Builds and queues the spans of a finished root trace and its children. */
  export(root: RequestTrace): void {
    const api = this.api;
    const s = root.stamps;
    const parent =
      root.traceparent === '' ? api.ROOT_CONTEXT : this.extractParent(root.traceparent, root.tracestate);
    const frontend =
      root.protocol === TraceProtocol.HTTP
        ? [
            TraceActivity.HTTP_RECV_START,
            TraceActivity.HTTP_RECV_END,
            TraceActivity.HTTP_SEND_START,
            TraceActivity.HTTP_SEND_END,
          ]
        : root.protocol === TraceProtocol.GRPC
          ? [
              TraceActivity.GRPC_WAITREAD_START,
              TraceActivity.GRPC_WAITREAD_END,
              TraceActivity.GRPC_SEND_START,
              TraceActivity.GRPC_SEND_END,
            ]
          : [];
    const start = firstOf(s, [frontend[0] ?? -1, TraceActivity.REQUEST_START]);
    const end = firstOf(s, [frontend[3] ?? -1, TraceActivity.REQUEST_END]);
    if (start < 0) return;
    const rootSpan = this.tracer.startSpan(
      'InferRequest',
      { kind: api.SpanKind.SERVER, startTime: clockToEpochHrTime(start) },
      parent,
    );
    for (const a of frontend) addEvent(rootSpan, s, a);
    this.exportRequest(root, api.trace.setSpan(api.ROOT_CONTEXT, rootSpan));
    endSpan(rootSpan, end >= 0 ? end : start);
  }

  /** Flushes the queued spans and stops the exporter. */
  shutdown(): Promise<void> {
    return this.shutdownProvider();
  }

  /** The model span of `trace` (under `parent`), its compute span and its children's spans. */
  private exportRequest(trace: RequestTrace, parent: Context): void {
    const api = this.api;
    const s = trace.stamps;
    const start = s[TraceActivity.REQUEST_START]!;
    if (start < 0) return;
    const span = this.tracer.startSpan(
      trace.modelName,
      {
        kind: api.SpanKind.SERVER,
        startTime: clockToEpochHrTime(start),
        attributes: {
          'triton.model_name': trace.modelName,
          'triton.model_version': Number(trace.modelVersion) || -1,
          'triton.trace_id': trace.id,
          'triton.trace_parent_id': trace.parent === null ? 0 : trace.parent.id,
          ...(trace.requestId === '' ? {} : { 'triton.request_id': trace.requestId }),
        },
      },
      parent,
    );
    addEvent(span, s, TraceActivity.REQUEST_START);
    addEvent(span, s, TraceActivity.QUEUE_START);
    const computeStart = s[TraceActivity.COMPUTE_START]!;
    if (computeStart >= 0) {
      const compute = this.tracer.startSpan(
        'compute',
        { kind: api.SpanKind.SERVER, startTime: clockToEpochHrTime(computeStart) },
        api.trace.setSpan(api.ROOT_CONTEXT, span),
      );
      addEvent(compute, s, TraceActivity.COMPUTE_START);
      addEvent(compute, s, TraceActivity.COMPUTE_INPUT_END);
      addEvent(compute, s, TraceActivity.COMPUTE_OUTPUT_START);
      addEvent(compute, s, TraceActivity.COMPUTE_END);
      endSpan(compute, firstOf(s, [TraceActivity.COMPUTE_END, TraceActivity.REQUEST_END]), computeStart);
    }
    const inside = api.trace.setSpan(api.ROOT_CONTEXT, span);
    for (const child of trace.children ?? []) this.exportRequest(child, inside);
    addEvent(span, s, TraceActivity.REQUEST_END);
    endSpan(span, s[TraceActivity.REQUEST_END]!, start);
  }
}

/** The first recorded time among `activities`, or -1. */
function firstOf(stamps: Float64Array, activities: readonly number[]): number {
  for (const a of activities) if (a >= 0 && stamps[a]! >= 0) return stamps[a]!;
  return -1;
}

function addEvent(span: Span, stamps: Float64Array, activity: number): void {
  const ns = stamps[activity]!;
  if (ns >= 0) span.addEvent(TRACE_ACTIVITY_NAMES[activity]!, clockToEpochHrTime(ns));
}

/** Ends `span` at `ns` (or at `fallbackNs` when that activity was not recorded). */
function endSpan(span: Span, ns: number, fallbackNs = ns): void {
  const at: HrTime = clockToEpochHrTime(ns >= 0 ? ns : fallbackNs);
  span.end(at);
}
