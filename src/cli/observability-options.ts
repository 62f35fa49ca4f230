/**
 * The logging and tracing flags of `nereid serve`, tritonserver's: `--log-verbose`, `--log-info`,
 * `--log-warning`, `--log-error`, `--log-format`, `--log-file` and the repeatable `--trace-config`
 * (docs/trace.md). Reads them into the server's Logger and TraceConfig and checks, before any
 * model loads, that what they name can work: a trace or log file whose directory exists and is
 * writable, and a trace level that the trace mode can record.
 */
import { accessSync, constants } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LOG_FORMATS, type LogFormat, Logger, ServerError } from '../common/index.js';
import { parseTraceConfig, type TraceConfig, TraceLevel } from '../core/index.js';
import { FlagError, type FlagSpec, type ParsedFlags } from './cli-flags.js';

/** The flags this file reads. */
export const OBSERVABILITY_FLAGS: FlagSpec[] = [
  {
    name: 'log-verbose',
    kind: 'int',
    metavar: 'LEVEL',
    help: 'Verbose logging level (0 = off; 1 logs each inference request: protocol, model, id and outcome)',
    default: 0,
  },
  { name: 'log-info', kind: 'bool', help: 'Print info log lines', default: true },
  { name: 'log-warning', kind: 'bool', help: 'Print warning log lines', default: true },
  { name: 'log-error', kind: 'bool', help: 'Print error log lines', default: true },
  {
    name: 'log-format',
    kind: 'string',
    metavar: 'FORMAT',
    help: 'Log line format: default (I1124 22:35:00.123 ...) or ISO8601 (2024-11-24T22:35:00.123Z I ...)',
    default: 'default',
  },
  {
    name: 'log-file',
    kind: 'string',
    metavar: 'FILE',
    help: 'Append log lines to this file instead of stderr',
    default: '',
  },
  {
    name: 'trace-config',
    kind: 'list',
    metavar: '[MODE,]K=V',
    help: 'Request tracing, as tritonserver: level=OFF|TIMESTAMPS|TENSORS, rate=N, count=N, mode=triton|opentelemetry, triton,file=PATH, triton,log-frequency=N, opentelemetry,url=URL, opentelemetry,resource=K=V, opentelemetry,bsp_max_queue_size|bsp_schedule_delay|bsp_max_export_batch_size=N (see docs/trace.md)',
    default: [],
  },
];

/** Throws a FlagError unless the directory of `file` exists and is writable. */
function checkWritableDir(flag: string, file: string): void {
  const dir = dirname(resolve(file));
  try {
    accessSync(dir, constants.W_OK);
  } catch (err) {
    throw new FlagError(
      `${flag} '${file}' cannot be written: its directory ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'is not writable'}`,
    );
  }
}

/** The server log the `--log-*` flags describe. */
export function loggerFromFlags(flags: ParsedFlags): Logger {
  const format = flags.values['log-format'] as string;
  if (!(LOG_FORMATS as readonly string[]).includes(format)) {
    throw new FlagError(`--log-format takes ${LOG_FORMATS.join(' or ')}: received '${format}'`);
  }
  const verboseLevel = flags.values['log-verbose'] as number;
  if (verboseLevel < 0) throw new FlagError(`--log-verbose must be >= 0: received ${verboseLevel}`);
  const file = flags.values['log-file'] as string;
  if (file !== '') checkWritableDir('--log-file', file);
  return new Logger({
    info: flags.values['log-info'] as boolean,
    warning: flags.values['log-warning'] as boolean,
    error: flags.values['log-error'] as boolean,
    verboseLevel,
    format: format as LogFormat,
    file,
  });
}

/** The trace configuration of the `--trace-config` flags. */
export function traceConfigFromFlags(flags: ParsedFlags): TraceConfig {
  let config: TraceConfig;
  try {
    config = parseTraceConfig(flags.values['trace-config'] as string[]);
  } catch (err) {
    if (err instanceof ServerError) throw new FlagError(err.message);
    throw err;
  }
  const mode = config.mode ?? 'triton';
  if (mode === 'triton' && config.file !== undefined && config.file !== '') {
    checkWritableDir('--trace-config triton,file', config.file);
  }
  const level = config.level ?? TraceLevel.OFF;
  if (level !== TraceLevel.OFF && mode === 'triton' && (config.file ?? '') === '') {
    throw new FlagError(
      '--trace-config level is on but no trace file is set: add --trace-config triton,file=PATH (or mode=opentelemetry)',
    );
  }
  if (mode === 'opentelemetry' && (level & TraceLevel.TENSORS) !== 0) {
    throw new FlagError('--trace-config level=TENSORS is not available in opentelemetry mode');
  }
  return config;
}
