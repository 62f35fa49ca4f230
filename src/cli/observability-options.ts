/**
 * The logging and tracing flags of `nereid serve`, tritonserver's: `--log-verbose`, `--log-info`,
 * `--log-warning`, `--log-error`, `--log-format`, `--log-file` and the repeatable `--trace-config`
 * (docs/trace.md). Reads them into the server's Logger and TraceConfig and checks, before any
 * model loads, that what they name can work: a trace or log file whose directory exists and is
 * writable, and a trace level that the trace mode can record.
 */
import { type LogFormat, Logger } from '../common/index.js';
import { checkTraceConfig, parseTraceConfig, type TraceConfig } from '../core/index.js';
import { asFlagError } from './cli-flags.js';
import { checkedByLibrary, type OptionValues, option } from './option-spec.js';

/** The options this file reads. */
export const OBSERVABILITY_OPTIONS = {
  'log-verbose': option({
    kind: 'int',
    metavar: 'LEVEL',
    help: 'Verbose logging level (0 = off; 1 logs each inference request: protocol, model, id and outcome)',
    default: 0,
  }),
  'log-info': option({ kind: 'bool', help: 'Print info log lines', default: true }),
  'log-warning': option({ kind: 'bool', help: 'Print warning log lines', default: true }),
  'log-error': option({ kind: 'bool', help: 'Print error log lines', default: true }),
  'log-format': option({
    kind: 'string',
    metavar: 'FORMAT',
    help: 'Log line format: default (I1124 22:35:00.123 ...) or ISO8601 (2024-11-24T22:35:00.123Z I ...)',
    default: 'default',
    parse: checkedByLibrary<LogFormat>(),
  }),
  'log-file': option({
    kind: 'string',
    metavar: 'FILE',
    help: 'Append log lines to this file instead of stderr',
    default: '',
  }),
  'trace-config': option({
    kind: 'list',
    metavar: '[MODE,]K=V',
    help: 'Request tracing, as tritonserver: level=OFF|TIMESTAMPS|TENSORS, rate=N, count=N, mode=triton|opentelemetry, triton,file=PATH, triton,log-frequency=N, opentelemetry,url=URL, opentelemetry,resource=K=V, opentelemetry,bsp_max_queue_size|bsp_schedule_delay|bsp_max_export_batch_size=N (see docs/trace.md)',
    default: [],
  }),
};

/** The typed values of the options this file reads. */
export type ObservabilityValues = OptionValues<typeof OBSERVABILITY_OPTIONS>;

/** The server log the `--log-*` flags describe. */
export function loggerFromFlags(flags: ObservabilityValues): Logger {
  return asFlagError(
    () =>
      new Logger({
        info: flags['log-info'],
        warning: flags['log-warning'],
        error: flags['log-error'],
        verboseLevel: flags['log-verbose'],
        format: flags['log-format'],
        file: flags['log-file'],
      }),
  );
}

/** The trace configuration of the `--trace-config` flags. */
export function traceConfigFromFlags(flags: ObservabilityValues): TraceConfig {
  const config = asFlagError(() => parseTraceConfig(flags['trace-config']));
  asFlagError(() => checkTraceConfig(config));
  return config;
}
