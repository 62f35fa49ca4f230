/**
 * `nereid tune -m MODEL [options]`: the command line of the configuration search parsed into
 * TuneOptions (load flags named as `nereid perf`'s), the run with the plan, results and
 * recommendation on stdout and the progress line and warnings on stderr, Ctrl-C handling (the
 * first interrupt stops measuring and restores the model, a second exits at once) and the exit
 * code. Searching and measuring live in src/tools/tune/.
 */
import { fileURLToPath } from 'node:url';
import { ServerError, Status } from '../common/index.js';
import { runTune, type TuneOptions } from '../tools/tune/index.js';
import { FlagError, type FlagSpec, formatHelp, parseFlags } from './cli-flags.js';
import { headersFromFlags, numberFlag, perfFlag, shapesFromFlags } from './perf-command.js';

/** Exit code when no configuration met the constraints. */
export const EXIT_NO_WINNER = 3;
/** Exit code after an interrupt (128 + SIGINT). */
export const EXIT_INTERRUPTED = 130;

const TUNE_FLAGS: readonly FlagSpec[] = [
  { name: 'help', kind: 'bool', short: 'h', help: 'Print this help' },
  { name: 'model-name', kind: 'string', short: 'm', metavar: 'MODEL', help: 'Model to tune (required)' },
  {
    name: 'url',
    kind: 'string',
    short: 'u',
    metavar: 'HOST:PORT',
    help: 'A running server in explicit model-control mode (else tune serves --model-repository itself)',
  },
  perfFlag('protocol'),
  {
    name: 'model-repository',
    kind: 'list',
    metavar: 'DIR',
    help: 'Repository tune serves itself (without -u); with -u, where --write-config writes',
  },
  {
    name: 'server-arg',
    kind: 'list',
    metavar: 'ARG',
    help: "Extra 'nereid serve' flag for the server tune starts",
  },
  {
    name: 'metrics-url',
    kind: 'string',
    metavar: 'URL',
    help: "A running server's Prometheus endpoint, for its memory [default: the -u host, port 8002]",
  },
  {
    name: 'cores',
    kind: 'int',
    metavar: 'N',
    help: "Cores of the server's machine (instance range, default threads) [default: this machine's]",
  },
  {
    name: 'search',
    kind: 'string',
    metavar: 'quick|exhaustive',
    help: 'quick: climb one dimension at a time; exhaustive: every configuration',
    default: 'quick',
  },
  {
    name: 'objective',
    kind: 'string',
    metavar: 'throughput|latency',
    help: 'Most throughput within the constraints, or least latency at one load level',
    default: 'throughput',
  },
  {
    name: 'latency-budget-ms',
    kind: 'string',
    metavar: 'MS',
    help: 'Most latency at --percentile a configuration may have',
  },
  {
    name: 'percentile',
    kind: 'string',
    metavar: 'P',
    help: 'Latency percentile of the budget and tables',
    default: '99',
  },
  {
    name: 'min-throughput',
    kind: 'string',
    metavar: 'N',
    help: 'Least inferences/s a configuration must reach',
  },
  {
    name: 'memory-budget-mb',
    kind: 'string',
    metavar: 'MB',
    help: 'Most server resident memory (MB of 10^6 bytes)',
  },
  {
    name: 'instances',
    kind: 'string',
    metavar: 'LIST',
    help: 'Instance counts to try [default: 1 to cores]',
  },
  {
    name: 'dynamic-batching',
    kind: 'string',
    metavar: 'off,on',
    help: 'Dynamic batching settings to try [default: off,on for models that batch]',
  },
  {
    name: 'max-batch-sizes',
    kind: 'string',
    metavar: 'LIST',
    help: "max_batch_size values with dynamic batching [default: the model's, 2x, 4x (up to 128)]",
  },
  {
    name: 'max-queue-delays-us',
    kind: 'string',
    metavar: 'LIST',
    help: 'max_queue_delay_microseconds values [default: 0,1000]',
  },
  {
    name: 'preferred-batch-sizes',
    kind: 'list',
    metavar: 'default|N,N',
    help: "A preferred_batch_size setting to try: N,N or 'default' ([max_batch_size], the only one tried by default)",
  },
  {
    name: 'intra-op-threads',
    kind: 'string',
    metavar: 'LIST',
    help: "ONNX intra_op_thread_count values, 'default' = cores / instances [default: default,1]",
  },
  {
    name: 'concurrency',
    kind: 'string',
    metavar: 'LIST',
    help: 'Concurrency levels climbed: 1,2,4 or START:END (doubling) [default: 1,2,4,... (see docs/tune.md)]',
  },
  {
    name: 'request-rate',
    kind: 'string',
    metavar: 'LIST',
    help: 'Request rates (requests/s) climbed instead of concurrency: 100,200 or START:END (doubling)',
  },
  {
    name: 'min-gain-pct',
    kind: 'string',
    metavar: 'PCT',
    help: 'Least gain that counts as better (search steps, load climb, winner)',
    default: '5',
  },
  { name: 'max-configs', kind: 'int', metavar: 'N', help: 'Most configurations measured', default: 64 },
  perfFlag('batch-size'),
  // Shorter windows and fewer of them than perf's defaults: tune measures many configurations.
  { ...perfFlag('measurement-interval'), default: 1000 },
  { ...perfFlag('max-trials'), help: 'Most measurement windows per load level (>= 3)', default: 5 },
  perfFlag('stability-percentage'),
  perfFlag('input-data'),
  perfFlag('shape'),
  perfFlag('string-length'),
  perfFlag('max-threads'),
  perfFlag('header'),
  { name: 'filename', kind: 'string', short: 'f', metavar: 'FILE', help: 'Write the table as CSV' },
  { name: 'json', kind: 'string', metavar: 'FILE', help: 'Write the whole run as JSON' },
  perfFlag('report'),
  {
    name: 'output-config',
    kind: 'string',
    metavar: 'FILE',
    help: 'Write the recommended config.pbtxt to FILE',
  },
  {
    name: 'write-config',
    kind: 'bool',
    help: "Write the recommended config into the repository's config.pbtxt (the old one kept as config.pbtxt.bak)",
  },
];

const USAGE = 'nereid tune -m MODEL (-u HOST:PORT | --model-repository DIR) [options]';
const DESCRIPTION =
  'Chooses the instance count and batching settings of a model by measurement: loads each candidate ' +
  'config, measures it with the perf engine, and recommends the one with the most throughput within ' +
  'the constraints (or the least latency at one load), with why. The original config is restored.';

/** The help text of `nereid tune`. */
export const TUNE_HELP = formatHelp(USAGE, DESCRIPTION, TUNE_FLAGS);

function integers(name: string, text: string | undefined): number[] | undefined {
  if (text === undefined) return undefined;
  return text.split(',').map((item) => {
    const n = numberFlag(name, item.trim());
    if (!Number.isSafeInteger(n)) throw new FlagError(`Flag --${name} takes integers: received '${item}'`);
    return n;
  });
}

/** A level list: `a,b,c`, `START:END` (doubling) or `START:END:STEP` (linear). */
function levels(name: string, text: string | undefined): number[] | undefined {
  if (text === undefined) return undefined;
  if (!text.includes(':')) return text.split(',').map((item) => numberFlag(name, item.trim()));
  const [start, end, step] = text.split(':').map((item) => numberFlag(name, item.trim()));
  if (text.split(':').length > 3 || start! <= 0 || end! < start! || (step !== undefined && step <= 0))
    throw new FlagError(
      `Flag --${name} takes START:END or START:END:STEP with 0 < START <= END: received '${text}'`,
    );
  const out: number[] = [];
  for (let v = start!; v <= end! + 1e-9 && out.length < 1000; v = step === undefined ? v * 2 : v + step)
    out.push(v);
  return out;
}

function instancesFlag(text: string | undefined): number[] | undefined {
  if (text === undefined || !/^\s*\d+\s*:\s*\d+\s*$/.test(text)) return integers('instances', text);
  const [from, to] = text.split(':').map(Number);
  if (to! < from!) throw new FlagError(`Flag --instances takes FROM:TO with FROM <= TO: received '${text}'`);
  return Array.from({ length: Math.min(to! - from! + 1, 1024) }, (_, i) => from! + i);
}

function onOff(text: string | undefined): boolean[] | undefined {
  if (text === undefined) return undefined;
  return text.split(',').map((item) => {
    const t = item.trim().toLowerCase();
    if (t === 'on' || t === 'true') return true;
    if (t === 'off' || t === 'false') return false;
    throw new FlagError(`Flag --dynamic-batching takes on, off or on,off: received '${item}'`);
  });
}

function threadsFlag(text: string | undefined): number[] | undefined {
  if (text === undefined) return undefined;
  return text
    .split(',')
    .map((item) => (item.trim() === 'default' ? 0 : integers('intra-op-threads', item)![0]!));
}

function preferred(list: readonly string[] | undefined): number[][] | undefined {
  if (list === undefined || list.length === 0) return undefined;
  return list.map((item) => (item.trim() === 'default' ? [] : integers('preferred-batch-sizes', item)!));
}

function optionalNumber(name: string, text: unknown): number | undefined {
  return typeof text === 'string' ? numberFlag(name, text) : undefined;
}

/** The TuneOptions a command line stands for, or null for --help (exported for tests). */
export function tuneOptionsFromArgs(argv: readonly string[]): TuneOptions | null {
  const { values: v, positional } = parseFlags(argv, TUNE_FLAGS);
  if (v.help === true) return null;
  if (positional.length > 0)
    throw new FlagError(`Unexpected argument '${positional[0]}'; see 'nereid tune --help'`);
  if (typeof v['model-name'] !== 'string')
    throw new FlagError("Flag -m (the model name) is required; see 'nereid tune --help'");
  const str = (name: string) => v[name] as string | undefined;
  return {
    model: v['model-name'],
    url: str('url'),
    protocol: v.protocol as 'http' | 'grpc',
    modelRepositories: (v['model-repository'] as string[] | undefined) ?? [],
    serverArgs: (v['server-arg'] as string[] | undefined) ?? [],
    serverEntry: fileURLToPath(new URL('./main.js', import.meta.url)),
    metricsUrl: str('metrics-url'),
    cores: v.cores as number | undefined,
    search: v.search as 'quick' | 'exhaustive',
    objective: v.objective as 'throughput' | 'latency',
    latencyBudgetMs: optionalNumber('latency-budget-ms', v['latency-budget-ms']),
    percentile: optionalNumber('percentile', v.percentile),
    minThroughput: optionalNumber('min-throughput', v['min-throughput']),
    memoryBudgetMb: optionalNumber('memory-budget-mb', v['memory-budget-mb']),
    instances: instancesFlag(str('instances')),
    dynamicBatching: onOff(str('dynamic-batching')),
    maxBatchSizes: integers('max-batch-sizes', str('max-batch-sizes')),
    maxQueueDelaysUs: integers('max-queue-delays-us', str('max-queue-delays-us')),
    preferredBatchSizes: preferred(v['preferred-batch-sizes'] as string[] | undefined),
    intraOpThreads: threadsFlag(str('intra-op-threads')),
    concurrency: levels('concurrency', str('concurrency')),
    requestRates: levels('request-rate', str('request-rate')),
    minGainPct: optionalNumber('min-gain-pct', v['min-gain-pct']),
    maxConfigs: v['max-configs'] as number,
    batchSize: v['batch-size'] as number,
    measurementIntervalMs: v['measurement-interval'] as number,
    maxTrials: v['max-trials'] as number,
    stabilityPercentage: optionalNumber('stability-percentage', v['stability-percentage']),
    inputData: str('input-data'),
    shapes: shapesFromFlags((v.shape as string[] | undefined) ?? []),
    headers: headersFromFlags((v.header as string[] | undefined) ?? []),
    stringLength: v['string-length'] as number,
    maxThreads: v['max-threads'] as number | undefined,
    csvFile: str('filename'),
    jsonFile: str('json'),
    reportFile: str('report'),
    outputConfigFile: str('output-config'),
    writeConfig: v['write-config'] === true,
  };
}

/** Runs `nereid tune`; returns the exit code (1 failed, 3 nothing met the constraints, 130 interrupted). */
export async function tuneCommand(argv: readonly string[]): Promise<number> {
  const options = tuneOptionsFromArgs(argv);
  if (options === null) {
    process.stdout.write(TUNE_HELP);
    return 0;
  }
  const tty = process.stderr.isTTY === true;
  let progressShown = false;
  const clearProgress = () => {
    if (progressShown) process.stderr.write('\r\x1b[K');
    progressShown = false;
  };
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = () => {
    clearProgress();
    if (++interrupts > 1) {
      process.stderr.write(
        `nereid tune: interrupted again: exiting without restoring model '${options.model}'\n`,
      );
      process.exit(EXIT_INTERRUPTED);
    }
    process.stderr.write(
      `nereid tune: interrupted: stopping and restoring model '${options.model}' (interrupt again to exit at once)\n`,
    );
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const report = await runTune(
      options,
      {
        out: (text) => process.stdout.write(text),
        progress: (text) => {
          if (!tty) return;
          if (text === '') clearProgress();
          else process.stderr.write(`\r\x1b[K${text}`);
          progressShown = text !== '';
        },
        warn: (text) => {
          clearProgress();
          process.stderr.write(`WARNING: ${text}\n`);
        },
      },
      controller.signal,
    );
    return report.winner === null ? EXIT_NO_WINNER : 0;
  } catch (err) {
    clearProgress();
    if (!(err instanceof ServerError)) throw err;
    process.stderr.write(`nereid tune: ${err.message} (${err.code})\n`);
    return err.status === Status.CANCELLED ? EXIT_INTERRUPTED : 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
