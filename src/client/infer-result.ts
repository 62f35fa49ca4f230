/**
 * The answer of one inference, the same for HTTP and gRPC: model name and version, request id,
 * response parameters and the output tensors as wire bytes. Accessors view the bytes as typed
 * arrays (sharing memory when aligned, copying when not), decode BYTES to strings or byte views,
 * and widen FP16/BF16 to float32. Parsing of transport answers lives in the codecs.
 */
import {
  type DataType,
  decodeBytesElements,
  decodeBytesStrings,
  fromBf16Array,
  fromFp16Array,
  isDataType,
  type NumericArray,
  type Parameters,
  viewAsTypedArray,
} from '../protocol/index.js';
import { invalidInput } from './inference-server-error.js';

/** One output tensor of a result. */
export interface OutputTensor {
  /** Output name. */
  readonly name: string;
  /** Wire datatype as the server sent it (classification outputs are BYTES). */
  readonly datatype: string;
  /** Full shape. */
  readonly shape: readonly number[];
  /** Output parameters as the server sent them (HTTP binary outputs carry `binary_data_size`). */
  readonly parameters: Parameters;
  /** Row-major little-endian wire bytes (a view on the received body when possible). */
  readonly data: Uint8Array;
}

/** What a codec hands to the InferResult constructor. */
export interface InferResultParts {
  /** Model name. */
  readonly modelName: string;
  /** Version that ran, as a string. */
  readonly modelVersion: string;
  /** Echoed request id ('' when none). */
  readonly requestId: string;
  /** Response parameters. */
  readonly parameters: Parameters;
  /** Outputs in the server's order. */
  readonly outputs: readonly OutputTensor[];
}

/** The result of an inference call. */
export class InferResult {
  /** Model name. */
  readonly modelName: string;
  /** Version that ran, as a string. */
  readonly modelVersion: string;
  /** Echoed request id ('' when the request had none). */
  readonly requestId: string;
  /** Response parameters (e.g. `triton_final_response` on decoupled streams). */
  readonly parameters: Parameters;
  /** Output tensors in the server's order. */
  readonly outputs: readonly OutputTensor[];

  constructor(parts: InferResultParts) {
    this.modelName = parts.modelName;
    this.modelVersion = parts.modelVersion;
    this.requestId = parts.requestId;
    this.parameters = parts.parameters;
    this.outputs = parts.outputs;
  }

  /** False only for a non-final response of a decoupled model (`triton_final_response: false`). */
  get isFinal(): boolean {
    return this.parameters.triton_final_response !== false;
  }

  /** Names of the outputs, in order. */
  outputNames(): string[] {
    return this.outputs.map((o) => o.name);
  }

  /** The output tensor `name`; throws INVALID_ARG naming the outputs present when it is missing. */
  tensor(name: string): OutputTensor {
    const outputs = this.outputs;
    for (let i = 0; i < outputs.length; i++) if (outputs[i]!.name === name) return outputs[i]!;
    throw invalidInput(
      `The result of model '${this.modelName}' has no output '${name}': outputs are ${this.outputNames().join(', ') || '(none)'}`,
    );
  }

  /** Whether output `name` is present. */
  has(name: string): boolean {
    return this.outputs.some((o) => o.name === name);
  }

  /** Shape of output `name`. */
  shape(name: string): readonly number[] {
    return this.tensor(name).shape;
  }

  /** Datatype of output `name`. */
  datatype(name: string): string {
    return this.tensor(name).datatype;
  }

  /** Wire bytes of output `name`. */
  raw(name: string): Uint8Array {
    return this.tensor(name).data;
  }

  /**
   * Output `name` as its typed array (Int32Array for INT32, BigInt64Array for INT64, Uint16Array
   * of raw bits for FP16/BF16, Uint8Array for BOOL); a view when aligned, else a copy.
   * BYTES outputs need outputAsStrings / outputAsBytes.
   */
  output<T extends NumericArray = NumericArray>(name: string): T {
    const t = this.tensor(name);
    const datatype = t.datatype;
    if (!isDataType(datatype) || datatype === 'BYTES') {
      throw invalidInput(
        `Output '${name}' has datatype ${datatype}, which has no typed array: use outputAsStrings or outputAsBytes`,
      );
    }
    return viewAsTypedArray(datatype as Exclude<DataType, 'BYTES'>, t.data) as T;
  }

  /** Output `name` widened to float32 (FP16/BF16 decoded, integers converted; INT64 may round). */
  outputAsFloat32(name: string): Float32Array {
    const t = this.tensor(name);
    if (t.datatype === 'FP16') return fromFp16Array(this.output<Uint16Array>(name));
    if (t.datatype === 'BF16') return fromBf16Array(this.output<Uint16Array>(name));
    const values = this.output(name);
    if (values instanceof Float32Array) return values;
    const out = new Float32Array(values.length);
    for (let i = 0; i < values.length; i++) out[i] = Number(values[i]!);
    return out;
  }

  /** Elements of BYTES output `name` as UTF-8 strings (invalid UTF-8 becomes U+FFFD). */
  outputAsStrings(name: string): string[] {
    return decodeBytesStrings(this.bytesData(name), name);
  }

  /** Elements of BYTES output `name` as byte views on the received data (no copy). */
  outputAsBytes(name: string): Uint8Array[] {
    return decodeBytesElements(this.bytesData(name), name);
  }

  private bytesData(name: string): Uint8Array {
    const t = this.tensor(name);
    if (t.datatype !== 'BYTES') {
      throw invalidInput(`Output '${name}' has datatype ${t.datatype}, not BYTES: use output(name)`);
    }
    return t.data;
  }
}
