/**
 * The gRPC inference codec: ModelInferRequest (as proto-loader decodes it) → the decoded request
 * every frontend produces (wire-byte Tensors, plain parameters, requested outputs), and response
 * parts → ModelInferResponse with every output in `raw_output_contents`, as Triton answers.
 * It applies Triton's raw-vs-typed rules and byte-size checks; it does not look at model
 * configs, run requests or touch the network.
 */
import { invalidArg } from '../../common/index.js';
import { DATATYPES, isDataType } from '../datatypes.js';
import { ProtocolErrorCode } from '../error-codes.js';
import type { DecodedHttpInferRequest, DecodedInferInput, RequestedOutput } from '../http-infer-request.js';
import { readSharedMemory } from '../http-parameters.js';
import type { Parameters, Tensor } from '../tensor.js';
import { checkUniqueNames } from '../unique-names.js';
import type {
  InferInputTensorMessage,
  InferOutputTensorMessage,
  InferRequestedOutputTensorMessage,
  ModelInferRequestMessage,
  ModelInferResponseMessage,
  ModelStreamInferResponseMessage,
} from './grpc-messages.js';
import {
  decodeParameters,
  decodeRequestParameters,
  encodeParameters,
  int64ToValue,
} from './infer-parameters.js';
import { checkTensorBytes } from './tensor-bytes-check.js';
import { typedContentsToBytes } from './typed-contents.js';

/**
 * A decoded ModelInferRequest: the HTTP codec's decoded request (same inputs, outputs,
 * parameters; `binaryDataOutput` always true since gRPC answers raw) plus the model it names.
 */
export interface GrpcDecodedRequest extends DecodedHttpInferRequest {
  /** Model name (`model_name`). */
  readonly modelName: string;
  /** Requested version as sent; "" = chosen by the version policy. */
  readonly modelVersion: string;
}

/** An output tensor to send, optionally with per-output parameters. */
export interface GrpcResponseOutput extends Tensor {
  /** Parameters of this output tensor; none by default. */
  readonly parameters?: Parameters;
}

/** What encodeGrpcInferResponse needs. */
export interface GrpcInferResponseParts {
  /** Model name. */
  readonly modelName: string;
  /** The version that actually ran, as a decimal string. */
  readonly modelVersion: string;
  /** The request's id; undefined or "" when none. */
  readonly id: string | undefined;
  /** Response parameters such as `triton_final_response`; none by default. */
  readonly parameters?: Parameters;
  /** Output tensors, in the order they should appear. */
  readonly outputs: readonly GrpcResponseOutput[];
}

const EMPTY_BYTES = new Uint8Array(0);

/**
 * Decodes a ModelInferRequest; throws INVALID_ARG ServerErrors with Triton's texts. Raw entries
 * are consumed in input order by the inputs that are not in shared memory, as in Triton.
 */
export function decodeGrpcInferRequest(message: ModelInferRequestMessage): GrpcDecodedRequest {
  const modelName = message.model_name ?? '';
  const inputMessages = message.inputs ?? [];
  const raw = message.raw_input_contents ?? [];
  const inputs: DecodedInferInput[] = new Array(inputMessages.length);
  let rawIndex = 0;
  for (let i = 0; i < inputMessages.length; i++) {
    const input = decodeInput(inputMessages[i]!, raw, rawIndex, modelName);
    if (raw.length > 0 && input.sharedMemory === null) rawIndex++;
    inputs[i] = input;
  }
  checkUniqueNames(inputs, 'Input');
  if (raw.length > 0 && rawIndex !== raw.length) {
    throw invalidArg(
      ProtocolErrorCode.INPUT_CONTENT,
      `Expected one raw_input_contents entry per input not in shared memory for model '${modelName}': received ${raw.length} entries for ${rawIndex} inputs`,
    );
  }
  const outputMessages = message.outputs ?? [];
  let outputs: RequestedOutput[] | null = null;
  if (outputMessages.length > 0) {
    outputs = new Array(outputMessages.length);
    for (let i = 0; i < outputMessages.length; i++) outputs[i] = decodeOutput(outputMessages[i]!, modelName);
    checkUniqueNames(outputs, 'Output');
  }
  const id = message.id ?? '';
  return {
    modelName,
    modelVersion: message.model_version ?? '',
    id: id === '' ? undefined : id,
    parameters: decodeRequestParameters(message.parameters, modelName),
    inputs,
    outputs,
    binaryDataOutput: true,
  };
}

function decodeInput(
  input: InferInputTensorMessage,
  raw: readonly Uint8Array[],
  rawIndex: number,
  modelName: string,
): DecodedInferInput {
  const name = input.name;
  const datatype = input.datatype;
  if (!isDataType(datatype)) {
    throw invalidArg(
      ProtocolErrorCode.INPUT_DATATYPE,
      `Input '${name}' for model '${modelName}' has unknown datatype '${datatype}': allowed ${DATATYPES.join(', ')}`,
    );
  }
  const shape = decodeShape(input.shape, name, modelName);
  const parameters = decodeParameters(input.parameters, `input '${name}' for model '${modelName}'`);
  const sharedMemory = readSharedMemory(parameters, `input '${name}'`);
  const contents = input.contents;
  if (sharedMemory !== null) {
    if (contents != null) {
      throw invalidArg(
        ProtocolErrorCode.SHARED_MEMORY,
        `unexpected 'content' provided when using shared memory for input tensor '${name}' for model '${modelName}'`,
      );
    }
    return { name, datatype, shape, data: EMPTY_BYTES, parameters, sharedMemory };
  }
  let data: Uint8Array;
  if (contents != null && raw.length > 0) {
    throw invalidArg(
      ProtocolErrorCode.INPUT_CONTENT,
      `contents field must not be specified when using raw_input_contents for '${name}' for model '${modelName}'`,
    );
  } else if (contents != null) {
    data = typedContentsToBytes(contents, datatype, name, modelName);
  } else if (rawIndex < raw.length) {
    data = raw[rawIndex]!;
  } else {
    throw invalidArg(
      ProtocolErrorCode.INPUT_CONTENT,
      `unable to find data for input tensor '${name}' for model '${modelName}' in request`,
    );
  }
  checkTensorBytes(datatype, shape, data, name, modelName);
  return { name, datatype, shape, data, parameters, sharedMemory: null };
}

function decodeShape(dims: readonly (bigint | number | string)[], name: string, modelName: string): number[] {
  const shape: number[] = new Array(dims.length);
  for (let i = 0; i < dims.length; i++) {
    const d = int64ToValue(dims[i]!);
    if (typeof d !== 'number' || d < 0) {
      throw invalidArg(
        ProtocolErrorCode.INPUT_SHAPE,
        `Input '${name}' for model '${modelName}' has shape [${dims.join(',')}]: dimensions must be integers in 0..2^53`,
      );
    }
    shape[i] = d;
  }
  return shape;
}

function decodeOutput(output: InferRequestedOutputTensorMessage, modelName: string): RequestedOutput {
  const name = output.name;
  const parameters = decodeParameters(output.parameters, `output '${name}' for model '${modelName}'`);
  const classification = parameters.classification;
  if (
    classification !== undefined &&
    (typeof classification !== 'number' || !Number.isInteger(classification) || classification < 0)
  ) {
    throw invalidArg(
      ProtocolErrorCode.OUTPUT_FIELD,
      `Parameter 'classification' of output '${name}' for model '${modelName}' must be a non-negative int64_param: received ${String(classification)}`,
    );
  }
  const classCount = (classification as number | undefined) ?? 0;
  const sharedMemory = readSharedMemory(parameters, `output '${name}'`);
  if (sharedMemory !== null && classCount > 0) {
    throw invalidArg(
      ProtocolErrorCode.SHARED_MEMORY,
      `Output '${name}' can't set both 'shared_memory_region' and 'classification'`,
    );
  }
  return { name, classCount, binary: undefined, parameters, sharedMemory };
}

/** Builds a ModelInferResponse with every output's bytes in `raw_output_contents`. */
export function encodeGrpcInferResponse(parts: GrpcInferResponseParts): ModelInferResponseMessage {
  const count = parts.outputs.length;
  const outputs: InferOutputTensorMessage[] = new Array(count);
  const raw: Uint8Array[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const output = parts.outputs[i]!;
    outputs[i] = {
      name: output.name,
      datatype: output.datatype,
      shape: output.shape as number[],
      parameters: encodeParameters(output.parameters),
    };
    raw[i] = output.data;
  }
  return {
    model_name: parts.modelName,
    model_version: parts.modelVersion,
    id: parts.id ?? '',
    parameters: encodeParameters(parts.parameters),
    outputs,
    raw_output_contents: raw,
  };
}

/** A ModelStreamInferResponse carrying a successful response. */
export function encodeGrpcStreamResponse(
  response: ModelInferResponseMessage,
): ModelStreamInferResponseMessage {
  return { error_message: '', infer_response: response };
}

/**
 * A ModelStreamInferResponse carrying an error in-band; the response keeps only the id, model
 * name and version so the client can correlate it, as Triton does.
 */
export function encodeGrpcStreamError(
  errorMessage: string,
  modelName: string,
  modelVersion: string,
  id: string,
): ModelStreamInferResponseMessage {
  return {
    error_message: errorMessage,
    infer_response: {
      model_name: modelName,
      model_version: modelVersion,
      id,
      parameters: {},
      outputs: [],
      raw_output_contents: [],
    },
  };
}
