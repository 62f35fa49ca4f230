/**
 * `nereid perf -m MODEL [options]`: perf_analyzer's command line (same flag names, short flags
 * and defaults) parsed into PerfOptions; runs the analyzer with the report on stdout, the live
 * progress line and warnings on stderr, and returns the exit code. Measuring lives in
 * src/tools/perf/.
 */
import { ServerError } from '../common/index.js';
import {
  LLM_ENDPOINT_LIST,
  type LlmEndpoint,
  type LlmPerfOptions,
  type PerfOptions,
  runLlmPerf,
  runPerf,
} from '../tools/perf/index.js';
import { FlagError, type FlagSpec, formatHelp, parseFlags } from './cli-flags.js';

const PERF_FLAGS: readonly FlagSpec[] = [
  { name: 'help', kind: 'bool', short: 'h', help: 'Print this help' },
  { name: 'model-name', kind: 'string', short: 'm', metavar: 'MODEL', help: 'Model to measure (required)' },
  {
    name: 'model-version',
    kind: 'string',
    short: 'x',
    metavar: 'V',
    help: 'Model version (default: the server chooses)',
  },
  { name: 'protocol', kind: 'string', short: 'i', metavar: 'http|grpc', help: 'Transport', default: 'http' },
  {
    name: 'url',
    kind: 'string',
    short: 'u',
    metavar: 'HOST:PORT',
    help: 'Server address [default: localhost:8000, gRPC localhost:8001]',
  },
  {
    name: 'batch-size',
    kind: 'int',
    short: 'b',
    metavar: 'N',
    help: 'Batch size of every request',
    default: 1,
  },
  {
    name: 'concurrency-range',
    kind: 'string',
    metavar: 'START:END:STEP',
    help: 'Concurrency levels (closed loop)',
    default: '1:1:1',
  },
  {
    name: 'request-rate-range',
    kind: 'string',
    metavar: 'START:END:STEP',
    help: 'Request rates in requests/s (open loop)',
  },
  {
    name: 'request-distribution',
    kind: 'string',
    metavar: 'constant|poisson',
    help: 'Inter-arrival times in request-rate mode',
    default: 'constant',
  },
  {
    name: 'measurement-interval',
    kind: 'int',
    short: 'p',
    metavar: 'MS',
    help: 'Measurement window length in milliseconds',
    default: 5000,
  },
  {
    name: 'stability-percentage',
    kind: 'string',
    short: 's',
    metavar: 'PCT',
    help: 'Allowed spread of the last 3 windows in percent',
    default: '10',
  },
  {
    name: 'max-trials',
    kind: 'int',
    short: 'r',
    metavar: 'N',
    help: 'Most measurement windows per load level',
    default: 10,
  },
  {
    name: 'percentile',
    kind: 'int',
    metavar: 'P',
    help: 'Stabilise on and summarise with the P-th percentile latency (default: the average)',
  },
  {
    name: 'latency-threshold',
    kind: 'int',
    short: 'l',
    metavar: 'MS',
    help: 'Stop raising the load once latency exceeds this (0 = no limit)',
    default: 0,
  },
  {
    name: 'input-data',
    kind: 'string',
    metavar: 'zero|random|FILE',
    help: 'Input values: zeros, random, or a perf_analyzer JSON file',
    default: 'random',
  },
  {
    name: 'shape',
    kind: 'list',
    metavar: 'NAME:D1,D2',
    help: 'Shape (without batch dim) of an input with variable dims',
  },
  { name: 'string-length', kind: 'int', metavar: 'N', help: 'Length of random BYTES elements', default: 128 },
  { name: 'string-data', kind: 'string', metavar: 'TEXT', help: 'Use this string for every BYTES element' },
  {
    name: 'streaming',
    kind: 'bool',
    help: 'Send on a gRPC ModelStreamInfer stream (needed for decoupled models)',
  },
  {
    name: 'sequence-length',
    kind: 'int',
    metavar: 'N',
    help: 'Requests per sequence (sequence models)',
    default: 20,
  },
  {
    name: 'sequence-length-variation',
    kind: 'string',
    metavar: 'PCT',
    help: 'Random variation of the sequence length in percent',
    default: '20',
  },
  {
    name: 'num-of-sequences',
    kind: 'int',
    metavar: 'N',
    help: 'Concurrent sequences in request-rate mode',
    default: 4,
  },
  {
    name: 'sequence-id-range',
    kind: 'string',
    metavar: 'START:END',
    help: 'Sequence ids to use',
    default: '1:4294967296',
  },
  {
    name: 'async',
    kind: 'bool',
    short: 'a',
    help: 'Accepted for perf_analyzer compatibility: calls are always asynchronous',
  },
  {
    name: 'sync',
    kind: 'bool',
    help: 'Accepted for perf_analyzer compatibility: calls are always asynchronous',
  },
  {
    name: 'max-threads',
    kind: 'int',
    metavar: 'N',
    help: 'Most load worker threads [default: the number of cores]',
  },
  {
    name: 'header',
    kind: 'list',
    short: 'H',
    metavar: 'NAME:VALUE',
    help: 'Extra header / gRPC metadata on every request',
  },
  {
    name: 'filename',
    kind: 'string',
    short: 'f',
    metavar: 'FILE',
    help: "Write a CSV with perf_analyzer's columns",
  },
  {
    name: 'verbose-csv',
    kind: 'bool',
    help: 'Add Avg latency, request/response and response wait columns to the CSV',
  },
  {
    name: 'json',
    kind: 'string',
    metavar: 'FILE',
    aliases: ['profile-export-file'],
    help: 'Write the whole run as JSON',
  },
  { name: 'report', kind: 'string', metavar: 'FILE', help: 'Write a self-contained HTML report with charts' },
  {
    name: 'llm',
    kind: 'string',
    metavar: 'openai|generate|grpc',
    help: "LLM mode (genai-perf's figures: TTFT, inter-token latency, output tokens/s) over /v1/completions, generate_stream or gRPC streams",
  },
  {
    name: 'prompt',
    kind: 'string',
    metavar: 'TEXT',
    help: 'LLM mode: the prompt of every request',
    default: 'Once upon a time',
  },
  {
    name: 'output-tokens',
    kind: 'int',
    metavar: 'N',
    help: 'LLM mode: output tokens per request (max_tokens, greedy)',
    default: 128,
  },
  { name: 'ignore-eos', kind: 'bool', help: 'LLM mode: generate past the end-of-generation token' },
];

/** A flag of `nereid perf` by name, for commands that take the same load flags (`nereid tune`). */
export function perfFlag(name: string): FlagSpec {
  const spec = PERF_FLAGS.find((f) => f.name === name);
  if (spec === undefined) throw new Error(`No perf flag named '${name}'`);
  return spec;
}

const USAGE = 'nereid perf -m MODEL [options]';
const DESCRIPTION =
  "Measures a model's throughput and latency on a running server the way perf_analyzer does, " +
  'with the server-side breakdown from the statistics API, from load worker threads.';

/** `text` as a finite number, or a FlagError naming flag `name`. */
export function numberFlag(name: string, text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n))
    throw new FlagError(`Flag --${name} takes a number: received '${text}'`);
  return n;
}

/** `--shape NAME:D1,D2` values as shapes by input name. */
export function shapesFromFlags(list: readonly string[]): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const item of list) {
    const at = item.lastIndexOf(':');
    const dims = item
      .slice(at + 1)
      .split(',')
      .map(Number);
    if (at <= 0 || dims.some((d) => !Number.isSafeInteger(d) || d < 0)) {
      throw new FlagError(`Flag --shape takes NAME:D1,D2,... with integers >= 0: received '${item}'`);
    }
    out[item.slice(0, at)] = dims;
  }
  return out;
}

/** `-H NAME:VALUE` values as headers. */
export function headersFromFlags(list: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list) {
    const at = item.indexOf(':');
    if (at <= 0) throw new FlagError(`Flag -H takes NAME:VALUE: received '${item}'`);
    out[item.slice(0, at).trim()] = item.slice(at + 1).trim();
  }
  return out;
}

/** The PerfOptions a command line stands for (exported for tests). */
export function perfOptionsFromArgs(argv: readonly string[]): PerfOptions | null {
  const { values: v, positional } = parseFlags(argv, PERF_FLAGS);
  if (v.help === true) return null;
  if (positional.length > 0)
    throw new FlagError(`Unexpected argument '${positional[0]}'; see 'nereid perf --help'`);
  if (typeof v['model-name'] !== 'string')
    throw new FlagError("Flag -m (the model name) is required; see 'nereid perf --help'");
  const given = (name: string) => argv.some((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  const options: PerfOptions = {
    model: v['model-name'],
    modelVersion: (v['model-version'] as string | undefined) ?? '',
    protocol: v.protocol as 'http' | 'grpc',
    url: v.url as string | undefined,
    batchSize: v['batch-size'] as number,
    requestDistribution: v['request-distribution'] as 'constant' | 'poisson',
    measurementIntervalMs: v['measurement-interval'] as number,
    stabilityPercentage: numberFlag('stability-percentage', v['stability-percentage'] as string),
    maxTrials: v['max-trials'] as number,
    percentile: v.percentile as number | undefined,
    latencyThresholdMs: v['latency-threshold'] as number,
    inputData: v['input-data'] as string,
    shapes: shapesFromFlags((v.shape as string[] | undefined) ?? []),
    stringLength: v['string-length'] as number,
    stringData: v['string-data'] as string | undefined,
    streaming: v.streaming === true,
    sequenceLength: v['sequence-length'] as number,
    sequenceLengthVariation: numberFlag(
      'sequence-length-variation',
      v['sequence-length-variation'] as string,
    ),
    numOfSequences: v['num-of-sequences'] as number,
    sequenceIdRange: v['sequence-id-range'] as string,
    sequences: given('sequence-length') || given('num-of-sequences'),
    maxThreads: v['max-threads'] as number | undefined,
    headers: headersFromFlags((v.header as string[] | undefined) ?? []),
    csvFile: v.filename as string | undefined,
    verboseCsv: v['verbose-csv'] === true,
    jsonFile: v.json as string | undefined,
    reportFile: v.report as string | undefined,
  };
  if (typeof v['request-rate-range'] === 'string') options.requestRateRange = v['request-rate-range'];
  if (!given('request-rate-range') || given('concurrency-range'))
    options.concurrencyRange = v['concurrency-range'] as string;
  return options;
}

/** The LlmPerfOptions of a command line with `--llm`, or null without it (exported for tests). */
export function llmPerfOptionsFromArgs(argv: readonly string[]): LlmPerfOptions | null {
  const { values: v } = parseFlags(argv, PERF_FLAGS);
  if (typeof v.llm !== 'string' || v.help === true) return null;
  if (!LLM_ENDPOINT_LIST.split(', ').includes(v.llm))
    throw new FlagError(`Flag --llm takes one of ${LLM_ENDPOINT_LIST}: received '${v.llm}'`);
  if (typeof v['model-name'] !== 'string')
    throw new FlagError("Flag -m (the model name) is required; see 'nereid perf --help'");
  return {
    model: v['model-name'],
    endpoint: v.llm as LlmEndpoint,
    url: v.url as string | undefined,
    concurrencyRange: v['concurrency-range'] as string,
    measurementIntervalMs: v['measurement-interval'] as number,
    prompt: v.prompt as string,
    outputTokens: v['output-tokens'] as number,
    ignoreEos: v['ignore-eos'] === true,
    headers: headersFromFlags((v.header as string[] | undefined) ?? []),
    csvFile: v.filename as string | undefined,
    jsonFile: v.json as string | undefined,
    reportFile: v.report as string | undefined,
  };
}

/** Runs `nereid perf`; returns the exit code (1 when the run failed). */
export async function perfCommand(argv: string[]): Promise<number> {
  const llm = llmPerfOptionsFromArgs(argv);
  if (llm !== null) return llmPerfCommand(llm);
  const options = perfOptionsFromArgs(argv);
  if (options === null) {
    process.stdout.write(formatHelp(USAGE, DESCRIPTION, PERF_FLAGS));
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
