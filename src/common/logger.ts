/**
 * The server log: Triton-like single lines (`I1124 22:35:00.123456 nereid] message`, or with
 * `--log-format ISO8601` `2024-11-24T22:35:00.123456Z I nereid] message`) on stderr or appended to
 * `--log-file`, with info/warning/error switches and a verbose level that the logging extension
 * changes at run time. One logger per process, injectable.
 */
import { accessSync, constants, createWriteStream, type WriteStream } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { invalidArg } from './errors.js';

/** Log line formats (Triton's `--log-format`). */
export const LOG_FORMATS = ['default', 'ISO8601'] as const;

/** A log line format. */
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Log settings (Triton's `--log-*` flags). */
export interface LoggerOptions {
  /** Print info lines; default true. */
  info?: boolean;
  /** Print warning lines; default true. */
  warning?: boolean;
  /** Print error lines; default true. */
  error?: boolean;
  /** Verbose level; lines logged with `verbose(n, ...)` print when n <= level; default 0. */
  verboseLevel?: number;
  /** Line format; default 'default'. */
  format?: LogFormat;
  /** File the lines are appended to instead of stderr; default '' (stderr). Ignored with `write`. */
  file?: string;
  /** Where lines go; default process.stderr (or `file`). */
  write?: (line: string) => void;
}

/**
 * Checks the settings a Logger is created with (its constructor runs this; the CLI runs it before
 * any model loads): a verbose level >= 0, a known format, and a log file whose directory exists
 * and is writable (else lines would be lost to a stream error later).
 * @throws ServerError INVALID_ARG (ERR_BAD_LOG_OPTION) naming the flag and the received value
 */
export function checkLoggerOptions(options: LoggerOptions): void {
  const level = options.verboseLevel;
  if (level !== undefined && !(Number.isSafeInteger(level) && level >= 0))
    throw invalidArg('ERR_BAD_LOG_OPTION', `--log-verbose must be >= 0: received ${level}`);
  const format = options.format;
  if (format !== undefined && !LOG_FORMATS.includes(format))
    throw invalidArg(
      'ERR_BAD_LOG_OPTION',
      `--log-format takes ${LOG_FORMATS.join(' or ')}: received '${format}'`,
    );
  if (options.write === undefined && options.file !== undefined && options.file !== '')
    checkWritableDirectory('--log-file', options.file);
}

/**
 * Throws INVALID_ARG (ERR_BAD_LOG_OPTION) unless the directory of `file` exists and is writable;
 * `flag` names the setting in the message.
 */
export function checkWritableDirectory(flag: string, file: string): void {
  try {
    accessSync(dirname(resolve(file)), constants.W_OK);
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'is not writable';
    throw invalidArg('ERR_BAD_LOG_OPTION', `${flag} '${file}' cannot be written: its directory ${why}`);
  }
}

/** A leveled line logger. */
export class Logger {
  /** Whether info lines print. */
  info: boolean;
  /** Whether warning lines print. */
  warning: boolean;
  /** Whether error lines print. */
  error: boolean;
  /** Current verbose level (0 = no verbose lines). */
  verboseLevel: number;
  /** Current line format. */
  format: LogFormat;
  /** The log file ('' = stderr); fixed at startup. */
  readonly file: string;
  private readonly write: (line: string) => void;
  private readonly stream: WriteStream | null;

  constructor(options: LoggerOptions = {}) {
    checkLoggerOptions(options);
    this.info = options.info ?? true;
    this.warning = options.warning ?? true;
    this.error = options.error ?? true;
    this.verboseLevel = options.verboseLevel ?? 0;
    this.format = options.format ?? 'default';
    this.file = options.write === undefined ? (options.file ?? '') : '';
    if (options.write !== undefined) {
      this.stream = null;
      this.write = options.write;
    } else if (this.file !== '') {
      const stream = createWriteStream(this.file, { flags: 'a' });
      // A log file that fails later (disk full) must not take the server down: lines go to stderr.
      stream.on('error', (err: NodeJS.ErrnoException) => {
        process.stderr.write(
          `E nereid] Cannot write the log file '${this.file}': ${err.code ?? err.message}\n`,
        );
      });
      this.stream = stream;
      this.write = (line) => {
        if (stream.writable) stream.write(line);
        else process.stderr.write(line);
      };
    } else {
      this.stream = null;
      this.write = (line) => process.stderr.write(line);
    }
  }

  /** Logs an info line. */
  logInfo(message: string): void {
    if (this.info) this.write(format(this.format, 'I', message));
  }

  /** Logs a warning line. */
  logWarning(message: string): void {
    if (this.warning) this.write(format(this.format, 'W', message));
  }

  /** Logs an error line. */
  logError(message: string): void {
    if (this.error) this.write(format(this.format, 'E', message));
  }

  /** Logs a verbose line when `level` <= the verbose level. */
  verbose(level: number, message: string): void {
    if (level <= this.verboseLevel) this.write(format(this.format, 'I', message));
  }

  /** Flushes and closes the log file (no-op on stderr). */
  close(): Promise<void> {
    const stream = this.stream;
    if (stream === null || stream.closed) return Promise.resolve();
    return new Promise((resolve) => stream.end(resolve));
  }
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function format(style: LogFormat, severity: string, message: string): string {
  const d = new Date();
  if (style === 'ISO8601') {
    // Triton's ISO8601 lines: UTC date and time, then the severity letter.
    return `${d.toISOString().slice(0, -1)}Z ${severity} nereid] ${message}\n`;
  }
  const stamp = `${pad(d.getMonth() + 1, 2)}${pad(d.getDate(), 2)} ${pad(d.getHours(), 2)}:${pad(d.getMinutes(), 2)}:${pad(d.getSeconds(), 2)}.${pad(d.getMilliseconds(), 3)}`;
  return `${severity}${stamp} nereid] ${message}\n`;
}

/** A logger that prints nothing; for tests and embedding. */
export const silentLogger = new Logger({ info: false, warning: false, error: false });
