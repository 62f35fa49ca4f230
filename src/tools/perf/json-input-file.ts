/**
 * Reads perf_analyzer's `--input-data` JSON file: `{"data": [step, ...]}` (one stream) or
 * `{"data": [[step, ...], ...]}` (one stream per sequence), where a step maps each input name to
 * a (possibly nested) array of values, to `{"content": [...], "shape": [...]}`, or to
 * `{"b64": "...", "shape": [...]}`. Only parsing and shape-free checks live here; matching the
 * values to the model's inputs and encoding them is input-data.ts's job.
 */
import { readFileSync } from 'node:fs';
import { invalidArg } from '../../common/index.js';

/** One input of one step. */
export interface JsonTensorValue {
  /** Flattened values (numbers, booleans or strings), when given as values. */
  values: unknown[] | null;
  /** Raw bytes, when given as `b64`. */
  bytes: Uint8Array | null;
  /** Explicit shape (without the batch dim), when given. */
  shape: number[] | null;
}

/** The inputs of one request, by input name. */
export type JsonStep = Record<string, JsonTensorValue>;

function inputError(source: string, message: string): Error {
  return invalidArg('ERR_PERF_INPUT_DATA', `Input data file "${source}": ${message}`);
}

function flatten(value: unknown, out: unknown[]): void {
  if (Array.isArray(value)) for (const v of value) flatten(v, out);
  else out.push(value);
}

function parseShape(source: string, where: string, shape: unknown): number[] | null {
  if (shape === undefined) return null;
  if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw inputError(
      source,
      `${where}.shape must be a list of integers >= 0: received ${JSON.stringify(shape)}`,
    );
  }
  return shape as number[];
}

function parseTensor(source: string, where: string, value: unknown): JsonTensorValue {
  if (Array.isArray(value)) {
    const values: unknown[] = [];
    flatten(value, values);
    return { values, bytes: null, shape: null };
  }
  if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    const shape = parseShape(source, where, o.shape);
    if (o.content !== undefined) {
      const values: unknown[] = [];
      flatten(o.content, values);
      return { values, bytes: null, shape };
    }
    if (typeof o.b64 === 'string') {
      return { values: null, bytes: new Uint8Array(Buffer.from(o.b64, 'base64')), shape };
    }
  }
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return { values: [value], bytes: null, shape: null };
  }
  throw inputError(
    source,
    `${where} must be an array, {"content": [...], "shape": [...]} or {"b64": "..."}: received ${JSON.stringify(value)?.slice(0, 80)}`,
  );
}

function parseStep(source: string, where: string, step: unknown): JsonStep {
  if (step === null || typeof step !== 'object' || Array.isArray(step)) {
    throw inputError(
      source,
      `${where} must be an object of input names: received ${JSON.stringify(step)?.slice(0, 80)}`,
    );
  }
  const out: JsonStep = {};
  for (const [name, value] of Object.entries(step as Record<string, unknown>)) {
    out[name] = parseTensor(source, `${where}.${name}`, value);
  }
  return out;
}

/** Parses the text of an input data file into streams of steps. */
export function parsePerfInputJson(text: string, source = '<json>'): JsonStep[][] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw inputError(source, `not valid JSON (${(err as Error).message})`);
  }
  const data = (doc as { data?: unknown } | null)?.data;
  if (!Array.isArray(data) || data.length === 0) {
    throw inputError(source, 'needs a non-empty "data" array: {"data": [{"INPUT0": [...]}, ...]}');
  }
  if (data.every((entry) => Array.isArray(entry))) {
    return data.map((stream, s) => {
      if ((stream as unknown[]).length === 0) throw inputError(source, `data[${s}] is an empty stream`);
      return (stream as unknown[]).map((step, i) => parseStep(source, `data[${s}][${i}]`, step));
    });
  }
  return [data.map((step, i) => parseStep(source, `data[${i}]`, step))];
}

/** Reads and parses an input data file. */
export function readPerfInputFile(path: string): JsonStep[][] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw inputError(path, `cannot be read (${(err as Error).message})`);
  }
  return parsePerfInputJson(text, path);
}
