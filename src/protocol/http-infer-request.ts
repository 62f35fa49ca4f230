/**
 * Decodes a KServe v2 HTTP inference request body (JSON header + binary tensor parts, or the raw
 * single-input form) into tensors, applying Triton's HTTP frontend rules and every check that does
 * not need the model (content-type exclusivity, sizes, shapes, datatypes, parameters). Binary data
 * stays a view on the body. Not here: model-dependent checks (unknown inputs, shape vs config,
 * datatype vs config), shared-memory resolution and decompression (core / frontend).
 *
 *   body = [JSON header: headerLength bytes][input A bytes][input B bytes]...   (inputs in JSON order)
 */
import { invalidArg } from '../common/index.js';
import { BinaryHeaderCache, type BinaryInputSpec } from './binary-header-cache.js';
import { checkBytesElementCount } from './bytes-tensor.js';
import { DATATYPES, type DataType, ELEMENT_BYTES, isDataType } from './datatypes.js';
import { ProtocolErrorCode } from './error-codes.js';
import type { SharedMemoryRef } from './http-parameters.js';
import {
  isNonNegativeInteger,
  readParameters,
  readRequestParameters,
  readSharedMemory,
} from './http-parameters.js';
import { findJsonDataSpans, type JsonDataSpan, jsonTextWithoutSpans } from './json-data-spans.js';
import { parseJsonHeader } from './json-header.js';
import { jsonSpanToWire } from './json-span-to-wire.js';
import { jsonDataToWire } from './json-tensor-data.js';
import type { RawInputSpec } from './raw-input.js';
import { rawInputTensor } from './raw-input.js';
import type { RequestedOutput } from './requested-output.js';
import { decodeRequestedOutput } from './requested-output.js';
import type { Parameters, Tensor } from './tensor.js';
import { elementCount } from './tensor.js';
import { checkUniqueNames } from './unique-names.js';

/** A decoded input: a tensor plus its parameters; `data` is empty while `sharedMemory` is set. */
export interface DecodedInferInput extends Tensor {
  /** The input's parameters as sent (including binary_data_size / shared_memory_*). */
  readonly parameters: Parameters;
  /** Where the data lives when sent through shared memory; null otherwise. */
  readonly sharedMemory: SharedMemoryRef | null;
}

export type { RequestedOutput } from './requested-output.js';

/** A decoded HTTP inference request. */
export interface DecodedHttpInferRequest {
  /** Request id (`id`), echoed in the response; undefined when absent. */
  readonly id: string | undefined;
  /** Request parameters (reserved ones type-checked). */
  readonly parameters: Parameters;
  /** Inputs in request order. */
  readonly inputs: DecodedInferInput[];
  /** Requested outputs in request order; null when `outputs` is absent (= all outputs). */
  readonly outputs: RequestedOutput[] | null;
  /** Default for outputs without `binary_data` (request `binary_data_output`; raw requests: true). */
  readonly binaryDataOutput: boolean;
}

/** What the header says of one input: a binary part still to bind, or a complete input. */
type InputHeader = BinaryInputSpec | DecodedInferInput;

function isBinarySpec(input: InputHeader): input is BinaryInputSpec {
  return (input as BinaryInputSpec).byteSize !== undefined;
}

/** A request's JSON header decoded: everything but the binary parts' bytes. */
interface DecodedHeader {
  readonly id: string | undefined;
  readonly parameters: Parameters;
  readonly inputs: readonly InputHeader[];
  readonly outputs: RequestedOutput[] | null;
  readonly binaryDataOutput: boolean;
  /** Whether every input is a binary part (such headers are cached by their bytes). */
  readonly allBinary: boolean;
}

/** Decoded headers of all-binary requests, by their exact bytes (see binary-header-cache.ts). */
const headerCache = new BinaryHeaderCache<DecodedHeader>();

/** Options of decodeHttpInferRequest(). */
export interface HttpInferRequestOptions {
  /** Model name, used in messages; default `''`. */
  modelName?: string;
  /** The model's inputs, needed only for the raw form (headerLength 0); default none. */
  modelInputs?: readonly RawInputSpec[];
  /**
   * Smallest JSON part, bytes, whose `data` arrays are read straight from the body by the byte
   * scanner; default DEFAULT_JSON_SCAN_MIN_BYTES; +Infinity = JSON.parse every body.
   */
  jsonScanMinBytes?: number;
}

const NO_OPTIONS: HttpInferRequestOptions = {};

/**
 * Default smallest JSON part (bytes) scanned for `data` spans: below ~5 KB JSON.parse of the
 * whole is as fast or faster (`npm run bench:json -- --decode`, ADR 0024).
 */
export const DEFAULT_JSON_SCAN_MIN_BYTES = 8192;
const NO_PARAMETERS: Parameters = Object.freeze({}) as Parameters;
const EMPTY_BYTES = new Uint8Array(0);

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function shapeText(shape: readonly unknown[]): string {
  return `[${shape.map((d) => JSON.stringify(d)).join(',')}]`;
}

/**
 * Parses the `Inference-Header-Content-Length` header value: undefined when absent, else a
 * non-negative integer; throws INVALID_ARG (ERR_HEADER_LENGTH) for anything else.
 */
export function parseInferenceHeaderLength(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (!/^\d{1,15}$/.test(trimmed)) {
    throw invalidArg(
      ProtocolErrorCode.HEADER_LENGTH,
      `Unable to parse Inference-Header-Content-Length: expected a non-negative integer, got '${value}'`,
    );
  }
  return Number(trimmed);
}

/**
 * Decodes one entry of `inputs` as far as the header alone decides: a binary input becomes its
 * BinaryInputSpec (bound to body bytes by bindInputs), a JSON `data` or shared-memory input its
 * DecodedInferInput.
 */
function decodeInputHeader(
  raw: unknown,
  index: number,
  hasHeaderLength: boolean,
  body: Uint8Array,
  span: JsonDataSpan | undefined,
): InputHeader {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw invalidArg(ProtocolErrorCode.INPUT_FIELD, `Input ${index} must be an object, got ${typeName(raw)}`);
  }
  const input = raw as Record<string, unknown>;
  const name = input.name;
  if (typeof name !== 'string') {
    throw invalidArg(
      ProtocolErrorCode.INPUT_FIELD,
      name === undefined
        ? `Input ${index} has no 'name'`
        : `Input ${index}: 'name' must be a string, got ${typeName(name)}`,
    );
  }
  const where = `input '${name}'`;
  const datatype = input.datatype;
  if (!isDataType(datatype)) {
    throw datatype === undefined
      ? invalidArg(ProtocolErrorCode.INPUT_FIELD, `Input '${name}' has no 'datatype'`)
      : invalidArg(
          ProtocolErrorCode.INPUT_DATATYPE,
          `Input '${name}' has unknown datatype ${JSON.stringify(datatype)}: expected one of ${DATATYPES.join(', ')}`,
        );
  }
  const shapeJson = input.shape;
  if (!Array.isArray(shapeJson)) {
    throw invalidArg(
      ProtocolErrorCode.INPUT_FIELD,
      shapeJson === undefined
        ? `Input '${name}' has no 'shape'`
        : `Input '${name}': 'shape' must be an array, got ${typeName(shapeJson)}`,
    );
  }
  for (let d = 0; d < shapeJson.length; d++) {
    if (!isNonNegativeInteger(shapeJson[d])) {
      throw invalidArg(
        ProtocolErrorCode.INPUT_SHAPE,
        `Input '${name}' has invalid shape ${shapeText(shapeJson)}: dimensions must be non-negative integers`,
      );
    }
  }
  const shape = shapeJson as number[];
  const parameters = readParameters(input.parameters, where);
  const hasData = input.data !== undefined;
  const binarySize = parameters.binary_data_size;
  const hasBinary = binarySize !== undefined;
  const hasShm = parameters.shared_memory_region !== undefined;
  if ((hasData ? 1 : 0) + (hasBinary ? 1 : 0) + (hasShm ? 1 : 0) !== 1) {
    const set: string[] = [];
    if (hasData) set.push("'data'");
    if (hasBinary) set.push("'binary_data_size'");
    if (hasShm) set.push("'shared_memory_region'");
    throw invalidArg(
      ProtocolErrorCode.INPUT_CONTENT,
      `Input '${name}' must set only one of the following fields: 'data', 'binary_data_size' in 'parameters', 'shared_memory_region' in 'parameters'. But ${set.length === 0 ? 'no field is set' : `set ${set.join(' ')}`}`,
    );
  }
  const count = elementCount(shape);
  const elementBytes = ELEMENT_BYTES[datatype];
  if (hasBinary) {
    if (!isNonNegativeInteger(binarySize)) {
      throw invalidArg(
        ProtocolErrorCode.BINARY_SIZE,
        `Input '${name}': 'binary_data_size' must be a non-negative integer, got ${JSON.stringify(binarySize)}`,
      );
    }
    if (binarySize > 0 && !hasHeaderLength) {
      throw invalidArg(
        ProtocolErrorCode.BINARY_SIZE,
        `Input '${name}' has binary_data_size ${binarySize} but the request has no Inference-Header-Content-Length header; it must give the JSON length when passing inputs in binary data format`,
      );
    }
    if (datatype !== 'BYTES' && binarySize !== count * elementBytes) {
      throw invalidArg(
        ProtocolErrorCode.BINARY_SIZE,
        `Input '${name}': binary_data_size ${binarySize} does not match ${count * elementBytes} bytes for shape ${shapeText(shape)} of ${datatype}`,
      );
    }
    return Object.freeze({
      name,
      datatype,
      shape: Object.freeze(shape),
      elementCount: count,
      parameters: Object.freeze(parameters),
      byteSize: binarySize,
    });
  }
  if (hasShm) {
    const sharedMemory = readSharedMemory(parameters, where)!;
    if (datatype !== 'BYTES' && sharedMemory.byteSize !== count * elementBytes) {
      throw invalidArg(
        ProtocolErrorCode.SHARED_MEMORY,
        `Input '${name}': shared_memory_byte_size ${sharedMemory.byteSize} does not match ${count * elementBytes} bytes for shape ${shapeText(shape)} of ${datatype}`,
      );
    }
    return { name, datatype, shape, data: EMPTY_BYTES, parameters, sharedMemory };
  }
  const data =
    span === undefined
      ? jsonDataToWire(name, datatype, shape, input.data)
      : spanDataToWire(body, span, input.data, datatype, count);
  return { name, datatype, shape, data, parameters, sharedMemory: null };
}

/** Thrown inside decodeScannedHeader when a span is not what JSON.parse would accept as is. */
const SPAN_REFUSED = new Error('JSON data span refused: decode with JSON.parse');

/**
 * The wire bytes of an input whose `data` is the span `span` of `body`; throws SPAN_REFUSED where
 * jsonDataToWire would throw or the span reader does not go (decodeScannedHeader catches it).
 */
function spanDataToWire(
  body: Uint8Array,
  span: JsonDataSpan,
  placeholder: unknown,
  datatype: DataType,
  count: number,
): Uint8Array {
  // The scan refuses repeated and escaped keys, so the member is the span's `null`: checked anyway.
  const data = placeholder === null ? jsonSpanToWire(body, span.start, span.end, datatype, count) : null;
  if (data === null) throw SPAN_REFUSED;
  return data;
}

function decodeRaw(body: Uint8Array, options: HttpInferRequestOptions): DecodedHttpInferRequest {
  const tensor = rawInputTensor(body, options.modelInputs, options.modelName ?? '');
  const input: DecodedInferInput = { ...tensor, parameters: NO_PARAMETERS, sharedMemory: null };
  return { id: undefined, parameters: NO_PARAMETERS, inputs: [input], outputs: null, binaryDataOutput: true };
}

/**
 * Decodes an HTTP inference request body. `headerLength` is the parsed
 * `Inference-Header-Content-Length` (undefined when absent: the body is all JSON; 0: raw form).
 * Throws ServerError INVALID_ARG with an `ERR_*` code and a message naming input and numbers.
 */
export function decodeHttpInferRequest(
  body: Uint8Array,
  headerLength: number | undefined,
  options: HttpInferRequestOptions = NO_OPTIONS,
): DecodedHttpInferRequest {
  if (headerLength === 0) return decodeRaw(body, options);
  let jsonEnd = body.length;
  if (headerLength !== undefined) {
    if (!Number.isSafeInteger(headerLength) || headerLength < 0 || headerLength > body.length) {
      throw invalidArg(
        ProtocolErrorCode.HEADER_LENGTH,
        `Inference-Header-Content-Length ${headerLength} is out of range: the body has ${body.length} bytes`,
      );
    }
    jsonEnd = headerLength;
  }
  if (headerLength !== undefined) {
    const cached = headerCache.find(body, jsonEnd);
    if (cached !== undefined) return bindInputs(cached, body, jsonEnd);
  }
  const hasHeaderLength = headerLength !== undefined;
  const header =
    (jsonEnd >= (options.jsonScanMinBytes ?? DEFAULT_JSON_SCAN_MIN_BYTES)
      ? decodeScannedHeader(body, jsonEnd, hasHeaderLength)
      : null) ?? decodeHeader(parseJsonHeader(body.subarray(0, jsonEnd)), hasHeaderLength, body, null);
  if (hasHeaderLength && header.allBinary) headerCache.remember(body, jsonEnd, Object.freeze(header));
  return bindInputs(header, body, jsonEnd);
}

/**
 * The header decoded with each input's numeric `data` read straight from the body (the rest
 * through JSON.parse, json-data-spans.ts), or null when the body has no such span or anything is
 * not as expected: the caller then decodes it all with JSON.parse, which answers bad bodies with
 * the errors they always got. A bad body therefore costs up to two decodes, never more.
 */
function decodeScannedHeader(
  body: Uint8Array,
  jsonEnd: number,
  hasHeaderLength: boolean,
): DecodedHeader | null {
  const spans = findJsonDataSpans(body, jsonEnd);
  if (spans === null) return null;
  const text = jsonTextWithoutSpans(body, jsonEnd, spans);
  if (text === null) return null;
  try {
    return decodeHeader(JSON.parse(text), hasHeaderLength, body, spans);
  } catch {
    return null;
  }
}

/**
 * Decodes the parsed request JSON; `spans` (in input order) say which inputs' `data` is still in
 * `body` (their member is `null` in `json`), null when every `data` is in `json`.
 */
function decodeHeader(
  json: unknown,
  hasHeaderLength: boolean,
  body: Uint8Array,
  spans: readonly JsonDataSpan[] | null,
): DecodedHeader {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw invalidArg(
      ProtocolErrorCode.REQUEST_FIELD,
      `Request JSON must be an object, got ${typeName(json)}`,
    );
  }
  const request = json as Record<string, unknown>;
  const id = request.id;
  if (id !== undefined && typeof id !== 'string') {
    throw invalidArg(ProtocolErrorCode.REQUEST_FIELD, `Request 'id' must be a string, got ${typeName(id)}`);
  }
  const parameters = readRequestParameters(request.parameters);
  const inputsJson = request.inputs;
  if (!Array.isArray(inputsJson)) {
    throw invalidArg(
      ProtocolErrorCode.REQUEST_FIELD,
      inputsJson === undefined
        ? `Request JSON has no 'inputs'`
        : `Request 'inputs' must be an array, got ${typeName(inputsJson)}`,
    );
  }
  const inputs: InputHeader[] = new Array(inputsJson.length);
  let allBinary = true;
  let nextSpan = 0;
  for (let i = 0; i < inputsJson.length; i++) {
    const span = spans !== null && spans[nextSpan]?.input === i ? spans[nextSpan++] : undefined;
    const input = decodeInputHeader(inputsJson[i], i, hasHeaderLength, body, span);
    if (!isBinarySpec(input)) allBinary = false;
    inputs[i] = input;
  }
  checkUniqueNames(inputs, 'Input');
  let outputs: RequestedOutput[] | null = null;
  const outputsJson = request.outputs;
  if (outputsJson !== undefined) {
    if (!Array.isArray(outputsJson)) {
      throw invalidArg(
        ProtocolErrorCode.REQUEST_FIELD,
        `Request 'outputs' must be an array, got ${typeName(outputsJson)}`,
      );
    }
    outputs = new Array(outputsJson.length);
    for (let i = 0; i < outputsJson.length; i++) outputs[i] = decodeRequestedOutput(outputsJson[i], i);
    checkUniqueNames(outputs, 'Output');
  }
  return {
    id,
    parameters: Object.freeze(parameters),
    inputs,
    // Frozen: a cached header's outputs are shared by every request that sends it.
    outputs:
      outputs === null ? null : (Object.freeze(outputs.map((o) => Object.freeze(o))) as RequestedOutput[]),
    binaryDataOutput: parameters.binary_data_output === true,
    allBinary,
  };
}

/**
 * Binds a decoded header to one body: each binary input takes the next `byteSize` bytes after
 * the header (a view, not a copy) in JSON order; the body must hold exactly that many.
 */
function bindInputs(header: DecodedHeader, body: Uint8Array, jsonEnd: number): DecodedHttpInferRequest {
  const specs = header.inputs;
  const inputs: DecodedInferInput[] = new Array(specs.length);
  let pos = jsonEnd;
  for (let i = 0; i < specs.length; i++) {
    const spec = specs[i]!;
    if (!isBinarySpec(spec)) {
      inputs[i] = spec;
      continue;
    }
    const name = spec.name;
    if (pos + spec.byteSize > body.length) {
      throw invalidArg(
        ProtocolErrorCode.BINARY_SIZE,
        `Input '${name}': binary_data_size ${spec.byteSize} exceeds the ${body.length - pos} bytes left in the body after byte ${pos}`,
      );
    }
    const data = body.subarray(pos, pos + spec.byteSize);
    pos += spec.byteSize;
    if (spec.datatype === 'BYTES') checkBytesElementCount(data, spec.elementCount, name);
    inputs[i] = {
      name,
      datatype: spec.datatype as DataType,
      shape: spec.shape as number[],
      data,
      parameters: spec.parameters,
      sharedMemory: null,
    };
  }
  if (pos !== body.length) {
    throw invalidArg(
      ProtocolErrorCode.BINARY_SIZE,
      `Unexpected additional input data: the body has ${body.length - jsonEnd} bytes after the ${jsonEnd}-byte JSON header but the inputs' binary_data_size values add up to ${pos - jsonEnd}`,
    );
  }
  return {
    id: header.id,
    parameters: header.parameters,
    inputs,
    outputs: header.outputs,
    binaryDataOutput: header.binaryDataOutput,
  };
}
