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
import { FlagError, formatHelp } from './cli-flags.js';
import { numberFlag } from './flag-values.js';
import { checkedByLibrary, flagSpecs, option, parseOptions } from './option-spec.js';
import { perfOption } from './perf-command.js';

/** Exit code when no configuration met the constraints. */
export const EXIT_NO_WINNER = 3;
/** Exit code after an interrupt (128 + SIGINT). */
export const EXIT_INTERRUPTED = 130;

function integers(name: string, text: string): number[] {
  return text.split(',').map((item) => {
    const n = numberFlag(name, item.trim());
    if (!Number.isSafeInteger(n)) throw new FlagError(`Flag --${name} takes integers: received '${item}'`);
    return n;
  });
}

/** A level list: `a,b,c`, `START:END` (doubling) or `START:END:STEP` (linear). */
function levels(name: string, text: string): number[] {
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

function instancesFlag(text: string): number[] {
  if (!/^\s*\d+\s*:\s*\d+\s*$/.test(text)) return integers('instances', text);
  const [from, to] = text.split(':').map(Number);
  if (to! < from!) throw new FlagError(`Flag --instances takes FROM:TO with FROM <= TO: received '${text}'`);
  return Array.from({ length: Math.min(to! - from! + 1, 1024) }, (_, i) => from! + i);
}

function onOff(text: string): boolean[] {
  return text.split(',').map((item) => {
    const t = item.trim().toLowerCase();
    if (t === 'on' || t === 'true') return true;
    if (t === 'off' || t === 'false') return false;
    throw new FlagError(`Flag --dynamic-batching takes on, off or on,off: received '${item}'`);
  });
}

function threadsFlag(text: string): number[] {
  return text
    .split(',')
    .map((item) => (item.trim() === 'default' ? 0 : integers('intra-op-threads', item)[0]!));
}

function preferred(list: readonly string[]): number[][] {
  return list.map((item) => (item.trim() === 'default' ? [] : integers('preferred-batch-sizes', item)));
}

/** The options of `nereid tune`, in `--help` order (load flags named and read as `nereid perf`'s). */
export const TUNE_OPTIONS = {
  help: option({ kind: 'bool', short: 'h', help: 'Print this help' }),
  'model-name': option({ kind: 'string', short: 'm', metavar: 'MODEL', help: 'Model to tune (required)' }),
  url: option({
    kind: 'string',
    short: 'u',
    metavar: 'HOST:PORT',
    help: 'A running server in explicit model-control mode (else tune serves --model-repository itself)',
  }),
  protocol: perfOption('protocol'),
  'model-repository': option({
    kind: 'list',
    metavar: 'DIR',
    help: 'Repository tune serves itself (without -u); with -u, where --write-config writes',
  }),
  'server-arg': option({
    kind: 'list',
    metavar: 'ARG',
    help: "Extra 'nereid serve' flag for the server tune starts",
  }),
  'metrics-url': option({
    kind: 'string',
    metavar: 'URL',
    help: "A running server's Prometheus endpoint, for its memory [default: the -u host, port 8002]",
  }),
  cores: option({
    kind: 'int',
    metavar: 'N',
    help: "Cores of the server's machine (instance range, default threads) [default: this machine's]",
  }),
  search: option({
    kind: 'string',
    metavar: 'quick|exhaustive',
    help: 'quick: climb one dimension at a time; exhaustive: every configuration',
    default: 'quick',
    parse: checkedByLibrary<'quick' | 'exhaustive'>(),
  }),
  objective: option({
    kind: 'string',
    metavar: 'throughput|latency',
    help: 'Most throughput within the constraints, or least latency at one load level',
    default: 'throughput',
    parse: checkedByLibrary<'throughput' | 'latency'>(),
  }),
  'latency-budget-ms': option({
    kind: 'string',
    metavar: 'MS',
    help: 'Most latency at --percentile a configuration may have',
    parse: (text: string) => numberFlag('latency-budget-ms', text),
  }),
  percentile: option({
    kind: 'string',
    metavar: 'P',
    help: 'Latency percentile of the budget and tables',
    default: '99',
    parse: (text: string) => numberFlag('percentile', text),
  }),
  'min-throughput': option({
    kind: 'string',
    metavar: 'N',
    help: 'Least inferences/s a configuration must reach',
    parse: (text: string) => numberFlag('min-throughput', text),
  }),
  'memory-budget-mb': option({
    kind: 'string',
    metavar: 'MB',
    help: 'Most server resident memory (MB of 10^6 bytes)',
    parse: (text: string) => numberFlag('memory-budget-mb', text),
  }),
  instances: option({
    kind: 'string',
    metavar: 'LIST',
    help: 'Instance counts to try [default: 1 to cores]',
    parse: instancesFlag,
  }),
  'dynamic-batching': option({
    kind: 'string',
    metavar: 'off,on',
    help: 'Dynamic batching settings to try [default: off,on for models that batch]',
    parse: onOff,
  }),
  'max-batch-sizes': option({
    kind: 'string',
    metavar: 'LIST',
    help: "max_batch_size values with dynamic batching [default: the model's, 2x, 4x (up to 128)]",
    parse: (text: string) => integers('max-batch-sizes', text),
  }),
  'max-queue-delays-us': option({
    kind: 'string',
    metavar: 'LIST',
    help: 'max_queue_delay_microseconds values [default: 0,1000]',
    parse: (text: string) => integers('max-queue-delays-us', text),
  }),
  'preferred-batch-sizes': option({
    kind: 'list',
    metavar: 'default|N,N',
    help: "A preferred_batch_size setting to try: N,N or 'default' ([max_batch_size], the only one tried by default)",
    parse: preferred,
  }),
  'intra-op-threads': option({
    kind: 'string',
    metavar: 'LIST',
    help: "ONNX intra_op_thread_count values, 'default' = (cores - 1) / instances [default: default,1]",
    parse: threadsFlag,
  }),
  concurrency: option({
    kind: 'string',
    metavar: 'LIST',
    help: 'Concurrency levels climbed: 1,2,4 or START:END (doubling) [default: 1,2,4,... (see docs/tune.md)]',
    parse: (text: string) => levels('concurrency', text),
  }),
  'request-rate': option({
    kind: 'string',
    metavar: 'LIST',
    help: 'Request rates (requests/s) climbed instead of concurrency: 100,200 or START:END (doubling)',
    parse: (text: string) => levels('request-rate', text),
  }),
  'min-gain-pct': option({
    kind: 'string',
    metavar: 'PCT',
    help: 'Least gain that counts as better (search steps, load climb, winner)',
    default: '5',
    parse: (text: string) => numberFlag('min-gain-pct', text),
  }),
  'max-configs': option({ kind: 'int', metavar: 'N', help: 'Most configurations measured', default: 64 }),
  'batch-size': perfOption('batch-size'),
  // Shorter windows and fewer of them than perf's defaults: tune measures many configurations.
  'measurement-interval': { ...perfOption('measurement-interval'), default: 1000 },
  'max-trials': {
    ...perfOption('max-trials'),
    help: 'Most measurement windows per load level (>= 3)',
    default: 5,
  },
  'stability-percentage': perfOption('stability-percentage'),
  'input-data': perfOption('input-data'),
  shape: perfOption('shape'),
  'string-length': perfOption('string-length'),
  'max-threads': perfOption('max-threads'),
  header: perfOption('header'),
  filename: option({ kind: 'string', short: 'f', metavar: 'FILE', help: 'Write the table as CSV' }),
  json: option({ kind: 'string', metavar: 'FILE', help: 'Write the whole run as JSON' }),
  report: perfOption('report'),
  'output-config': option({
    kind: 'string',
    metavar: 'FILE',
    help: 'Write the recommended config.pbtxt to FILE',
  }),
  'write-config': option({
    kind: 'bool',
    help: "Write the recommended config into the repository's config.pbtxt (the old one kept as config.pbtxt.bak)",
  }),
};

const USAGE = 'nereid tune -m MODEL (-u HOST:PORT | --model-repository DIR) [options]';
const DESCRIPTION =
  'Chooses the instance count and batching settings of a model by measurement: loads each candidate ' +
  'config, measures it with the perf engine, and recommends the one with the most throughput within ' +
  'the constraints (or the least latency at one load), with why. The original config is restored.';

/** The help text of `nereid tune`. */
export const TUNE_HELP = formatHelp(USAGE, DESCRIPTION, flagSpecs(TUNE_OPTIONS));

/** The TuneOptions a command line stands for, or null for --help (exported for tests). */
export function tuneOptionsFromArgs(argv: readonly string[]): TuneOptions | null {
  const { values: v, positional } = parseOptions(argv, TUNE_OPTIONS);
  if (v.help === true) return null;
  if (positional.length > 0)
    throw new FlagError(`Unexpected argument '${positional[0]}'; see 'nereid tune --help'`);
  const model = v['model-name'];
  if (model === undefined)
    throw new FlagError("Flag -m (the model name) is required; see 'nereid tune --help'");
  return {
    model,
    url: v.url,
    protocol: v.protocol,
    modelRepositories: v['model-repository'] ?? [],
    serverArgs: v['server-arg'] ?? [],
    serverEntry: fileURLToPath(new URL('./main.js', import.meta.url)),
    metricsUrl: v['metrics-url'],
    cores: v.cores,
    search: v.search,
    objective: v.objective,
    latencyBudgetMs: v['latency-budget-ms'],
    percentile: v.percentile,
    minThroughput: v['min-throughput'],
    memoryBudgetMb: v['memory-budget-mb'],
    instances: v.instances,
    dynamicBatching: v['dynamic-batching'],
    maxBatchSizes: v['max-batch-sizes'],
    maxQueueDelaysUs: v['max-queue-delays-us'],
    preferredBatchSizes: v['preferred-batch-sizes'],
    intraOpThreads: v['intra-op-threads'],
    concurrency: v.concurrency,
    requestRates: v['request-rate'],
    minGainPct: v['min-gain-pct'],
    maxConfigs: v['max-configs'],
    batchSize: v['batch-size'],
    measurementIntervalMs: v['measurement-interval'],
    maxTrials: v['max-trials'],
    stabilityPercentage: v['stability-percentage'],
    inputData: v['input-data'],
    shapes: v.shape ?? {},
    headers: v.header ?? {},
    stringLength: v['string-length'],
    maxThreads: v['max-threads'],
    csvFile: v.filename,
    jsonFile: v.json,
    reportFile: v.report,
    outputConfigFile: v['output-config'],
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
