/**
 * The server log: Triton-like single lines (`I1124 22:35:00.123456 nereid] message`) on stderr,
 * with info/warning/error switches and a verbose level. One logger per process, injectable.
 */

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
  /** Where lines go; default process.stderr. */
  write?: (line: string) => void;
}

/** A leveled line logger. */
export class Logger {
  /** Whether info lines print. */
  info: boolean;
  /** Whether warning lines print. */
  warning: boolean;
  /** Whether error lines print. */
  error: boolean;
  /** Current verbose level. */
  verboseLevel: number;
  private readonly write: (line: string) => void;

  constructor(options: LoggerOptions = {}) {
    this.info = options.info ?? true;
    this.warning = options.warning ?? true;
    this.error = options.error ?? true;
    this.verboseLevel = options.verboseLevel ?? 0;
    this.write = options.write ?? ((line) => process.stderr.write(line));
  }

  /** Logs an info line. */
  logInfo(message: string): void {
    if (this.info) this.write(format('I', message));
  }

  /** Logs a warning line. */
  logWarning(message: string): void {
    if (this.warning) this.write(format('W', message));
  }

  /** Logs an error line. */
  logError(message: string): void {
    if (this.error) this.write(format('E', message));
  }

  /** Logs a verbose line when `level` <= the verbose level. */
  verbose(level: number, message: string): void {
    if (level <= this.verboseLevel) this.write(format('I', message));
  }
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function format(severity: string, message: string): string {
  const d = new Date();
  const stamp = `${pad(d.getMonth() + 1, 2)}${pad(d.getDate(), 2)} ${pad(d.getHours(), 2)}:${pad(d.getMinutes(), 2)}:${pad(d.getSeconds(), 2)}.${pad(d.getMilliseconds(), 3)}`;
  return `${severity}${stamp} nereid] ${message}\n`;
}

/** A logger that prints nothing; for tests and embedding. */
export const silentLogger = new Logger({ info: false, warning: false, error: false });
