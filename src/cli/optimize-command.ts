/**
 * `nereid optimize <repository>/<model> --to V [options]`: parses the flags into OptimizeOptions,
 * runs the optimizer, prints the comparison table and per-output accuracy, and writes the JSON
 * report. The transformations and measurements live in src/tools/optimize/.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ServerError } from '../common/index.js';
import {
  type AcceleratorPrecision,
  type CalibrationMethod,
  formatOptimizeDetails,
  formatOptimizeTable,
  type GpuExecutionProvider,
  type GraphLevel,
  type Int8KeepFloat,
  type Int8Mode,
  type OptimizeOptions,
  optimizeModel,
  optimizeReportJson,
} from '../tools/optimize/index.js';
import { FlagError, formatHelp } from './cli-flags.js';
import { numberFlag, shapesFromFlags } from './flag-values.js';
import { checkedByLibrary, flagSpecs, option, parseOptions } from './option-spec.js';

/** The options of `nereid optimize`, in `--help` order. */
export const OPTIMIZE_OPTIONS = {
  help: option({ kind: 'bool', short: 'h', help: 'Print this help' }),
  version: option({
    kind: 'int',
    metavar: 'V',
    help: 'Source version (default: the highest version folder)',
  }),
  to: option({ kind: 'int', metavar: 'V', help: 'New version to write (must not exist)' }),
  'graph-level': option({
    kind: 'string',
    metavar: 'LEVEL',
    help: 'ONNX Runtime offline graph optimisation: basic, extended, layout or all',
    parse: checkedByLibrary<GraphLevel>(),
  }),
  fp16: option({ kind: 'bool', help: 'Convert float32 weights and compute to float16' }),
  'fp16-io': option({
    kind: 'bool',
    help: 'With --fp16: float16 model inputs and outputs too (config.pbtxt updated)',
  }),
  'fp16-block': option({
    kind: 'list',
    metavar: 'OP',
    help: 'With --fp16: an operator type to keep float32, besides the default block list',
  }),
  int8: option({
    kind: 'string',
    metavar: 'MODE',
    help: 'int8 quantisation: dynamic or static',
    parse: checkedByLibrary<Int8Mode>(),
  }),
  'int8-reduce-range': option({
    kind: 'bool',
    help: 'With --int8: 7-bit weights (and static activations), for CPUs without VNNI',
  }),
  'int8-exclude-nodes': option({
    kind: 'list',
    metavar: 'NAME',
    help: 'With --int8: a node name to keep float32 (repeatable)',
  }),
  'int8-keep-float': option({
    kind: 'list',
    metavar: 'first|last',
    help: 'With --int8: keep the first or last quantizable MatMul/Conv float32 (repeatable)',
    parse: (list: string[]) => list.flatMap((k) => k.split(',')).map(checkedByLibrary<Int8KeepFloat>()),
  }),
  'calibration-data': option({
    kind: 'string',
    metavar: 'PATH',
    help: "Static int8 calibration inputs: a JSON file in perf_analyzer's --input-data format or a directory",
  }),
  'calibration-method': option({
    kind: 'string',
    metavar: 'M',
    help: 'Static int8 range method: minmax or percentile',
    default: 'minmax',
    parse: checkedByLibrary<CalibrationMethod>(),
  }),
  percentile: option({
    kind: 'string',
    metavar: 'P',
    help: 'Percentile kept by --calibration-method percentile',
    default: '99.99',
    parse: (text: string) => numberFlag('percentile', text),
  }),
  'execution-provider': option({
    kind: 'string',
    metavar: 'EP',
    help: 'Write the tensorrt or cuda execution_accelerators block into config.pbtxt (for GPU hosts)',
    parse: checkedByLibrary<GpuExecutionProvider>(),
  }),
  precision: option({
    kind: 'string',
    metavar: 'P',
    help: 'Precision of --execution-provider: fp32, fp16 or int8',
    parse: checkedByLibrary<AcceleratorPrecision>(),
  }),
  inputs: option({
    kind: 'string',
    metavar: 'PATH',
    help: 'Accuracy inputs (perf_analyzer JSON or directory); default generated',
  }),
  samples: option({
    kind: 'int',
    metavar: 'N',
    help: 'Generated rows for the accuracy report',
    default: 256,
  }),
  shape: option({
    kind: 'list',
    metavar: 'NAME:D1,D2',
    help: 'Per-row dims of an input whose dims are not fixed',
    parse: shapesFromFlags,
  }),
  'max-abs-error': option({
    kind: 'string',
    metavar: 'E',
    help: 'Flag the variant when its max abs error exceeds E',
    parse: (text: string) => numberFlag('max-abs-error', text),
  }),
  'min-top1': option({
    kind: 'string',
    metavar: 'F',
    help: 'Flag the variant when top-1 agreement is below F (0.99 or 99%)',
    parse: fraction,
  }),
  strict: option({ kind: 'bool', help: 'Refuse to write a flagged variant' }),
  speed: option({ kind: 'bool', help: 'Measure speed side by side (--speed=false to skip)', default: true }),
  'speed-ms': option({
    kind: 'int',
    metavar: 'MS',
    help: 'Timing per model and batch size, in milliseconds',
    default: 1000,
  }),
  'batch-sizes': option({
    kind: 'string',
    metavar: 'LIST',
    help: 'Batch sizes for the speed report',
    default: '1,2,4,8,16,32,64',
    parse: (text: string) => text.split(',').map((item) => numberFlag('batch-sizes', item)),
  }),
  threads: option({
    kind: 'int',
    metavar: 'N',
    help: 'ONNX Runtime intra-op threads per measured session',
    default: 1,
  }),
  report: option({
    kind: 'string',
    metavar: 'FILE',
    help: 'JSON report path (default: <model>/<to>/optimize-report.json)',
  }),
};

const OPTIMIZE_HELP = formatHelp(
  'nereid optimize <repository>/<model> --to <version> [options]',
  'Writes an optimised copy of a model version (fp16, int8, ORT graph optimisation, GPU accelerator config)\nas a new version, with accuracy and speed measured against the source. The source is never modified.',
  flagSpecs(OPTIMIZE_OPTIONS),
);

/** `--min-top1` text as a fraction: `0.99` or `99%`. */
function fraction(text: string): number {
  return text.endsWith('%') ? numberFlag('min-top1', text.slice(0, -1)) / 100 : numberFlag('min-top1', text);
}

/** What a `nereid optimize` command line asks for. */
export interface OptimizeCommandLine {
  /** The optimizer's options. */
  options: OptimizeOptions;
  /** Where the JSON report goes (--report; default <model>/<to>/optimize-report.json). */
  reportPath: string;
}

/** The OptimizeCommandLine of `argv`, or null for --help (exported for tests). */
export function optimizeOptionsFromArgs(argv: readonly string[]): OptimizeCommandLine | null {
  const { values: v, positional } = parseOptions(argv, OPTIMIZE_OPTIONS);
  if (v.help === true) return null;
  if (positional.length !== 1)
    throw new FlagError(`optimize takes one <repository>/<model> argument: received ${positional.length}`);
  const target = positional[0]!.replace(/\/+$/, '');
  const toVersion = v.to;
  if (toVersion === undefined) throw new FlagError('Flag --to <version> is required');
  const repository = dirname(target);
  const model = target.slice(repository.length + 1);
  const options: OptimizeOptions = {
    repository,
    model,
    version: v.version,
    toVersion,
    graphLevel: v['graph-level'],
    fp16: v.fp16 === true,
    fp16Io: v['fp16-io'] === true,
    fp16Block: v['fp16-block'] ?? [],
    int8: v.int8,
    int8ReduceRange: v['int8-reduce-range'] === true,
    int8ExcludeNodes: v['int8-exclude-nodes'] ?? [],
    int8KeepFloat: v['int8-keep-float'] ?? [],
    calibrationData: v['calibration-data'],
    calibrationMethod: v['calibration-method'],
    percentile: v.percentile,
    executionProvider: v['execution-provider'],
    precision: v.precision,
    inputs: v.inputs,
    samples: v.samples,
    shapes: v.shape ?? {},
    maxAbsError: v['max-abs-error'],
    minTop1: v['min-top1'],
    strict: v.strict === true,
    speed: v.speed,
    speedDurationMs: v['speed-ms'],
    batchSizes: v['batch-sizes'],
    threads: v.threads,
    log: (line) => process.stderr.write(`nereid optimize: ${line}\n`),
  };
  const reportPath = v.report ?? join(repository, model, String(toVersion), 'optimize-report.json');
  return { options, reportPath };
}

/** Runs `nereid optimize`; returns the exit code (1 when the optimizer refused or failed). */
export async function optimizeCommand(argv: readonly string[]): Promise<number> {
  const commandLine = optimizeOptionsFromArgs(argv);
  if (commandLine === null) {
    process.stdout.write(OPTIMIZE_HELP);
    return 0;
  }
  const { options, reportPath } = commandLine;
  try {
    const result = await optimizeModel(options);
    process.stdout.write(`${formatOptimizeTable([result])}\n\n${formatOptimizeDetails(result)}\n`);
    writeFileSync(reportPath, optimizeReportJson([result]));
    process.stdout.write(`Report: ${reportPath}\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof ServerError)) throw err;
    process.stderr.write(`nereid optimize: ${err.message} (${err.code})\n`);
    return 1;
  }
}
