/**
 * The trace settings a server starts with, from tritonserver's `--trace-config` entries:
 * `level=OFF|TIMESTAMPS|TENSORS` (repeatable), `rate=N`, `count=N`, `mode=triton|opentelemetry`,
 * `triton,file=PATH`, `triton,log-frequency=N`, and `opentelemetry,url=URL`,
 * `opentelemetry,resource=KEY=VALUE` (repeatable) and the batch span processor's
 * `opentelemetry,bsp_max_queue_size|bsp_schedule_delay|bsp_max_export_batch_size=N`.
 */
import { checkWritableDirectory, invalidArg } from '../../common/index.js';
import type { OtelExportOptions } from './otel-span-exporter.js';
import { TraceLevel } from './trace-activity.js';
import { parseLevel } from './trace-setting-update.js';

/** Trace modes: Triton's JSON trace file, or OpenTelemetry spans over OTLP. */
export type TraceMode = 'triton' | 'opentelemetry';

/** A server's trace configuration (all optional: the defaults are Triton's). */
export interface TraceConfig {
  /** Where traces go [mode]; default 'triton'. */
  mode?: TraceMode;
  /** TraceLevel bits [level]; default OFF. */
  level?: number;
  /** Trace one request in `rate` [rate]; default 1000. */
  rate?: number;
  /** Traces to take, then stop; -1 = no limit [count]; default -1. */
  count?: number;
  /** Traces per indexed file, 0 = one file [triton,log-frequency]; default 0. */
  logFrequency?: number;
  /** The JSON trace file [triton,file]; default '' (none: tracing cannot be turned on in triton mode). */
  file?: string;
  /** OpenTelemetry exporter settings [opentelemetry,...]. */
  opentelemetry?: OtelExportOptions;
}

const SETTING_LIMITS: Record<string, [number, number]> = {
  rate: [1, 4_294_967_295],
  count: [-1, 2_147_483_647],
  'log-frequency': [0, 4_294_967_295],
  bsp_max_queue_size: [1, 1_000_000],
  bsp_schedule_delay: [1, 3_600_000],
  bsp_max_export_batch_size: [1, 1_000_000],
};

function integer(setting: string, text: string): number {
  const [min, max] = SETTING_LIMITS[setting]!;
  const n = Number(text);
  if (!/^-?[0-9]+$/.test(text) || n < min || n > max) {
    throw invalidArg(
      'ERR_TRACE_CONFIG',
      `--trace-config ${setting} must be an integer in [${min}, ${max}]: received '${text}'`,
    );
  }
  return n;
}

/**
 * Reads `--trace-config` entries in order (later ones win; levels add up).
 * @throws ServerError INVALID_ARG (ERR_TRACE_CONFIG) naming the entry that is wrong
 */
export function parseTraceConfig(entries: readonly string[]): TraceConfig {
  const config: TraceConfig = {};
  let levels: string[] | null = null;
  for (const entry of entries) {
    const comma = entry.indexOf(',');
    const prefix = comma === -1 ? '' : entry.slice(0, comma);
    const scoped = prefix === 'triton' || prefix === 'opentelemetry';
    const body = scoped ? entry.slice(comma + 1) : entry;
    const eq = body.indexOf('=');
    if (eq <= 0) {
      throw invalidArg('ERR_TRACE_CONFIG', `--trace-config takes [MODE,]SETTING=VALUE: received '${entry}'`);
    }
    const key = body.slice(0, eq);
    const value = body.slice(eq + 1);
    if (!scoped) {
      if (key === 'level') (levels ??= []).push(value.toUpperCase());
      else if (key === 'rate') config.rate = integer('rate', value);
      else if (key === 'count') config.count = integer('count', value);
      else if (key === 'mode') {
        if (value !== 'triton' && value !== 'opentelemetry') {
          throw invalidArg(
            'ERR_TRACE_CONFIG',
            `--trace-config mode must be triton or opentelemetry: received '${value}'`,
          );
        }
        config.mode = value;
      } else throw unknown(entry, 'level, rate, count, mode');
    } else if (prefix === 'triton') {
      if (key === 'file') config.file = value;
      else if (key === 'log-frequency') config.logFrequency = integer('log-frequency', value);
      else throw unknown(entry, 'triton,file, triton,log-frequency');
    } else {
      const otel = (config.opentelemetry ??= {});
      if (key === 'url') otel.url = checkUrl(value);
      else if (key === 'resource') {
        const at = value.indexOf('=');
        if (at <= 0) {
          throw invalidArg(
            'ERR_TRACE_CONFIG',
            `--trace-config opentelemetry,resource takes KEY=VALUE: received '${value}'`,
          );
        }
        otel.resource = { ...otel.resource, [value.slice(0, at)]: value.slice(at + 1) };
      } else if (key === 'bsp_max_queue_size') otel.maxQueueSize = integer(key, value);
      else if (key === 'bsp_schedule_delay') otel.scheduleDelayMs = integer(key, value);
      else if (key === 'bsp_max_export_batch_size') otel.maxExportBatchSize = integer(key, value);
      else {
        throw unknown(
          entry,
          'opentelemetry,url, opentelemetry,resource, opentelemetry,bsp_max_queue_size, opentelemetry,bsp_schedule_delay, opentelemetry,bsp_max_export_batch_size',
        );
      }
    }
  }
  if (levels !== null) {
    try {
      // Repeated levels add up, as tritonserver's; OFF alone turns tracing off.
      const named = levels.filter((l) => l !== 'OFF');
      config.level = named.length === 0 ? TraceLevel.OFF : parseLevel(named);
    } catch (err) {
      throw invalidArg('ERR_TRACE_CONFIG', `--trace-config level: ${(err as Error).message}`);
    }
  }
  return config;
}

function unknown(entry: string, allowed: string): Error {
  return invalidArg(
    'ERR_TRACE_CONFIG',
    `Unknown --trace-config setting '${entry}': the settings are ${allowed}`,
  );
}

function checkUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidArg(
      'ERR_TRACE_CONFIG',
      `--trace-config opentelemetry,url is not a URL: received '${value}'`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalidArg(
      'ERR_TRACE_CONFIG',
      `--trace-config opentelemetry,url must be http:// or https://: received '${value}'`,
    );
  }
  return value;
}

/**
 * Checks a trace configuration as the server will use it: the trace file's directory is writable,
 * a level that is on has somewhere to go (a file in triton mode), and TENSORS is not asked of
 * opentelemetry mode. Throws INVALID_ARG; `nereid serve` shows the same message as a usage error.
 */
export function checkTraceConfig(config: TraceConfig): void {
  const mode = config.mode ?? 'triton';
  const file = config.file ?? '';
  if (mode === 'triton' && file !== '') checkWritableDirectory('--trace-config triton,file', file);
  const level = config.level ?? TraceLevel.OFF;
  if (level !== TraceLevel.OFF && mode === 'triton' && file === '') {
    throw invalidArg(
      'ERR_TRACE_CONFIG',
      '--trace-config level is on but no trace file is set: add --trace-config triton,file=PATH (or mode=opentelemetry)',
    );
  }
  if (mode === 'opentelemetry' && (level & TraceLevel.TENSORS) !== 0) {
    throw invalidArg(
      'ERR_TRACE_CONFIG',
      '--trace-config level=TENSORS is not available in opentelemetry mode',
    );
  }
}
