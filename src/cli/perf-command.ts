/**
 * `nereid perf -m MODEL [options]`: perf_analyzer's command line (same flag names, short flags
 * and defaults) parsed into PerfOptions; runs the analyzer with the report on stdout, the live
 * progress line and warnings on stderr, and returns the exit code. Measuring lives in
 * src/tools/perf/.
 */
import { ServerError } from '../common/index.js';
import {
  LLM_ENDPOINT_LIST,
  LLM_ENDPOINTS,
  type LlmEndpoint,
  type LlmPerfOptions,
  type PerfOptions,
  runLlmPerf,
  runPerf,
} from '../tools/perf/index.js';
import { FlagError, formatHelp } from './cli-flags.js';
import { headersFromFlags, numberFlag, shapesFromFlags } from './flag-values.js';
import { checkedByLibrary, flagSpecs, option, parseOptions } from './option-spec.js';

/** The options of `nereid perf`, in `--help` order (perf_analyzer's names, short flags and defaults). */
export const PERF_OPTIONS = {
  help: option({ kind: 'bool', short: 'h', help: 'Print this help' }),
  'model-name': option({ kind: 'string', short: 'm', metavar: 'MODEL', help: 'Model to measure (required)' }),
  'model-version': option({
    kind: 'string',
    short: 'x',
    metavar: 'V',
    help: 'Model version (default: the server chooses)',
  }),
  protocol: option({
    kind: 'string',
    short: 'i',
    metavar: 'http|grpc',
    help: 'Transport',
    default: 'http',
    parse: checkedByLibrary<'http' | 'grpc'>(),
  }),
  url: option({
    kind: 'string',
    short: 'u',
    metavar: 'HOST:PORT',
    help: 'Server address [default: localhost:8000, gRPC localhost:8001]',
  }),
  'batch-size': option({
    kind: 'int',
    short: 'b',
    metavar: 'N',
    help: 'Batch size of every request',
    default: 1,
  }),
  'concurrency-range': option({
    kind: 'string',
    metavar: 'START:END:STEP',
    help: 'Concurrency levels (closed loop)',
    default: '1:1:1',
  }),
  'request-rate-range': option({
    kind: 'string',
    metavar: 'START:END:STEP',
    help: 'Request rates in requests/s (open loop)',
  }),
  'request-distribution': option({
    kind: 'string',
    metavar: 'constant|poisson',
    help: 'Inter-arrival times in request-rate mode',
    default: 'constant',
    parse: checkedByLibrary<'constant' | 'poisson'>(),
  }),
  'measurement-interval': option({
    kind: 'int',
    short: 'p',
    metavar: 'MS',
    help: 'Measurement window length in milliseconds',
    default: 5000,
  }),
  'stability-percentage': option({
    kind: 'string',
    short: 's',
    metavar: 'PCT',
    help: 'Allowed spread of the last 3 windows in percent',
    default: '10',
    parse: (text: string) => numberFlag('stability-percentage', text),
  }),
  'max-trials': option({
    kind: 'int',
    short: 'r',
    metavar: 'N',
    help: 'Most measurement windows per load level',
    default: 10,
  }),
  percentile: option({
    kind: 'int',
    metavar: 'P',
    help: 'Stabilise on and summarise with the P-th percentile latency (default: the average)',
  }),
  'latency-threshold': option({
    kind: 'int',
    short: 'l',
    metavar: 'MS',
    help: 'Stop raising the load once latency exceeds this (0 = no limit)',
    default: 0,
  }),
  'input-data': option({
    kind: 'string',
    metavar: 'zero|random|FILE',
    help: 'Input values: zeros, random, or a perf_analyzer JSON file',
    default: 'random',
  }),
  shape: option({
    kind: 'list',
    metavar: 'NAME:D1,D2',
    help: 'Shape (without batch dim) of an input with variable dims',
    parse: shapesFromFlags,
  }),
  'string-length': option({
    kind: 'int',
    metavar: 'N',
    help: 'Length of random BYTES elements',
    default: 128,
  }),
  'string-data': option({ kind: 'string', metavar: 'TEXT', help: 'Use this string for every BYTES element' }),
  streaming: option({
    kind: 'bool',
    help: 'Send on a gRPC ModelStreamInfer stream (needed for decoupled models)',
  }),
  'sequence-length': option({
    kind: 'int',
    metavar: 'N',
    help: 'Requests per sequence (sequence models)',
    default: 20,
  }),
  'sequence-length-variation': option({
    kind: 'string',
    metavar: 'PCT',
    help: 'Random variation of the sequence length in percent',
    default: '20',
    parse: (text: string) => numberFlag('sequence-length-variation', text),
  }),
  'num-of-sequences': option({
    kind: 'int',
    metavar: 'N',
    help: 'Concurrent sequences in request-rate mode',
    default: 4,
  }),
  'sequence-id-range': option({
    kind: 'string',
    metavar: 'START:END',
    help: 'Sequence ids to use',
    default: '1:4294967296',
  }),
  async: option({
    kind: 'bool',
    short: 'a',
    help: 'Accepted for perf_analyzer compatibility: calls are always asynchronous',
  }),
  sync: option({
    kind: 'bool',
    help: 'Accepted for perf_analyzer compatibility: calls are always asynchronous',
  }),
  'max-threads': option({
    kind: 'int',
    metavar: 'N',
    help: 'Most load worker threads [default: the number of cores]',
  }),
  header: option({
    kind: 'list',
    short: 'H',
    metavar: 'NAME:VALUE',
    help: 'Extra header / gRPC metadata on every request',
    parse: headersFromFlags,
  }),
  filename: option({
    kind: 'string',
    short: 'f',
    metavar: 'FILE',
    help: "Write a CSV with perf_analyzer's columns",
  }),
  'verbose-csv': option({
    kind: 'bool',
    help: 'Add Avg latency, request/response and response wait columns to the CSV',
  }),
  json: option({
    kind: 'string',
    metavar: 'FILE',
    aliases: ['profile-export-file'],
    help: 'Write the whole run as JSON',
  }),
  report: option({ kind: 'string', metavar: 'FILE', help: 'Write a self-contained HTML report with charts' }),
  llm: option({
    kind: 'string',
    metavar: 'openai|generate|grpc',
    help: "LLM mode (genai-perf's figures: TTFT, inter-token latency, output tokens/s) over /v1/completions, generate_stream or gRPC streams",
    parse: llmEndpoint,
  }),
  prompt: option({
    kind: 'string',
    metavar: 'TEXT',
    help: 'LLM mode: the prompt of every request',
    default: 'Once upon a time',
  }),
  'output-tokens': option({
    kind: 'int',
    metavar: 'N',
    help: 'LLM mode: output tokens per request (max_tokens, greedy)',
    default: 128,
  }),
  'ignore-eos': option({ kind: 'bool', help: 'LLM mode: generate past the end-of-generation token' }),
};

/** An option of `nereid perf` by name, for commands that take the same load flags (`nereid tune`). */
export function perfOption<N extends keyof typeof PERF_OPTIONS>(name: N): (typeof PERF_OPTIONS)[N] {
  return PERF_OPTIONS[name];
}

const USAGE = 'nereid perf -m MODEL [options]';
const DESCRIPTION =
  "Measures a model's throughput and latency on a running server the way perf_analyzer does, " +
  'with the server-side breakdown from the statistics API, from load worker threads.';

/** `--llm` text as an LLM endpoint, or a FlagError naming the endpoints. */
function llmEndpoint(text: string): LlmEndpoint {
  const endpoint = LLM_ENDPOINTS.find((e) => e === text);
  if (endpoint === undefined)
    throw new FlagError(`Flag --llm takes one of ${LLM_ENDPOINT_LIST}: received '${text}'`);
  return endpoint;
}

/** The PerfOptions a command line stands for (exported for tests). */
export function perfOptionsFromArgs(argv: readonly string[]): PerfOptions | null {
  const { values: v, positional } = parseOptions(argv, PERF_OPTIONS);
  if (v.help === true) return null;
  if (positional.length > 0)
    throw new FlagError(`Unexpected argument '${positional[0]}'; see 'nereid perf --help'`);
  const model = v['model-name'];
  if (model === undefined)
    throw new FlagError("Flag -m (the model name) is required; see 'nereid perf --help'");
  const given = (name: string) => argv.some((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  const options: PerfOptions = {
    model,
    modelVersion: v['model-version'] ?? '',
    protocol: v.protocol,
    url: v.url,
    batchSize: v['batch-size'],
    requestDistribution: v['request-distribution'],
    measurementIntervalMs: v['measurement-interval'],
    stabilityPercentage: v['stability-percentage'],
    maxTrials: v['max-trials'],
    percentile: v.percentile,
    latencyThresholdMs: v['latency-threshold'],
    inputData: v['input-data'],
    shapes: v.shape ?? {},
    stringLength: v['string-length'],
    stringData: v['string-data'],
    streaming: v.streaming === true,
    sequenceLength: v['sequence-length'],
    sequenceLengthVariation: v['sequence-length-variation'],
    numOfSequences: v['num-of-sequences'],
    sequenceIdRange: v['sequence-id-range'],
    sequences: given('sequence-length') || given('num-of-sequences'),
    maxThreads: v['max-threads'],
    headers: v.header ?? {},
    csvFile: v.filename,
    verboseCsv: v['verbose-csv'] === true,
    jsonFile: v.json,
    reportFile: v.report,
  };
  if (v['request-rate-range'] !== undefined) options.requestRateRange = v['request-rate-range'];
  if (!given('request-rate-range') || given('concurrency-range'))
    options.concurrencyRange = v['concurrency-range'];
  return options;
}

/** The LlmPerfOptions of a command line with `--llm`, or null without it (exported for tests). */
export function llmPerfOptionsFromArgs(argv: readonly string[]): LlmPerfOptions | null {
  const { values: v } = parseOptions(argv, PERF_OPTIONS);
  if (v.llm === undefined || v.help === true) return null;
  const model = v['model-name'];
  if (model === undefined)
    throw new FlagError("Flag -m (the model name) is required; see 'nereid perf --help'");
  return {
    model,
    endpoint: v.llm,
    url: v.url,
    concurrencyRange: v['concurrency-range'],
    measurementIntervalMs: v['measurement-interval'],
    prompt: v.prompt,
    outputTokens: v['output-tokens'],
    ignoreEos: v['ignore-eos'] === true,
    headers: v.header ?? {},
    csvFile: v.filename,
    jsonFile: v.json,
    reportFile: v.report,
  };
}

/** Runs `nereid perf`; returns the exit code (1 when the run failed). */
export async function perfCommand(argv: string[]): Promise<number> {
  const llm = llmPerfOptionsFromArgs(argv);
  if (llm !== null) return llmPerfCommand(llm);
  const options = perfOptionsFromArgs(argv);
  if (options === null) {
    process.stdout.write(formatHelp(USAGE, DESCRIPTION, flagSpecs(PERF_OPTIONS)));
    return 0;
  }
  const tty = process.stderr.isTTY === true;
  let progressShown = false;
  try {
    await runPerf(options, {
      out: (text) => process.stdout.write(text),
      progress: (text) => {
        if (!tty) return;
        process.stderr.write(text === '' ? (progressShown ? '\r\x1b[K' : '') : `\r\x1b[K${text}`);
        progressShown = text !== '';
      },
      warn: (text) => process.stderr.write(`WARNING: ${text}\n`),
    });
    return 0;
  } catch (err) {
    if (progressShown) process.stderr.write('\n');
    if (!(err instanceof ServerError)) throw err;
    process.stderr.write(`nereid perf: ${err.message} (${err.code})\n`);
    return 1;
  }
}

/** Runs `nereid perf --llm`; returns the exit code (1 when the run failed). */
async function llmPerfCommand(options: LlmPerfOptions): Promise<number> {
  const tty = process.stderr.isTTY === true;
  try {
    await runLlmPerf(options, {
      out: (text) => process.stdout.write(text),
      progress: (text) => {
        if (tty) process.stderr.write(text === '' ? '\r\x1b[K' : `\r\x1b[K${text}`);
      },
    });
    return 0;
  } catch (err) {
    if (!(err instanceof ServerError)) throw err;
    process.stderr.write(`nereid perf: ${err.message} (${err.code})\n`);
    return 1;
  }
}
