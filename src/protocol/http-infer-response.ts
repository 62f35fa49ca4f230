/**
 * Encodes an inference response for HTTP: the JSON header written directly as text in Triton's key
 * order (id, model_name, model_version, parameters, outputs[name, datatype, shape, parameters, data]),
 * then the binary outputs' bytes in output order, as chunks (no concatenation copy). Each output is
 * binary or JSON per its request's `binary_data`, else the request's `binary_data_output`.
 * As in Triton, a response whose binary outputs are all empty is plain `application/json`.
 * Not here: classification (see classification.ts, applied before), compression, HTTP headers.
 */
import { internal } from '../common/index.js';
import { ELEMENT_BYTES } from './datatypes.js';
import { ProtocolErrorCode } from './error-codes.js';
import type { RequestedOutput } from './http-infer-request.js';
import { wireToJsonText } from './json-tensor-data.js';
import type { Parameters, ParameterValue, Tensor } from './tensor.js';
import { elementCount } from './tensor.js';

/** A response ready to encode. */
export interface HttpInferResponseBody {
  /** Request id to echo; omitted from JSON when undefined or empty. */
  readonly id?: string;
  /** Model name. */
  readonly modelName: string;
  /** Model version actually used, as a string. */
  readonly modelVersion: string;
  /** Response parameters; omitted when undefined or empty. */
  readonly parameters?: Parameters;
  /** Output tensors in response order. */
  readonly outputs: readonly Tensor[];
}

/** How the request asked for outputs: the matching fields of a DecodedHttpInferRequest. */
export interface OutputEncodingRequest {
  /** Default for outputs without `binary_data`. */
  readonly binaryDataOutput: boolean;
  /** Requested outputs (their `binary` and `sharedMemory` are used); null = none listed. */
  readonly outputs: readonly RequestedOutput[] | null;
}

/** An encoded HTTP response body. */
export interface EncodedHttpInferResponse {
  /** `application/json`, or `application/octet-stream` when binary data follows the JSON. */
  readonly contentType: string;
  /** Value for `Inference-Header-Content-Length` (JSON byte length); undefined for pure JSON. */
  readonly headerLength: number | undefined;
  /** Body chunks in order: the JSON header, then each non-empty binary output. */
  readonly chunks: Uint8Array[];
}

const KIND_JSON = 0;
const KIND_BINARY = 1;
const KIND_SHM = 2;

function outputKind(name: string, request: OutputEncodingRequest): number {
  const requested = request.outputs;
  if (requested !== null) {
    for (let i = 0; i < requested.length; i++) {
      const r = requested[i]!;
      if (r.name !== name) continue;
      if (r.sharedMemory !== null) return KIND_SHM;
      if (r.binary !== undefined) return r.binary ? KIND_BINARY : KIND_JSON;
      break;
    }
  }
  return request.binaryDataOutput ? KIND_BINARY : KIND_JSON;
}

/** A fixed-size binary output must hold exactly shape × element size bytes (else a server bug). */
function checkFixedSize(t: Tensor): void {
  const expected = elementCount(t.shape) * ELEMENT_BYTES[t.datatype];
  if (t.data.length !== expected) {
    throw internal(
      ProtocolErrorCode.OUTPUT_SIZE,
      `Output '${t.name}' has ${t.data.length} bytes but shape [${t.shape.join(',')}] of ${t.datatype} needs ${expected}`,
    );
  }
}

const QUOTED = new Map<string, string>();

/** JSON string literal of a model / tensor name, memoized (names repeat across responses). */
function quoted(name: string): string {
  let q = QUOTED.get(name);
  if (q === undefined) {
    if (QUOTED.size >= 4096) QUOTED.clear();
    q = JSON.stringify(name);
    QUOTED.set(name, q);
  }
  return q;
}

function parameterText(v: ParameterValue): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint') return v.toString();
  return String(v);
}

function parametersText(params: Parameters): string {
  let s = '';
  for (const key in params) {
    s += `${s === '' ? '{' : ','}${JSON.stringify(key)}:${parameterText(params[key]!)}`;
  }
  return s === '' ? '' : `${s}}`;
}

/**
 * The last response header's text and bytes. Successive responses of one model usually have the
 * same header byte for byte (same outputs, shapes and sizes, no request id), and comparing the text
 * costs less than encoding it again; the bytes are only ever read (written to sockets, copied or
 * compressed), so one Buffer serves every response that matches.
 */
let lastHeaderText = '';
let lastHeader: Buffer = Buffer.alloc(0);

function headerBytes(json: string): Buffer {
  if (json !== lastHeaderText) {
    lastHeader = Buffer.from(json, 'utf8');
    lastHeaderText = json;
  }
  return lastHeader;
}

/**
 * Encodes `response` for HTTP, choosing binary or JSON per output from `request`. Throws
 * INVALID_ARG for FP16/BF16 outputs asked as JSON (Triton's message) and INTERNAL when an
 * output's bytes do not match its shape.
 */
export function encodeHttpInferResponse(
  response: HttpInferResponseBody,
  request: OutputEncodingRequest,
): EncodedHttpInferResponse {
  const chunks: Uint8Array[] = [];
  let json = '{';
  if (response.id !== undefined && response.id !== '') json += `"id":${JSON.stringify(response.id)},`;
  json += `"model_name":${quoted(response.modelName)},"model_version":${quoted(response.modelVersion)}`;
  if (response.parameters !== undefined) {
    const p = parametersText(response.parameters);
    if (p !== '') json += `,"parameters":${p}`;
  }
  json += ',"outputs":[';
  const outputs = response.outputs;
  for (let i = 0; i < outputs.length; i++) {
    const t = outputs[i]!;
    if (i > 0) json += ',';
    json += `{"name":${quoted(t.name)},"datatype":"${t.datatype}","shape":[${t.shape.join(',')}]`;
    const kind = outputKind(t.name, request);
    if (kind === KIND_BINARY) {
      if (t.datatype !== 'BYTES') checkFixedSize(t);
      json += `,"parameters":{"binary_data_size":${t.data.length}}}`;
      if (t.data.length > 0) chunks.push(t.data);
    } else if (kind === KIND_JSON) {
      json += `,"data":${wireToJsonText(t.name, t.datatype, t.shape, t.data)}}`;
    } else {
      json += '}';
    }
  }
  json += ']}';
  const header = headerBytes(json);
  if (chunks.length === 0) {
    return { contentType: 'application/json', headerLength: undefined, chunks: [header] };
  }
  chunks.unshift(header);
  return { contentType: 'application/octet-stream', headerLength: header.length, chunks };
}

/** Joins encoded chunks into one buffer (for tests, caches and clients that need a single body). */
export function concatChunks(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  let total = 0;
  for (let i = 0; i < chunks.length; i++) total += chunks[i]!.length;
  const out = new Uint8Array(total);
  let pos = 0;
  for (let i = 0; i < chunks.length; i++) {
    out.set(chunks[i]!, pos);
    pos += chunks[i]!.length;
  }
  return out;
}
