/**
 * Everything the request path needs to know about a model, computed once at load time from the
 * validated config: input and output tables by name, batching, reshapes, element sizes, labels.
 * Requests are checked against it (request-validator.ts) without touching the config again.
 */
import type { NumericText } from '../config/index.js';
import { isLlamaCppConfig } from '../config/index.js';
import type { ModelConfig, RawInputSpec } from '../protocol/index.js';
import { configToWire, type DataType } from '../protocol/index.js';

/** One model input as the request path sees it. */
export interface InputPlan {
  /** Input name. */
  readonly name: string;
  /** Wire datatype. */
  readonly datatype: DataType;
  /** Config dims (without the batch dim); -1 = variable. */
  readonly dims: readonly number[];
  /** Shape clients see in metadata: `[-1, ...dims]` when batching, else dims. */
  readonly clientShape: readonly number[];
  /** Shape the backend expects per row when the config has `reshape`, else null. */
  readonly reshape: readonly number[] | null;
  /** Whether the input may be omitted. */
  readonly optional: boolean;
  /** For a BYTES input the model parses into numbers, what each element must be; else null. */
  readonly numericText: NumericText | null;
}

/** One model output as the request path sees it. */
export interface OutputPlan {
  /** Output name. */
  readonly name: string;
  /** Wire datatype. */
  readonly datatype: DataType;
  /** Config dims (without the batch dim). */
  readonly dims: readonly number[];
  /** Shape clients see in metadata. */
  readonly clientShape: readonly number[];
  /** Client-facing dims when the model produces a `reshape`d tensor, else null. */
  readonly reshapeTo: readonly number[] | null;
  /** Class labels for classification (from label_filename), or null. */
  readonly labels: readonly string[] | null;
  /** Position in the config's output list. */
  readonly index: number;
}

/** The per-model request plan. */
export class ModelPlan {
  /** Model name. */
  readonly modelName: string;
  /** max_batch_size; 0 = the model does not batch. */
  readonly maxBatchSize: number;
  /** Whether inputs carry a leading batch dim. */
  readonly batched: boolean;
  /** Inputs in config order. */
  readonly inputs: readonly InputPlan[];
  /** Outputs in config order. */
  readonly outputs: readonly OutputPlan[];
  /** Inputs by name. */
  readonly inputsByName: ReadonlyMap<string, InputPlan>;
  /** Outputs by name. */
  readonly outputsByName: ReadonlyMap<string, OutputPlan>;
  /** Number of inputs that must be present. */
  readonly requiredInputCount: number;
  /** Whether the model may send 0..n responses per request. */
  readonly decoupled: boolean;
  /**
   * Whether the model generates text (llama.cpp): decoupled, but a request whose `stream` input is
   * not true gets exactly one response, so unary calls (gRPC ModelInfer, HTTP generate) serve it.
   */
  readonly generation: boolean;
  /** All output names in config order (the default request). */
  readonly allOutputNames: readonly string[];
  /** The inputs as the raw single-input HTTP body form needs them. */
  readonly rawInputs: readonly RawInputSpec[];

  constructor(
    config: ModelConfig,
    labelsByOutput: ReadonlyMap<string, readonly string[]>,
    numericText: ReadonlyMap<string, NumericText> = new Map(),
  ) {
    this.modelName = config.name;
    this.maxBatchSize = config.max_batch_size;
    this.batched = config.max_batch_size > 0;
    this.decoupled = config.model_transaction_policy.decoupled;
    this.generation = isLlamaCppConfig(config);
    const batchPrefix = this.batched ? [-1] : [];
    this.inputs = config.input.map((input) => ({
      name: input.name,
      datatype: configToWire(input.data_type),
      dims: [...input.dims],
      clientShape: [...batchPrefix, ...input.dims],
      reshape: input.reshape ? [...input.reshape.shape] : null,
      optional: input.optional,
      numericText: input.data_type === 'TYPE_STRING' ? (numericText.get(input.name) ?? null) : null,
    }));
    this.outputs = config.output.map((output, index) => ({
      name: output.name,
      datatype: configToWire(output.data_type),
      dims: [...output.dims],
      clientShape: [...batchPrefix, ...output.dims],
      reshapeTo: output.reshape && output.dims.every((d) => d >= 0) ? [...output.dims] : null,
      labels: labelsByOutput.get(output.name) ?? null,
      index,
    }));
    this.inputsByName = new Map(this.inputs.map((i) => [i.name, i]));
    this.outputsByName = new Map(this.outputs.map((o) => [o.name, o]));
    this.requiredInputCount = this.inputs.filter((i) => !i.optional).length;
    this.allOutputNames = this.outputs.map((o) => o.name);
    this.rawInputs = this.inputs.map((i) => ({
      name: i.name,
      datatype: i.datatype,
      dims: i.dims,
      batched: this.batched,
    }));
  }
}
