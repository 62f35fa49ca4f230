/**
 * The inputs the optimizer runs models on: one row per sample, either generated from the input
 * specs (seeded, so reruns compare the same data) or read from perf_analyzer-style JSON
 * (`{"data": [{"INPUT0": [...] | {"content": [...], "shape": [...]}}]}`) or a directory of such
 * JSON files / raw per-input binary files. Stacking rows into batches is here too; running is not.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { invalidArg } from '../../common/index.js';
import { float32ToFloat16Bits, SeededRandom } from '../onnx/index.js';
import type { WireTensor } from './measure-protocol.js';

/** One model input: name, ORT type and per-row dims (without the batch dim when batched). */
export interface InputSpec {
  /** Input name. */
  name: string;
  /** onnxruntime-node type name. */
  type: string;
  /** Dims of one row (the full shape for a model without batching). */
  dims: number[];
}

/** One sample: one tensor per input, each holding a single row (no batch dim). */
export type Sample = WireTensor[];

const BYTES: Readonly<Record<string, number>> = {
  float32: 4,
  float16: 2,
  float64: 8,
  int8: 1,
  uint8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  int64: 8,
  uint64: 8,
  bool: 1,
};

/** `count` seeded samples: floats uniform in [-1, 1], integers in [0, 9], booleans 0/1 */
export function generateSamples(specs: readonly InputSpec[], count: number, seed = 7): Sample[] {
  const rng = new SeededRandom(seed);
  const samples: Sample[] = [];
  for (let s = 0; s < count; s++) {
    samples.push(
      specs.map((spec) => {
        const n = spec.dims.reduce((a, d) => a * d, 1);
        const values = Array.from({ length: n }, () =>
          spec.type.startsWith('float')
            ? rng.uniform(-1, 1)
            : spec.type === 'bool'
              ? rng.int(0, 1)
              : rng.int(0, 9),
        );
        return {
          name: spec.name,
          type: spec.type,
          dims: [...spec.dims],
          data: typedArray(spec.type, values),
        };
      }),
    );
  }
  return samples;
}

/** Splits `values` ([rows, ...rowDims] row-major float32) into one single-input sample per row */
export function rowSamples(name: string, values: Float32Array, rowDims: readonly number[]): Sample[] {
  const rowLength = rowDims.reduce((a, d) => a * d, 1);
  if (rowLength === 0 || values.length % rowLength !== 0) {
    throw invalidArg(
      'ERR_OPTIMIZE_INPUT_DATA',
      `Input "${name}" has ${values.length} values: not a whole number of rows of shape [${rowDims.join(',')}]`,
    );
  }
  const samples: Sample[] = [];
  for (let start = 0; start < values.length; start += rowLength) {
    const data = values.slice(start, start + rowLength);
    samples.push([{ name, type: 'float32', dims: [...rowDims], data }]);
  }
  return samples;
}

/** Reads samples from a perf_analyzer-style JSON file or a directory (see the file header) */
export function loadSamples(path: string, specs: readonly InputSpec[]): Sample[] {
  if (!statSync(path, { throwIfNoEntry: false })) {
    throw invalidArg('ERR_OPTIMIZE_INPUT_DATA', `Input data "${path}" does not exist`);
  }
  if (!statSync(path).isDirectory()) return samplesFromJson(readFileSync(path, 'utf8'), path, specs);
  const files = readdirSync(path).sort();
  const json = files.filter((f) => f.endsWith('.json'));
  if (json.length > 0)
    return json.flatMap((f) => samplesFromJson(readFileSync(join(path, f), 'utf8'), join(path, f), specs));
  return [
    specs.map((spec) => {
      const file = join(path, spec.name);
      if (!files.includes(spec.name)) {
        throw invalidArg(
          'ERR_OPTIMIZE_INPUT_DATA',
          `Input data directory "${path}" has no file "${spec.name}" for input "${spec.name}"`,
        );
      }
      const bytes = readFileSync(file);
      const copy = new Uint8Array(bytes).buffer;
      const n = bytes.length / (BYTES[spec.type] ?? 1);
      return {
        name: spec.name,
        type: spec.type,
        dims: [...spec.dims],
        data: viewOf(spec.type, copy, n, file, spec),
      };
    }),
  ];
}

function samplesFromJson(text: string, source: string, specs: readonly InputSpec[]): Sample[] {
  let parsed: { data?: unknown };
  try {
    parsed = JSON.parse(text) as { data?: unknown };
  } catch (err) {
    throw invalidArg(
      'ERR_OPTIMIZE_INPUT_DATA',
      `Input data "${source}" is not JSON: ${(err as Error).message}`,
    );
  }
  if (!Array.isArray(parsed.data)) {
    throw invalidArg(
      'ERR_OPTIMIZE_INPUT_DATA',
      `Input data "${source}" needs a "data" array as perf_analyzer's --input-data: received ${typeof parsed.data}`,
    );
  }
  return parsed.data.map((entry: Record<string, unknown>, i: number) =>
    specs.map((spec) => {
      const raw = entry?.[spec.name];
      if (raw === undefined) {
        throw invalidArg(
          'ERR_OPTIMIZE_INPUT_DATA',
          `Input data "${source}" entry ${i} has no value for input "${spec.name}"`,
        );
      }
      const withShape = raw as { content?: unknown; shape?: number[] };
      const content = Array.isArray(raw) ? raw : withShape.content;
      if (!Array.isArray(content)) {
        throw invalidArg(
          'ERR_OPTIMIZE_INPUT_DATA',
          `Input data "${source}" entry ${i} input "${spec.name}" must be an array or {"content", "shape"}`,
        );
      }
      const values = (content as unknown[]).flat(Number.POSITIVE_INFINITY) as number[];
      const dims = Array.isArray(withShape.shape) ? withShape.shape : spec.dims;
      const expected = dims.reduce((a, d) => a * d, 1);
      if (values.length !== expected) {
        throw invalidArg(
          'ERR_OPTIMIZE_INPUT_DATA',
          `Input data "${source}" entry ${i} input "${spec.name}" has ${values.length} values: expected ${expected} for shape [${dims.join(',')}]`,
        );
      }
      return { name: spec.name, type: spec.type, dims: [...dims], data: typedArray(spec.type, values) };
    }),
  );
}

/** Stacks rows `start .. start+count-1` (cycling through `samples`) into one batch per input. */
export function stackBatch(
  samples: readonly Sample[],
  start: number,
  count: number,
  batched: boolean,
): WireTensor[] {
  if (!batched) return samples[start % samples.length]!;
  const first = samples[0]!;
  return first.map((t, k) => {
    const rowLength = t.data.length;
    const rows = Array.from({ length: count }, (_, r) => samples[(start + r) % samples.length]![k]!.data);
    const Ctor = (
      t.data as unknown as {
        constructor: new (n: number) => { set(a: ArrayLike<number | bigint>, o: number): void };
      }
    ).constructor;
    const out = new Ctor(rowLength * count);
    for (let r = 0; r < count; r++) out.set(rows[r] as ArrayLike<number>, r * rowLength);
    return {
      name: t.name,
      type: t.type,
      dims: [count, ...t.dims],
      data: out as unknown as ArrayLike<number>,
    };
  });
}

function typedArray(type: string, values: ArrayLike<number>): WireTensor['data'] {
  switch (type) {
    case 'float32':
      return Float32Array.from(values);
    case 'float16':
      return Uint16Array.from(values, (v) => float32ToFloat16Bits(v));
    case 'float64':
      return Float64Array.from(values);
    case 'int64':
      return BigInt64Array.from(values, (v) => BigInt(Math.trunc(v)));
    case 'int32':
      return Int32Array.from(values);
    case 'int8':
      return Int8Array.from(values);
    case 'uint8':
    case 'bool':
      return Uint8Array.from(values);
    default:
      throw invalidArg(
        'ERR_OPTIMIZE_INPUT_DATA',
        `Input type "${type}" is not supported for optimizer inputs: allowed are float32, float16, float64, int64, int32, int8, uint8, bool`,
      );
  }
}

function viewOf(
  type: string,
  buffer: ArrayBuffer,
  n: number,
  file: string,
  spec: InputSpec,
): WireTensor['data'] {
  const expected = spec.dims.reduce((a, d) => a * d, 1);
  if (n !== expected) {
    throw invalidArg(
      'ERR_OPTIMIZE_INPUT_DATA',
      `Input data file "${file}" holds ${n} ${type} values: expected ${expected} for shape [${spec.dims.join(',')}]`,
    );
  }
  if (type === 'float32') return new Float32Array(buffer);
  if (type === 'int64') return new BigInt64Array(buffer);
  if (type === 'int32') return new Int32Array(buffer);
  if (type === 'float16') return new Uint16Array(buffer);
  return new Uint8Array(buffer);
}
