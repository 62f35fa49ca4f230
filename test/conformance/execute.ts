/**
 * Test helpers shared by the backend conformance suite and the backend unit tests: run one batch
 * on an instance and get its outcome as a promise, and build wire tensors from typed arrays.
 */
import { dirname } from 'node:path';
import type {
  BackendInstance,
  ExecutionBatch,
  ExecutionResult,
  ExecutionSink,
  InstanceContext,
} from '../../src/backends/backend.js';
import type { ServerError } from '../../src/common/errors.js';
import type { DataType } from '../../src/protocol/datatypes.js';
import type { ModelConfig } from '../../src/protocol/model-config.js';
import type { Tensor } from '../../src/protocol/tensor.js';

/** The outcome of one execution: exactly one of result/error is set; `calls` counts sink calls. */
export interface Outcome {
  result: ExecutionResult | null;
  error: ServerError | null;
  calls: number;
}

/** An ExecutionSink that records its calls and resolves once the first one arrives. */
export class RecordingSink implements ExecutionSink {
  readonly outcome: Outcome = { result: null, error: null, calls: 0 };
  readonly done: Promise<Outcome>;
  private resolve: (o: Outcome) => void = () => {};

  constructor() {
    this.done = new Promise((resolve) => {
      this.resolve = resolve;
    });
  }

  onResult(result: ExecutionResult): void {
    this.outcome.calls++;
    this.outcome.result ??= result;
    this.resolve(this.outcome);
  }

  onError(error: ServerError): void {
    this.outcome.calls++;
    this.outcome.error ??= error;
    this.resolve(this.outcome);
  }
}

/** Executes `batch` on `instance` and resolves with the outcome. */
export function execute(instance: BackendInstance, batch: ExecutionBatch): Promise<Outcome> {
  const sink = new RecordingSink();
  instance.execute(batch, sink);
  return sink.done;
}

/** A batch of `inputs` asking for `outputNames`, with one request per row. */
export function makeBatch(batchSize: number, inputs: Tensor[], outputNames: string[]): ExecutionBatch {
  const requests = [];
  for (let i = 0; i < batchSize; i++) requests.push({ id: `r${i}`, rows: 1, parameters: {} });
  return { batchSize, inputs, outputNames, requests };
}

/** A wire tensor over a typed array's bytes. */
export function tensorOf(name: string, datatype: DataType, shape: number[], values: ArrayBufferView): Tensor {
  return { name, datatype, shape, data: new Uint8Array(values.buffer, values.byteOffset, values.byteLength) };
}

/** Encodes strings as a BYTES wire tensor. */
export function bytesTensorOf(name: string, shape: number[], values: string[]): Tensor {
  const parts = values.map((v) => new TextEncoder().encode(v));
  const data = new Uint8Array(parts.reduce((n, p) => n + 4 + p.byteLength, 0));
  const view = new DataView(data.buffer);
  let at = 0;
  for (const p of parts) {
    view.setUint32(at, p.byteLength, true);
    data.set(p, at + 4);
    at += 4 + p.byteLength;
  }
  return { name, datatype: 'BYTES', shape, data };
}

/** Decodes a BYTES wire tensor's elements as UTF-8 strings. */
export function stringsOf(tensor: Tensor): string[] {
  const out: string[] = [];
  const view = new DataView(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
  for (let at = 0; at < tensor.data.byteLength; ) {
    const len = view.getUint32(at, true);
    out.push(new TextDecoder().decode(tensor.data.subarray(at + 4, at + 4 + len)));
    at += 4 + len;
  }
  return out;
}

/** Copies a wire tensor's bytes into a fresh Float32Array. */
export function float32Of(tensor: Tensor): Float32Array {
  return new Float32Array(tensor.data.slice().buffer);
}

/** A complete ModelConfig with Triton's defaults, for instance contexts in tests. */
export function testConfig(name: string, overrides: Partial<ModelConfig> = {}): ModelConfig {
  return {
    name,
    platform: 'onnxruntime_onnx',
    backend: 'onnxruntime',
    runtime: '',
    version_policy: { latest: { num_versions: 1 } },
    max_batch_size: 8,
    input: [],
    output: [],
    batch_input: [],
    batch_output: [],
    optimization: {
      priority: 'PRIORITY_DEFAULT',
      input_pinned_memory: { enable: true },
      output_pinned_memory: { enable: true },
      gather_kernel_buffer_threshold: 0,
      eager_batching: false,
    },
    instance_group: [],
    default_model_filename: 'model.onnx',
    cc_model_filenames: {},
    metric_tags: {},
    parameters: {},
    model_warmup: [],
    model_transaction_policy: { decoupled: false },
    response_cache: { enable: false },
    ...overrides,
  };
}

/** An InstanceContext for `modelPath` (KIND_CPU, one instance) with `overrides` applied. */
export function testContext(modelPath: string, overrides: Partial<InstanceContext> = {}): InstanceContext {
  const modelName = overrides.modelName ?? 'm';
  return {
    modelName,
    version: 1,
    modelDir: dirname(dirname(modelPath)),
    versionDir: dirname(modelPath),
    modelPath,
    config: testConfig(modelName),
    instanceName: `${modelName}_0`,
    kind: 'KIND_CPU',
    deviceId: -1,
    instanceCount: 1,
    logger: () => {},
    ...overrides,
  };
}
