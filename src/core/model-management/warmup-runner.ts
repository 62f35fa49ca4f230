/**
 * Runs a model's `model_warmup` entries on every instance of a version before it serves, as
 * Triton does: synthetic batches of zeros, random bytes or a file from `<model>/warmup/`,
 * `batch_size` rows, repeated `count` times (0 = once). Instances warm up in parallel, each
 * entry in order on each instance. A failure fails the load. It talks to instances directly;
 * no scheduler exists yet at this point.
 */
import { randomFillSync } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type {
  BackendInstance,
  ExecutionBatch,
  ExecutionResult,
  ExecutionSink,
} from '../../backends/index.js';
import type { ServerError } from '../../common/index.js';
import type { ModelConfig, ModelWarmup, WarmupInput } from '../../protocol/index.js';
import { configToWire, ELEMENT_BYTES, elementCount, type Tensor } from '../../protocol/index.js';
import { confinedFile, errnoCode } from '../confined-file.js';
import type { ModelPlan } from '../model-plan.js';

/** Settles one warmup execution (a handler object: no closure per batch). */
class WarmupSink implements ExecutionSink {
  readonly done: Promise<void>;
  private resolve: () => void = () => {};
  private reject: (error: Error) => void = () => {};

  constructor() {
    this.done = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  onResult(_result: ExecutionResult): void {
    this.resolve();
  }

  onError(error: ServerError): void {
    this.reject(error);
  }

  onResponse(): void {}
}

/** Bytes of one sample (one row) of a warmup input: zeros, random, or the file's contents. */
async function sampleBytes(
  name: string,
  input: WarmupInput,
  modelDir: string,
  warmupIndex: number,
): Promise<{ bytes: Uint8Array; fromFile: boolean }> {
  const datatype = configToWire(input.data_type);
  const count = elementCount(input.dims);
  if (input.input_data_file !== undefined) {
    const field = `model_warmup[${warmupIndex}].inputs[${JSON.stringify(name)}].input_data_file`;
    const path = await confinedFile(join(modelDir, 'warmup'), input.input_data_file, field);
    try {
      return { bytes: new Uint8Array(await readFile(path)), fromFile: true };
    } catch (err) {
      throw new Error(`${field} ${JSON.stringify(input.input_data_file)} cannot be read (${errnoCode(err)})`);
    }
  }
  // BYTES: every element an empty string (Triton falls back to zeros for random strings too).
  if (datatype === 'BYTES') return { bytes: new Uint8Array(count * 4), fromFile: false };
  const bytes = new Uint8Array(count * ELEMENT_BYTES[datatype]);
  if (input.random_data === true) {
    randomFillSync(bytes);
    if (datatype === 'BOOL') for (let i = 0; i < bytes.length; i++) bytes[i]! &= 1;
    // Random bits make NaN and infinities; keep floats finite by clearing the top exponent bit.
    if (datatype === 'FP32') for (let i = 3; i < bytes.length; i += 4) bytes[i]! &= 0xbf;
    if (datatype === 'FP64') for (let i = 7; i < bytes.length; i += 8) bytes[i]! &= 0xbf;
    if (datatype === 'FP16' || datatype === 'BF16')
      for (let i = 1; i < bytes.length; i += 2) bytes[i]! &= 0xbf;
  }
  return { bytes, fromFile: false };
}

/** Builds the batch of one warmup entry. */
async function buildBatch(
  warmup: ModelWarmup,
  warmupIndex: number,
  plan: ModelPlan,
  modelDir: string,
): Promise<ExecutionBatch> {
  const rows = plan.batched ? Math.max(1, warmup.batch_size) : 1;
  const inputs: Tensor[] = [];
  for (const [name, input] of Object.entries(warmup.inputs)) {
    const sample = await sampleBytes(name, input, modelDir, warmupIndex);
    const datatype = configToWire(input.data_type);
    const fixedBytes = elementCount(input.dims) * ELEMENT_BYTES[datatype];
    if (sample.fromFile && datatype !== 'BYTES' && sample.bytes.length !== fixedBytes) {
      throw new Error(
        `warmup data file '${input.input_data_file}' of input '${name}' holds ${sample.bytes.length} bytes: expected ${fixedBytes} (dims [${input.dims.join(', ')}])`,
      );
    }
    const data = new Uint8Array(sample.bytes.length * rows);
    for (let r = 0; r < rows; r++) data.set(sample.bytes, r * sample.bytes.length);
    const reshape = plan.inputsByName.get(name)?.reshape ?? null;
    const dims = reshape ?? input.dims;
    inputs.push({ name, datatype, shape: plan.batched ? [rows, ...dims] : [...dims], data });
  }
  return {
    batchSize: rows,
    inputs,
    outputNames: plan.allOutputNames,
    requests: [{ id: `warmup_${warmup.name}`, rows, parameters: {} }],
  };
}

/** Runs every warmup entry `count` times (at least once) on one instance, in order. */
async function warmInstance(
  instance: BackendInstance,
  batches: readonly { warmup: ModelWarmup; batch: ExecutionBatch }[],
): Promise<void> {
  for (const { warmup, batch } of batches) {
    const runs = Math.max(1, warmup.count);
    for (let i = 0; i < runs; i++) {
      const sink = new WarmupSink();
      instance.execute(batch, sink);
      try {
        await sink.done;
      } catch (err) {
        throw new Error(
          `warmup '${warmup.name}' failed on instance '${instance.name}': ${(err as Error).message}`,
        );
      }
    }
  }
}

/**
 * Warms every instance with the config's `model_warmup` entries; resolves at once when there are none.
 * @throws Error saying which warmup failed on which instance
 */
export async function runWarmup(
  config: ModelConfig,
  plan: ModelPlan,
  instances: readonly BackendInstance[],
  modelDir: string,
): Promise<void> {
  if (config.model_warmup.length === 0) return;
  const batches: { warmup: ModelWarmup; batch: ExecutionBatch }[] = [];
  for (const [i, warmup] of config.model_warmup.entries()) {
    batches.push({ warmup, batch: await buildBatch(warmup, i, plan, modelDir) });
  }
  await Promise.all(instances.map((instance) => warmInstance(instance, batches)));
}
