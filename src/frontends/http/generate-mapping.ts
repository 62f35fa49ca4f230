/**
 * The JSON mapping of Triton's generate extension: a generate request body becomes a request id,
 * parameters and input tensors (top-level keys that name a model input become that input, shaped
 * from the model's metadata shape; other keys become parameters; `parameters` is a nested object
 * mapped the same way), and a response becomes one flat JSON object (outputs with one element
 * unwrapped). It does not submit requests or write HTTP.
 */
import { invalidArg, type ServerError } from '../../common/index.js';
import {
  type DataType,
  elementCount,
  jsonDataToWire,
  MAX_JSON_DATA_DEPTH,
  type Parameters,
  readRequestParameters,
  type Tensor,
  wireToJsonText,
} from '../../protocol/index.js';

/** A model input as the mapping needs it (the core's InputPlan satisfies it). */
export interface GenerateInputSpec {
  /** Input name. */
  readonly name: string;
  /** Wire datatype. */
  readonly datatype: DataType;
  /** Metadata shape (`[-1, ...dims]` when the model batches); -1 = variable. */
  readonly clientShape: readonly number[];
}

/** A decoded generate request. */
export interface GenerateRequestParts {
  /** Request id (`id` key when it is not an input name); '' when absent. */
  id: string;
  /** Request parameters: keys that name no input, and the members of `parameters`. */
  parameters: Parameters;
  /** Input tensors, in the order their keys appear. */
  inputs: Tensor[];
}

/** One response as the generate encoder reads it (the core's InferenceResponse satisfies it). */
export interface GenerateResponseParts {
  /** Model name. */
  readonly modelName: string;
  /** Model version as a string. */
  readonly modelVersion: string;
  /** Request id; '' when none. */
  readonly id: string;
  /** Response parameters, or null. */
  readonly parameters: Parameters | null;
  /** Output tensors. */
  readonly outputs: readonly Tensor[];
}

const ERR_GENERATE_JSON = 'ERR_GENERATE_JSON';
const ERR_GENERATE_SHAPE = 'ERR_GENERATE_SHAPE';
const ERR_GENERATE_PARAMETER = 'ERR_GENERATE_PARAMETER';

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/**
 * Collects the leaves of a (possibly nested) JSON array, row-major.
 * @throws ServerError INVALID_ARG when the arrays nest deeper than MAX_JSON_DATA_DEPTH
 */
function flatten(name: string, value: unknown, out: unknown[], depth: number): void {
  if (!Array.isArray(value)) {
    out.push(value);
    return;
  }
  if (depth > MAX_JSON_DATA_DEPTH) {
    throw invalidArg(
      ERR_GENERATE_JSON,
      `Input '${name}' nests arrays deeper than ${MAX_JSON_DATA_DEPTH} levels`,
    );
  }
  for (let i = 0; i < value.length; i++) flatten(name, value[i], out, depth + 1);
}

/**
 * Shapes `count` elements after the metadata shape, as Triton does: fixed dims take their share
 * from the innermost outwards, the innermost variable dim takes what remains, other variable
 * dims become 1. Throws INVALID_ARG when the count does not fit.
 */
export function generateInputShape(name: string, metadataShape: readonly number[], count: number): number[] {
  const shape = [...metadataShape];
  let remaining = count;
  const fail = (): ServerError =>
    invalidArg(
      ERR_GENERATE_SHAPE,
      `The schema can not convert input '${name}' to tensor with proper shape: received ${count} elements for shape [${metadataShape.join(',')}]`,
    );
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = shape[i]!;
    if (d === -1) continue;
    if (d === 0 ? remaining !== 0 : remaining % d !== 0) throw fail();
    remaining = d === 0 ? 1 : remaining / d;
  }
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] === -1) {
      shape[i] = remaining;
      remaining = 1;
    }
  }
  if (remaining !== 1) throw fail();
  return shape;
}

function toTensor(spec: GenerateInputSpec, value: unknown): Tensor {
  const leaves: unknown[] = [];
  flatten(spec.name, value, leaves, 1);
  const shape = generateInputShape(spec.name, spec.clientShape, leaves.length);
  const data = jsonDataToWire(spec.name, spec.datatype, shape, leaves);
  return { name: spec.name, datatype: spec.datatype, shape, data };
}

class MappingState {
  readonly inputs = new Map<string, GenerateInputSpec>();
  readonly parameters: Record<string, string | number | boolean> = {};
  readonly tensors: Tensor[] = [];
  readonly seen = new Set<string>();
  id = '';

  constructor(specs: readonly GenerateInputSpec[]) {
    for (const s of specs) this.inputs.set(s.name, s);
  }

  mapKey(key: string, value: unknown, nested: boolean): void {
    const spec = this.inputs.get(key);
    if (spec !== undefined) {
      if (this.seen.has(key)) {
        throw invalidArg(ERR_GENERATE_JSON, `Input '${key}' is given more than once in the generate request`);
      }
      this.seen.add(key);
      this.tensors.push(toTensor(spec, value));
      return;
    }
    if (!nested && key === 'id') {
      if (typeof value !== 'string') {
        throw invalidArg(
          ERR_GENERATE_JSON,
          `The generate request 'id' must be a string: received ${typeName(value)}`,
        );
      }
      this.id = value;
      return;
    }
    if (!nested && key === 'parameters') {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw invalidArg(
          ERR_GENERATE_JSON,
          `Expected JSON object for keyword: 'parameters': received ${typeName(value)}`,
        );
      }
      const members = value as Record<string, unknown>;
      for (const k in members) this.mapKey(k, members[k], true);
      return;
    }
    const t = typeof value;
    if (t !== 'string' && t !== 'number' && t !== 'boolean') {
      throw invalidArg(
        ERR_GENERATE_PARAMETER,
        `Key '${key}' of the generate request names no input of the model and is not a valid parameter: parameters must be a string, number or boolean, received ${typeName(value)} (inputs: ${[...this.inputs.keys()].map((n) => `'${n}'`).join(', ')})`,
      );
    }
    this.parameters[key] = value as string | number | boolean;
  }
}

/**
 * Decodes a generate request body against the model's inputs. Throws INVALID_ARG for bad JSON,
 * values that do not fit an input's datatype or shape, and keys that are neither inputs nor
 * scalar parameters. Missing inputs are left to the core's request validation.
 */
export function parseGenerateRequest(
  body: Uint8Array,
  inputs: readonly GenerateInputSpec[],
): GenerateRequestParts {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch (err) {
    throw invalidArg(ERR_GENERATE_JSON, `Failed to parse the request JSON: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw invalidArg(
      ERR_GENERATE_JSON,
      `The generate request must be a JSON object: received ${typeName(parsed)}`,
    );
  }
  if (inputs.some((i) => i.name === 'parameters') && 'parameters' in parsed) {
    throw invalidArg(
      ERR_GENERATE_JSON,
      "Keyword 'parameters' for nested schema also given as input tensor name",
    );
  }
  const state = new MappingState(inputs);
  const members = parsed as Record<string, unknown>;
  for (const key in members) state.mapKey(key, members[key], false);
  return {
    id: state.id,
    parameters: readRequestParameters(state.parameters),
    inputs: state.tensors,
  };
}

function parameterText(v: string | number | boolean | bigint): string {
  return typeof v === 'bigint' ? v.toString() : JSON.stringify(v);
}

/**
 * Encodes one response as the generate JSON object text: `id` (when set), `model_name`,
 * `model_version`, each response parameter, and each output by name (a one-element output as its
 * value, others as a flat array). Throws like the infer encoder for FP16/BF16 outputs.
 */
export function encodeGenerateResponse(response: GenerateResponseParts): string {
  let text = '{';
  if (response.id !== '') text += `"id":${JSON.stringify(response.id)},`;
  text += `"model_name":${JSON.stringify(response.modelName)},"model_version":${JSON.stringify(response.modelVersion)}`;
  const params = response.parameters;
  if (params !== null) {
    for (const key in params) text += `,${JSON.stringify(key)}:${parameterText(params[key]!)}`;
  }
  const outputs = response.outputs;
  for (let i = 0; i < outputs.length; i++) {
    const o = outputs[i]!;
    const data = wireToJsonText(o.name, o.datatype, o.shape, o.data);
    const value = elementCount(o.shape) === 1 ? data.slice(1, -1) : data;
    text += `,${JSON.stringify(o.name)}:${value}`;
  }
  return `${text}}`;
}
