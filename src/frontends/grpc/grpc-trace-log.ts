/**
 * The gRPC RPCs of the trace and logging extensions: TraceSetting (settings as
 * `map<string, SettingValue{repeated string value}>`, an empty list clearing a value, `model_name`
 * for a model's setting) and LogSettings (settings as `map<string, SettingValue{oneof bool_param,
 * uint32_param, string_param}>`). Both answer every setting now in force, as Triton does; parsing
 * and applying are the core's.
 */
import type { handleUnaryCall, UntypedServiceImplementation } from '@grpc/grpc-js';
import {
  applyLogSettings,
  type InferenceServer,
  type LogSettingValue,
  logSettingsOf,
  parseTraceSettingUpdate,
} from '../../core/index.js';
import { grpcErrorOf } from './grpc-status.js';

/** TraceSettingRequest as proto-loader decodes it. */
interface TraceSettingRequestMessage {
  settings?: Record<string, { value?: string[] }>;
  model_name?: string;
}

/** LogSettingsRequest.SettingValue / LogSettingsResponse.SettingValue. */
interface LogSettingMessage {
  parameter_choice?: 'bool_param' | 'uint32_param' | 'string_param';
  bool_param?: boolean;
  uint32_param?: number;
  string_param?: string;
}

/** Settings in Triton's JSON form as TraceSettingResponse settings. */
function traceSettingsMessage(settings: Record<string, string | string[]>): {
  settings: Record<string, { value: string[] }>;
} {
  const out: Record<string, { value: string[] }> = {};
  for (const [key, value] of Object.entries(settings))
    out[key] = { value: Array.isArray(value) ? value : [value] };
  return { settings: out };
}

/** The value a LogSettings SettingValue carries (null when none of the oneof is set). */
function logValue(m: LogSettingMessage): LogSettingValue {
  switch (m.parameter_choice) {
    case 'bool_param':
      return m.bool_param === true;
    case 'uint32_param':
      return m.uint32_param ?? 0;
    case 'string_param':
      return m.string_param ?? '';
    default:
      return null;
  }
}

/** The TraceSetting and LogSettings handlers over `server`. */
export function traceLogHandlers(server: InferenceServer): UntypedServiceImplementation {
  const traceSetting: handleUnaryCall<TraceSettingRequestMessage, unknown> = (call, callback) => {
    try {
      const model = call.request.model_name ?? '';
      const entries = Object.entries(call.request.settings ?? {});
      if (entries.length === 0) {
        callback(null, traceSettingsMessage(server.traceSettings(model)));
        return;
      }
      const settings: Record<string, string[] | null> = {};
      for (const [key, v] of entries)
        settings[key] = v.value === undefined || v.value.length === 0 ? null : v.value;
      callback(
        null,
        traceSettingsMessage(server.updateTraceSettings(model, parseTraceSettingUpdate(settings))),
      );
    } catch (err) {
      callback(grpcErrorOf(err));
    }
  };
  const logSettings: handleUnaryCall<{ settings?: Record<string, LogSettingMessage> }, unknown> = (
    call,
    callback,
  ) => {
    try {
      const settings: Record<string, LogSettingValue> = {};
      for (const [key, v] of Object.entries(call.request.settings ?? {})) settings[key] = logValue(v);
      const now =
        Object.keys(settings).length === 0
          ? logSettingsOf(server.logger)
          : applyLogSettings(server.logger, settings);
      const out: Record<string, LogSettingMessage> = {};
      for (const [key, value] of Object.entries(now)) {
        out[key] =
          typeof value === 'boolean'
            ? { bool_param: value }
            : typeof value === 'number'
              ? { uint32_param: value }
              : { string_param: value };
      }
      callback(null, { settings: out });
    } catch (err) {
      callback(grpcErrorOf(err));
    }
  };
  return { TraceSetting: traceSetting, LogSettings: logSettings };
}
