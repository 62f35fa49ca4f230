/**
 * TypeScript shapes of the inference messages as proto-loader hands them out and accepts them
 * (PROTO_LOADER_OPTIONS in load-protos.ts): snake_case, int64 as bigint when decoded, bytes as
 * Uint8Array/Buffer. Types only; the codecs that fill and read them live beside this file.
 */

/** A 64-bit integer as decoded (bigint) or as accepted for encoding (number, decimal string). */
export type Int64Like = bigint | number | string;

/** inference.InferParameter (oneof `parameter_choice`). */
export interface InferParameterMessage {
  /** Name of the oneof member that is set (added by proto-loader when decoding). */
  parameter_choice?: 'bool_param' | 'int64_param' | 'string_param' | 'double_param' | 'uint64_param';
  bool_param?: boolean;
  int64_param?: Int64Like;
  string_param?: string;
  double_param?: number;
  uint64_param?: Int64Like;
}

/** A `map<string, InferParameter>` field. */
export type InferParameterMap = Record<string, InferParameterMessage>;

/** inference.InferTensorContents: typed, row-major tensor data. */
export interface InferTensorContentsMessage {
  bool_contents?: boolean[];
  int_contents?: number[];
  int64_contents?: Int64Like[];
  uint_contents?: number[];
  uint64_contents?: Int64Like[];
  fp32_contents?: number[];
  fp64_contents?: number[];
  bytes_contents?: Uint8Array[];
}

/** inference.ModelInferRequest.InferInputTensor. */
export interface InferInputTensorMessage {
  name: string;
  datatype: string;
  shape: Int64Like[];
  parameters?: InferParameterMap;
  /** Typed data; null/absent when the data travels in raw_input_contents. */
  contents?: InferTensorContentsMessage | null;
}

/** inference.ModelInferRequest.InferRequestedOutputTensor. */
export interface InferRequestedOutputTensorMessage {
  name: string;
  parameters?: InferParameterMap;
}

/** inference.ModelInferRequest. */
export interface ModelInferRequestMessage {
  model_name: string;
  model_version?: string;
  id?: string;
  parameters?: InferParameterMap;
  inputs?: InferInputTensorMessage[];
  outputs?: InferRequestedOutputTensorMessage[];
  /** One entry per input, in input order, or empty when inputs use typed contents. */
  raw_input_contents?: Uint8Array[];
}

/** inference.ModelInferResponse.InferOutputTensor (Nereid never fills `contents`). */
export interface InferOutputTensorMessage {
  name: string;
  datatype: string;
  shape: Int64Like[];
  parameters: InferParameterMap;
  contents?: InferTensorContentsMessage | null;
}

/** inference.ModelInferResponse. */
export interface ModelInferResponseMessage {
  model_name: string;
  model_version: string;
  id: string;
  parameters: InferParameterMap;
  outputs: InferOutputTensorMessage[];
  /** One entry per output, in output order (empty entry for a shared-memory output). */
  raw_output_contents: Uint8Array[];
}

/** inference.ModelStreamInferResponse. */
export interface ModelStreamInferResponseMessage {
  /** "" on success. */
  error_message: string;
  infer_response: ModelInferResponseMessage | null;
}
