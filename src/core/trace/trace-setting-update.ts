/**
 * The trace extension's settings as clients send them (Triton's `POST v2[/models/{m}]/trace/setting`
 * JSON and gRPC `TraceSettingRequest.settings`): every value a list of strings, or JSON null / an
 * empty list to clear it. Parsed here into a TraceSettingUpdate; applying it is the Tracer's. The
 * trace file and mode are read-only through the API, as in Triton.
 */
import { invalidArg, unsupported } from '../../common/index.js';
import { TraceLevel } from './trace-activity.js';

/**
 * New values of the updatable settings: a field left out is unchanged, null clears it (a model's
 * setting then follows the global one; the global one returns to its startup value).
 */
export interface TraceSettingUpdate {
  /** Trace level bit set (TraceLevel). */
  level?: number | null;
  /** Trace one request in `rate`. */
  rate?: number | null;
  /** Traces left to take; -1 = no limit. */
  count?: number | null;
  /** Traces per file written with an index suffix; 0 = one file. */
  logFrequency?: number | null;
}

/** The settings a client may change, in Triton's names. */
export const UPDATABLE_TRACE_SETTINGS = [
  'trace_level',
  'trace_rate',
  'trace_count',
  'log_frequency',
] as const;

/** Settings that exist but only the command line sets (`--trace-config`). */
const READ_ONLY_SETTINGS = new Set(['trace_file', 'trace_mode', 'url', 'resource']);

const UINT32_MAX = 4_294_967_295;
const INT32_MAX = 2_147_483_647;

/**
 * The settings of an HTTP trace request body in the common form (string → list of strings, or
 * null to clear). Values may be a string, a list of strings or null.
 * @throws ServerError INVALID_ARG (ERR_BAD_JSON) for a body that is not an object of such values
 */
export function traceSettingsFromJson(body: unknown): Record<string, string[] | null> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw invalidArg('ERR_BAD_JSON', 'Trace setting request must be a JSON object');
  }
  const out: Record<string, string[] | null> = {};
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    if (value === null) out[key] = null;
    else if (typeof value === 'string') out[key] = [value];
    else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) out[key] = value as string[];
    else {
      throw invalidArg(
        'ERR_BAD_JSON',
        `Trace setting '${key}' must be a string, a list of strings or null: received ${JSON.stringify(value)}`,
      );
    }
  }
  return out;
}

/**
 * Parses settings in the common form into an update.
 * @throws ServerError INVALID_ARG (ERR_TRACE_SETTING) for an unknown setting or a bad value;
 *   UNSUPPORTED (ERR_TRACE_SETTING_READ_ONLY) for the trace file, the mode and OpenTelemetry options
 */
export function parseTraceSettingUpdate(
  settings: Readonly<Record<string, readonly string[] | null>>,
): TraceSettingUpdate {
  const update: TraceSettingUpdate = {};
  for (const [key, raw] of Object.entries(settings)) {
    const values = raw === null || raw.length === 0 ? null : raw;
    if (READ_ONLY_SETTINGS.has(key) || key.startsWith('bsp_')) {
      throw unsupported(
        'ERR_TRACE_SETTING_READ_ONLY',
        `Trace setting '${key}' cannot be changed through the trace API: set it at startup with --trace-config`,
      );
    }
    switch (key) {
      case 'trace_level':
        update.level = values === null ? null : parseLevel(values);
        break;
      case 'trace_rate':
        update.rate = values === null ? null : parseInteger(key, values, 1, UINT32_MAX);
        break;
      case 'trace_count':
        update.count = values === null ? null : parseInteger(key, values, -1, INT32_MAX);
        break;
      case 'log_frequency':
        update.logFrequency = values === null ? null : parseInteger(key, values, 0, UINT32_MAX);
        break;
      default:
        throw invalidArg(
          'ERR_TRACE_SETTING',
          `Unknown trace setting '${key}': the settings are ${UPDATABLE_TRACE_SETTINGS.join(', ')}`,
        );
    }
  }
  return update;
}

/** A level list: OFF alone, or TIMESTAMPS and/or TENSORS. */
export function parseLevel(values: readonly string[]): number {
  let level: number = TraceLevel.OFF;
  for (const name of values) {
    if (name === 'OFF') {
      if (values.length !== 1) {
        throw invalidArg(
          'ERR_TRACE_SETTING',
          `trace_level 'OFF' must be the only level: received ${JSON.stringify(values)}`,
        );
      }
    } else if (name === 'TIMESTAMPS') level |= TraceLevel.TIMESTAMPS;
    else if (name === 'TENSORS') level |= TraceLevel.TENSORS;
    else {
      throw invalidArg(
        'ERR_TRACE_SETTING',
        `trace_level must be OFF, TIMESTAMPS or TENSORS: received '${name}'`,
      );
    }
  }
  return level;
}

/** One decimal integer in [min, max] (a one-element list). */
function parseInteger(key: string, values: readonly string[], min: number, max: number): number {
  if (values.length !== 1) {
    throw invalidArg('ERR_TRACE_SETTING', `${key} takes one value: received ${JSON.stringify(values)}`);
  }
  const text = values[0]!.trim();
  const n = Number(text);
  if (!/^-?[0-9]+$/.test(text) || n < min || n > max) {
    throw invalidArg(
      'ERR_TRACE_SETTING',
      `${key} must be an integer in [${min}, ${max}]: received '${values[0]}'`,
    );
  }
  return n;
}
