/**
 * The client side of KServe v2 inference over HTTP: writes the request's JSON header directly as
 * a string (Triton's binary tensor extension: `binary_data_size` per input, `binary_data` per
 * output, `binary_data_output` when no output is listed) followed by the tensors' bytes as
 * separate chunks, and reads answers: the JSON header, binary outputs as views on the body, JSON
 * outputs converted back to wire bytes. No I/O, no compression here (see http-client.ts).
 */
import {
  isDataType,
  jsonDataToWire,
  type Parameters,
  type ParameterValue,
  parseJsonText,
  wireToJsonText,
} from '../protocol/index.js';
import type { InferInput } from './infer-input.js';
import {
  type InferOptions,
  requestedOutputs,
  requestParameters,
  sharedMemoryParameters,
} from './infer-options.js';
import { InferResult, type OutputTensor } from './infer-result.js';
import { asClientError, badResponse, invalidInput } from './inference-server-error.js';

/** An encoded HTTP inference request body. */
export interface EncodedHttpRequest {
  /** Value of `Inference-Header-Content-Length`; undefined for a pure JSON body. */
  readonly headerLength: number | undefined;
  /** Body chunks: the JSON header, then each non-empty binary input in input order. */
  readonly chunks: Uint8Array[];
  /** Total body length in bytes. */
  readonly contentLength: number;
}

function parameterText(v: ParameterValue): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number' && !Number.isFinite(v)) {
    throw invalidInput(`Parameter value ${v} cannot be sent as JSON`);
  }
  return String(v);
}

/** `{"k":v,...}` of parameters plus `extra` (already JSON text, e.g. `"binary_data_size":16`); '' when empty. */
function parametersText(params: Parameters | undefined, extra: string): string {
  let s = extra;
  if (params !== undefined) {
    for (const key in params) {
      s += `${s === '' ? '' : ','}${JSON.stringify(key)}:${parameterText(params[key]!)}`;
    }
  }
  return s === '' ? '' : `{${s}}`;
}

/** Encodes an inference request (binary tensors unless `options.json`). Throws INVALID_ARG on bad options. */
export function encodeHttpInferRequest(
  inputs: readonly InferInput[],
  options: InferOptions,
): EncodedHttpRequest {
  const json = options.json === true;
  const params = requestParameters(options);
  const outputs = requestedOutputs(options);
  let header = '{';
  if (options.requestId !== undefined && options.requestId !== '') {
    header += `"id":${JSON.stringify(options.requestId)},`;
  }
  const requestParams = parametersText(params, outputs === null && !json ? '"binary_data_output":true' : '');
  if (requestParams !== '') header += `"parameters":${requestParams},`;
  header += '"inputs":[';
  const chunks: Uint8Array[] = [new Uint8Array(0)];
  let binaryBytes = 0;
  for (let i = 0; i < inputs.length; i++) {
    const input = inputs[i]!;
    if (i > 0) header += ',';
    header += `{"name":${JSON.stringify(input.name)},"shape":[${input.shape.join(',')}],"datatype":"${input.datatype}"`;
    if (input.inSharedMemory) {
      // The server reads the data from the region: no `data`, no `binary_data_size`, no body bytes.
      header += `,"parameters":${parametersText(input.parameters, '')}}`;
    } else if (json) {
      const p = parametersText(input.parameters, '');
      if (p !== '') header += `,"parameters":${p}`;
      if (input.datatype === 'FP16' || input.datatype === 'BF16') {
        throw invalidInput(
          `Input '${input.name}' has datatype ${input.datatype}, which cannot travel as JSON: send it binary (without the json option)`,
        );
      }
      let data: string;
      try {
        data = wireToJsonText(input.name, input.datatype, input.shape, input.data);
      } catch (err) {
        throw asClientError(err, invalidInput);
      }
      header += `,"data":${data}}`;
    } else {
      header += `,"parameters":${parametersText(input.parameters, `"binary_data_size":${input.data.length}`)}}`;
      if (input.data.length > 0) {
        chunks.push(input.data);
        binaryBytes += input.data.length;
      }
    }
  }
  header += ']';
  if (outputs !== null) {
    header += ',"outputs":[';
    for (let i = 0; i < outputs.length; i++) {
      const o = outputs[i]!;
      if (i > 0) header += ',';
      let params = o.parameters;
      let extra = '';
      if (o.sharedMemory !== undefined)
        params = { ...params, ...sharedMemoryParameters(o.name, o.sharedMemory) };
      else extra = `"binary_data":${o.binary ?? !json}`;
      if (o.classCount !== undefined && o.classCount > 0) extra += `,"classification":${o.classCount}`;
      header += `{"name":${JSON.stringify(o.name)},"parameters":${parametersText(params, extra)}}`;
    }
    header += ']';
  }
  header += '}';
  const headerBytes = Buffer.from(header, 'utf8');
  chunks[0] = headerBytes;
  return {
    headerLength: json ? undefined : headerBytes.length,
    chunks,
    contentLength: headerBytes.length + binaryBytes,
  };
}

function field<T>(value: unknown, check: (v: unknown) => v is T, what: string): T {
  if (!check(value)) throw badResponse(`Malformed inference response: ${what}`);
  return value;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);
const isShape = (v: unknown): v is number[] =>
  Array.isArray(v) && v.every((d) => Number.isSafeInteger(d) && d >= 0);

/**
 * Decodes an inference answer: `body` is the whole (decompressed) body and `headerLength` the
 * `Inference-Header-Content-Length` value (undefined = all JSON). Binary outputs are views on
 * `body`. Throws INTERNAL (ERR_CLIENT_BAD_RESPONSE) for anything that is not a valid answer.
 */
export function decodeHttpInferResponse(body: Uint8Array, headerLength: number | undefined): InferResult {
  const jsonLength = headerLength ?? body.length;
  if (!Number.isSafeInteger(jsonLength) || jsonLength < 0 || jsonLength > body.length) {
    throw badResponse(
      `Inference-Header-Content-Length ${headerLength} does not fit the ${body.length}-byte response body`,
    );
  }
  const text = Buffer.from(body.buffer, body.byteOffset, jsonLength).toString('utf8');
  let parsed: unknown;
  try {
    parsed = parseJsonText(text, 'inference response JSON');
  } catch (err) {
    throw asClientError(err, badResponse);
  }
  const root = field(parsed, isObject, 'the body is not a JSON object');
  const rawOutputs =
    root.outputs === undefined ? [] : field(root.outputs, Array.isArray, "'outputs' is not an array");
  const outputs: OutputTensor[] = new Array(rawOutputs.length);
  let offset = jsonLength;
  for (let i = 0; i < rawOutputs.length; i++) {
    const o = field(rawOutputs[i], isObject, `output ${i} is not an object`);
    const name = field(o.name, isString, `output ${i} has no name`);
    const datatype = field(o.datatype, isString, `output '${name}' has no datatype`);
    const shape = field(o.shape, isShape, `output '${name}' has no valid shape`);
    const parameters = (
      o.parameters === undefined ? {} : field(o.parameters, isObject, `output '${name}' parameters`)
    ) as Parameters;
    const size = parameters.binary_data_size;
    let data: Uint8Array;
    if (size !== undefined) {
      if (
        typeof size !== 'number' ||
        !Number.isSafeInteger(size) ||
        size < 0 ||
        offset + size > body.length
      ) {
        throw badResponse(
          `Output '${name}' declares binary_data_size ${String(size)} but only ${body.length - offset} body bytes remain`,
        );
      }
      data = body.subarray(offset, offset + size);
      offset += size;
    } else if (o.data !== undefined) {
      if (!isDataType(datatype)) throw badResponse(`Output '${name}' has unknown datatype '${datatype}'`);
      try {
        data = jsonDataToWire(name, datatype, shape, o.data);
      } catch (err) {
        throw asClientError(err, badResponse);
      }
    } else {
      data = new Uint8Array(0);
    }
    outputs[i] = { name, datatype, shape, parameters, data };
  }
  return new InferResult({
    modelName: typeof root.model_name === 'string' ? root.model_name : '',
    modelVersion:
      typeof root.model_version === 'string' ? root.model_version : String(root.model_version ?? ''),
    requestId: typeof root.id === 'string' ? root.id : '',
    parameters: (isObject(root.parameters) ? root.parameters : {}) as Parameters,
    outputs,
  });
}
