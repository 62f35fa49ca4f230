/**
 * The logging extension (Triton's `GET|POST v2/logging`, gRPC LogSettings): the server logger's
 * settings in Triton's JSON form, and changing them at run time. Every value of an update is
 * checked before any is applied; null values are ignored as Triton ignores them. The log file is
 * set at startup only (`--log-file`).
 */
import { invalidArg, LOG_FORMATS, type LogFormat, type Logger, unsupported } from '../common/index.js';

/** The settings as Triton reports them. */
export interface LogSettingsJson {
  log_file: string;
  log_info: boolean;
  log_warning: boolean;
  log_error: boolean;
  log_verbose_level: number;
  log_format: LogFormat;
}

/** A setting value as clients send it (JSON scalar or gRPC bool/uint32/string), null = unchanged. */
export type LogSettingValue = boolean | number | string | null;

/** Largest verbose level (Triton keeps it in an int32). */
const MAX_VERBOSE_LEVEL = 2_147_483_647;

const BOOLEAN_SETTINGS = { log_info: 'info', log_warning: 'warning', log_error: 'error' } as const;

/** The logger's settings in Triton's JSON form. */
export function logSettingsOf(logger: Logger): LogSettingsJson {
  return {
    log_file: logger.file,
    log_info: logger.info,
    log_warning: logger.warning,
    log_error: logger.error,
    log_verbose_level: logger.verboseLevel,
    log_format: logger.format,
  };
}

/**
 * Applies `settings` to `logger` (all or nothing) and returns the settings now in force.
 * @throws ServerError INVALID_ARG (ERR_LOG_SETTING) for an unknown setting or a bad value;
 *   UNSUPPORTED (ERR_LOG_SETTING_READ_ONLY) for a log file
 */
export function applyLogSettings(
  logger: Logger,
  settings: Readonly<Record<string, LogSettingValue>>,
): LogSettingsJson {
  const next = logSettingsOf(logger);
  for (const [key, value] of Object.entries(settings)) {
    if (value === null) continue;
    if (key === 'log_file') {
      throw unsupported(
        'ERR_LOG_SETTING_READ_ONLY',
        'The log file cannot be changed through the logging API: set it at startup with --log-file',
      );
    }
    if (key in BOOLEAN_SETTINGS) {
      if (typeof value !== 'boolean') throw badValue(key, 'a boolean', value);
      next[key as keyof typeof BOOLEAN_SETTINGS] = value;
    } else if (key === 'log_verbose_level') {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_VERBOSE_LEVEL) {
        throw badValue(key, `an integer in [0, ${MAX_VERBOSE_LEVEL}]`, value);
      }
      next.log_verbose_level = value;
    } else if (key === 'log_format') {
      if (typeof value !== 'string' || !(LOG_FORMATS as readonly string[]).includes(value)) {
        throw badValue(key, LOG_FORMATS.map((f) => `"${f}"`).join(' or '), value);
      }
      next.log_format = value as LogFormat;
    } else {
      throw invalidArg(
        'ERR_LOG_SETTING',
        `Unknown log setting '${key}': the settings are log_info, log_warning, log_error, log_verbose_level, log_format (log_file is read-only)`,
      );
    }
  }
  logger.info = next.log_info;
  logger.warning = next.log_warning;
  logger.error = next.log_error;
  logger.verboseLevel = next.log_verbose_level;
  logger.format = next.log_format;
  return next;
}

function badValue(key: string, allowed: string, value: unknown): Error {
  return invalidArg('ERR_LOG_SETTING', `${key} must be ${allowed}: received ${JSON.stringify(value)}`);
}
