/**
 * `nereid optimize <repository>/<model> --to V [options]`: parses the flags into OptimizeOptions,
 * runs the optimizer, prints the comparison table and per-output accuracy, and writes the JSON
 * report. The transformations and measurements live in src/tools/optimize/.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ServerError } from '../common/index.js';
import {
  formatOptimizeDetails,
  formatOptimizeTable,
  type OptimizeOptions,
  optimizeModel,
  optimizeReportJson,
} from '../tools/optimize/index.js';
import { FlagError, type FlagSpec, formatHelp, parseFlags } from './cli-flags.js';

const OPTIMIZE_FLAGS: readonly FlagSpec[] = [
  { name: 'help', kind: 'bool', short: 'h', help: 'Print this help' },
  {
    name: 'version',
    kind: 'int',
    metavar: 'V',
    help: 'Source version (default: the highest version folder)',
  },
  { name: 'to', kind: 'int', metavar: 'V', help: 'New version to write (must not exist)' },
  {
    name: 'graph-level',
    kind: 'string',
    metavar: 'LEVEL',
    help: 'ONNX Runtime offline graph optimisation: basic, extended, layout or all',
  },
  { name: 'fp16', kind: 'bool', help: 'Convert float32 weights and compute to float16' },
  {
    name: 'fp16-io',
    kind: 'bool',
    help: 'With --fp16: float16 model inputs and outputs too (config.pbtxt updated)',
  },
  {
    name: 'fp16-block',
    kind: 'list',
    metavar: 'OP',
    help: 'With --fp16: an operator type to keep float32, besides the default block list',
  },
  { name: 'int8', kind: 'string', metavar: 'MODE', help: 'int8 quantisation: dynamic or static' },
  {
    name: 'int8-reduce-range',
    kind: 'bool',
    help: 'With --int8: 7-bit weights (and static activations), for CPUs without VNNI',
  },
  {
    name: 'int8-exclude-nodes',
    kind: 'list',
    metavar: 'NAME',
    help: 'With --int8: a node name to keep float32 (repeatable)',
  },
  {
    name: 'int8-keep-float',
    kind: 'list',
    metavar: 'first|last',
    help: 'With --int8: keep the first or last quantizable MatMul/Conv float32 (repeatable)',
  },
  {
    name: 'calibration-data',
    kind: 'string',
    metavar: 'PATH',
    help: "Static int8 calibration inputs: a JSON file in perf_analyzer's --input-data format or a directory",
  },
  {
    name: 'calibration-method',
    kind: 'string',
    metavar: 'M',
    help: 'Static int8 range method: minmax or percentile',
    default: 'minmax',
  },
  {
    name: 'percentile',
    kind: 'string',
    metavar: 'P',
    help: 'Percentile kept by --calibration-method percentile',
    default: '99.99',
  },
  {
    name: 'execution-provider',
    kind: 'string',
    metavar: 'EP',
    help: 'Write the tensorrt or cuda execution_accelerators block into config.pbtxt (for GPU hosts)',
  },
  {
    name: 'precision',
    kind: 'string',
    metavar: 'P',
    help: 'Precision of --execution-provider: fp32, fp16 or int8',
  },
  {
    name: 'inputs',
    kind: 'string',
    metavar: 'PATH',
    help: 'Accuracy inputs (perf_analyzer JSON or directory); default generated',
  },
  {
    name: 'samples',
    kind: 'int',
    metavar: 'N',
    help: 'Generated rows for the accuracy report',
    default: 256,
  },
  {
    name: 'shape',
    kind: 'list',
    metavar: 'NAME:D1,D2',
    help: 'Per-row dims of an input whose dims are not fixed',
  },
  {
    name: 'max-abs-error',
    kind: 'string',
    metavar: 'E',
    help: 'Flag the variant when its max abs error exceeds E',
  },
  {
    name: 'min-top1',
    kind: 'string',
    metavar: 'F',
    help: 'Flag the variant when top-1 agreement is below F (0.99 or 99%)',
  },
  { name: 'strict', kind: 'bool', help: 'Refuse to write a flagged variant' },
  { name: 'speed', kind: 'bool', help: 'Measure speed side by side (--speed=false to skip)', default: true },
  {
    name: 'speed-ms',
    kind: 'int',
    metavar: 'MS',
    help: 'Timing per model and batch size, in milliseconds',
    default: 1000,
  },
  {
    name: 'batch-sizes',
    kind: 'string',
    metavar: 'LIST',
    help: 'Batch sizes for the speed report',
    default: '1,2,4,8,16,32,64',
  },
  {
    name: 'threads',
    kind: 'int',
    metavar: 'N',
    help: 'ONNX Runtime intra-op threads per measured session',
    default: 1,
  },
  {
    name: 'report',
    kind: 'string',
    metavar: 'FILE',
    help: 'JSON report path (default: <model>/<to>/optimize-report.json)',
  },
];

const OPTIMIZE_HELP = formatHelp(
  'nereid optimize <repository>/<model> --to <version> [options]',
  'Writes an optimised copy of a model version (fp16, int8, ORT graph optimisation, GPU accelerator config)\nas a new version, with accuracy and speed measured against the source. The source is never modified.',
  OPTIMIZE_FLAGS,
);

/** Runs `nereid optimize`; returns the exit code (1 when the optimizer refused or failed). */
export async function optimizeCommand(argv: readonly string[]): Promise<number> {
  const flags = parseFlags(argv, OPTIMIZE_FLAGS);
  const v = flags.values;
  if (v.help === true) {
    process.stdout.write(OPTIMIZE_HELP);
    return 0;
  }
  if (flags.positional.length !== 1) {
    throw new FlagError(
      `optimize takes one <repository>/<model> argument: received ${flags.positional.length}`,
    );
  }
  const target = flags.positional[0]!.replace(/\/+$/, '');
  if (v.to === undefined) throw new FlagError('Flag --to <version> is required');
  const options: OptimizeOptions = {
    repository: dirname(target),
    model: target.slice(dirname(target).length + 1),
    version: v.version as number | undefined,
    toVersion: v.to as number,
    graphLevel: v['graph-level'] as OptimizeOptions['graphLevel'],
    fp16: v.fp16 === true,
    fp16Io: v['fp16-io'] === true,
    fp16Block: (v['fp16-block'] as string[] | undefined) ?? [],
    int8: v.int8 as OptimizeOptions['int8'],
    int8ReduceRange: v['int8-reduce-range'] === true,
    int8ExcludeNodes: (v['int8-exclude-nodes'] as string[] | undefined) ?? [],
    int8KeepFloat: ((v['int8-keep-float'] as string[] | undefined) ?? []).flatMap((k) =>
      k.split(','),
    ) as OptimizeOptions['int8KeepFloat'],
    calibrationData: v['calibration-data'] as string | undefined,
    calibrationMethod: v['calibration-method'] as OptimizeOptions['calibrationMethod'],
    percentile: number('percentile', v.percentile as string),
    executionProvider: v['execution-provider'] as OptimizeOptions['executionProvider'],
    precision: v.precision as OptimizeOptions['precision'],
    inputs: v.inputs as string | undefined,
    samples: v.samples as number,
    shapes: shapes((v.shape as string[] | undefined) ?? []),
    maxAbsError:
      v['max-abs-error'] === undefined ? undefined : number('max-abs-error', v['max-abs-error'] as string),
    minTop1: v['min-top1'] === undefined ? undefined : fraction(v['min-top1'] as string),
    strict: v.strict === true,
    speed: v.speed !== false,
    speedDurationMs: v['speed-ms'] as number,
    batchSizes: (v['batch-sizes'] as string).split(',').map((s) => number('batch-sizes', s)),
    threads: v.threads as number,
    log: (line) => process.stderr.write(`nereid optimize: ${line}\n`),
  };
  try {
    const result = await optimizeModel(options);
    process.stdout.write(`${formatOptimizeTable([result])}\n\n${formatOptimizeDetails(result)}\n`);
    const reportPath =
      (v.report as string | undefined) ??
      join(options.repository, options.model, String(options.toVersion), 'optimize-report.json');
    writeFileSync(reportPath, optimizeReportJson([result]));
    process.stdout.write(`Report: ${reportPath}\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof ServerError)) throw err;
    process.stderr.write(`nereid optimize: ${err.message} (${err.code})\n`);
    return 1;
  }
}

function number(flag: string, text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n))
    throw new FlagError(`Flag --${flag} takes a number: received '${text}'`);
  return n;
}

function fraction(text: string): number {
  return text.endsWith('%') ? number('min-top1', text.slice(0, -1)) / 100 : number('min-top1', text);
}

function shapes(list: readonly string[]): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const item of list) {
    const at = item.lastIndexOf(':');
    if (at <= 0) throw new FlagError(`Flag --shape takes NAME:D1,D2,...: received '${item}'`);
    out[item.slice(0, at)] = item
      .slice(at + 1)
      .split(',')
      .map((d) => number('shape', d));
  }
  return out;
}
