/** Request tracing (Triton's trace extension): settings, sampling, the trace file and OpenTelemetry. */
export { DEFAULT_OTLP_URL, type OtelExportOptions } from './otel-span-exporter.js';
export { RequestTrace, type TracedTensor } from './request-trace.js';
export {
  TRACE_ACTIVITY_NAMES,
  TraceActivity,
  TraceLevel,
  TraceProtocol,
  traceLevelNames,
} from './trace-activity.js';
export { checkTraceConfig, parseTraceConfig, type TraceConfig, type TraceMode } from './trace-config.js';
export { MAX_PENDING_BYTES, TraceFileWriter } from './trace-file-writer.js';
export { traceEntries } from './trace-json.js';
export {
  parseTraceSettingUpdate,
  type TraceSettingUpdate,
  traceSettingsFromJson,
  UPDATABLE_TRACE_SETTINGS,
} from './trace-setting-update.js';
export {
  isSampledTraceparent,
  MAX_LIVE_TRACES,
  MAX_MODEL_TRACE_SETTINGS,
  Tracer,
  type TracerOptions,
} from './tracer.js';
