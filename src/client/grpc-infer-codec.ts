/**
 * The client side of gRPC inference: builds ModelInferRequest messages the way Triton's clients
 * do (all tensor data in `raw_input_contents`; `sequence_id` as int64_param or string_param,
 * `priority` as uint64_param, `timeout` as int64_param, `classification` as int64_param) and
 * reads ModelInferResponse messages into InferResults (raw outputs as received, typed `contents`
 * converted for servers that send them). No I/O here.
 */
import {
  decodeParameters,
  encodeParameters,
  type InferParameterMap,
  type InferRequestedOutputTensorMessage,
  int64ToValue,
  type ModelInferRequestMessage,
  type ModelInferResponseMessage,
  parameterToMessage,
  typedContentsToBytes,
} from '../protocol/grpc/index.js';
import { isDataType, type Parameters } from '../protocol/index.js';
import type { InferInput } from './infer-input.js';
import {
  type InferOptions,
  requestedOutputs,
  requestParameters,
  sharedMemoryParameters,
} from './infer-options.js';
import { InferResult, type OutputTensor } from './infer-result.js';
import { asClientError, badResponse } from './inference-server-error.js';

const INT64_MAX = 2n ** 63n - 1n;

/** Request parameters as InferParameters, with Triton's client typing of the reserved keys. */
function grpcRequestParameters(params: Parameters): InferParameterMap {
  const out: InferParameterMap = {};
  for (const key in params) {
    const value = params[key]!;
    switch (key) {
      case 'sequence_id':
        if (typeof value === 'string') out[key] = { string_param: value };
        else if (typeof value === 'bigint' && value > INT64_MAX) out[key] = { uint64_param: value };
        else out[key] = { int64_param: value as number | bigint };
        break;
      case 'priority':
        out[key] = { uint64_param: value as number | bigint };
        break;
      case 'timeout':
        out[key] = { int64_param: value as number | bigint };
        break;
      default:
        out[key] = parameterToMessage(value);
    }
  }
  return out;
}

/** Builds the ModelInferRequest of one call; `extra` adds request parameters (e.g. stream flags). */
export function encodeGrpcInferRequest(
  model: string,
  inputs: readonly InferInput[],
  options: InferOptions,
  extra?: Parameters,
): ModelInferRequestMessage {
  const params = requestParameters(options);
  if (extra !== undefined) Object.assign(params, extra);
  const requested = requestedOutputs(options);
  const inputMessages = new Array(inputs.length);
  const raw: Uint8Array[] = [];
  for (let i = 0; i < inputs.length; i++) {
    const input = inputs[i]!;
    inputMessages[i] = {
      name: input.name,
      datatype: input.datatype,
      shape: input.shape as number[],
      parameters: encodeParameters(input.parameters),
    };
    // Inputs in shared memory have no raw entry: the server reads their region.
    if (!input.inSharedMemory) raw.push(input.data);
  }
  let outputs: InferRequestedOutputTensorMessage[] = [];
  if (requested !== null) {
    outputs = new Array(requested.length);
    for (let i = 0; i < requested.length; i++) {
      const o = requested[i]!;
      const parameters = encodeParameters(
        o.sharedMemory === undefined
          ? o.parameters
          : { ...o.parameters, ...sharedMemoryParameters(o.name, o.sharedMemory) },
      );
      if (o.classCount !== undefined && o.classCount > 0)
        parameters.classification = { int64_param: o.classCount };
      outputs[i] = { name: o.name, parameters };
    }
  }
  return {
    model_name: model,
    model_version: options.modelVersion ?? '',
    id: options.requestId ?? '',
    parameters: grpcRequestParameters(params),
    inputs: inputMessages,
    outputs,
    raw_input_contents: raw,
  };
}

function toShape(dims: readonly (bigint | number | string)[], name: string): number[] {
  const shape: number[] = new Array(dims.length);
  for (let i = 0; i < dims.length; i++) {
    const d = int64ToValue(dims[i]!);
    if (typeof d !== 'number') throw badResponse(`Output '${name}' has a dimension beyond 2^53: ${d}`);
    shape[i] = d;
  }
  return shape;
}

/** Reads a ModelInferResponse into an InferResult. Throws INTERNAL (ERR_CLIENT_BAD_RESPONSE) when malformed. */
export function decodeGrpcInferResponse(message: ModelInferResponseMessage): InferResult {
  const modelName = message.model_name ?? '';
  const messages = message.outputs ?? [];
  const raw = message.raw_output_contents ?? [];
  const outputs: OutputTensor[] = new Array(messages.length);
  try {
    for (let i = 0; i < messages.length; i++) {
      const o = messages[i]!;
      let data: Uint8Array;
      if (i < raw.length) data = raw[i]!;
      else if (o.contents != null && isDataType(o.datatype)) {
        data = typedContentsToBytes(o.contents, o.datatype, o.name, modelName);
      } else data = new Uint8Array(0);
      outputs[i] = {
        name: o.name,
        datatype: o.datatype,
        shape: toShape(o.shape ?? [], o.name),
        parameters: decodeParameters(o.parameters, `output '${o.name}'`),
        data,
      };
    }
    return new InferResult({
      modelName,
      modelVersion: message.model_version ?? '',
      requestId: message.id ?? '',
      parameters: decodeParameters(message.parameters, `the response of model '${modelName}'`),
      outputs,
    });
  } catch (err) {
    throw asClientError(err, badResponse);
  }
}
