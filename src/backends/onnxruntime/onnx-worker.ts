/**
 * Worker-thread entry of the ONNX Runtime backend (compiled to dist/src/backends/onnxruntime/
 * onnx-worker.js): loads one InferenceSession (retrying on the CPU when GPU providers are missing
 * and the config allows it), reports its metadata, then runs batches. It never touches scheduling;
 * the worker protocol lives in worker-runtime.ts. ORT runs synchronously (through NativeSession, one
 * native call per execution), hence its own thread.
 */
import type * as ort from 'onnxruntime-node';
import { ServerError, Status } from '../../common/errors.js';
import type { Tensor } from '../../protocol/index.js';
import type { ModelFileMetadata, TensorMetadata } from '../backend.js';
import type { WorkerInit } from '../worker-protocol.js';
import {
  type ExecutorTiming,
  nowNs,
  serveWorker,
  type WorkerBatch,
  type WorkerExecutor,
  type WorkerLog,
} from '../worker-runtime.js';
import { NativeSession, type NativeValueMetadata, type OrtSession } from './native-session.js';
import { findNumericStringInputs } from './numeric-string-inputs.js';
import type { OnnxWorkerOptions } from './onnx-session-options.js';
import { fromOrtTensor, toOrtTensor, wireDatatypeOf } from './onnx-tensors.js';
import { PublicSession } from './public-session.js';

const PROVIDER_FAILURE =
  /AppendExecutionProvider|Failed to load shared library|providers_shared|backend not found|CUDA|TensorRT|cudart|cudnn/i;

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A NativeSession, or a PublicSession when the backend says the private binding cannot be used. */
function openSession(
  init: WorkerInit<OnnxWorkerOptions>,
  sessionOptions: ort.InferenceSession.SessionOptions,
): OrtSession | Promise<OrtSession> {
  if (init.options.publicSession === true)
    return PublicSession.create(init.options.modelPath, sessionOptions);
  return new NativeSession(init.options.modelPath, sessionOptions);
}

async function createSession(init: WorkerInit<OnnxWorkerOptions>, log: WorkerLog): Promise<OrtSession> {
  const { modelPath, sessionOptions, gpu, cpuFallback, unappliedProviderOptions } = init.options;
  const where = `Cannot load model "${init.modelName}" on instance "${init.instanceName}" from "${modelPath}"`;
  try {
    const session = await openSession(init, sessionOptions);
    if (session.droppedProviders.length > 0) {
      log(
        'warn',
        `removing requested execution provider(s) ${session.droppedProviders.join(', ')}: onnxruntime-node has no backend for them`,
      );
    }
    if (gpu && unappliedProviderOptions.length > 0) {
      log(
        'warn',
        `onnxruntime-node passes only the device id to GPU execution providers; not applied: ${unappliedProviderOptions.join(', ')}`,
      );
    }
    return session;
  } catch (err) {
    if (err instanceof ServerError) throw err;
    const reason = errorMessage(err);
    if (gpu && PROVIDER_FAILURE.test(reason)) {
      if (!cpuFallback) {
        throw new ServerError(
          Status.UNAVAILABLE,
          'ERR_CUDA_UNAVAILABLE',
          `${where}: CUDA is not available (onnxruntime: ${reason}); use instance_group kind KIND_CPU, or set parameters { key: "nereid.cpu_fallback" value { string_value: "true" } } to run on the CPU`,
        );
      }
      log(
        'warn',
        `CUDA is not available for model "${init.modelName}" (onnxruntime: ${reason}); running on the CPU because nereid.cpu_fallback is set`,
      );
      try {
        return await openSession(init, { ...sessionOptions, executionProviders: ['cpu'] });
      } catch (cpuErr) {
        throw loadError(where, errorMessage(cpuErr));
      }
    }
    throw loadError(where, reason);
  }
}

function loadError(where: string, reason: string): ServerError {
  if (/File doesn't exist|No such file/i.test(reason)) {
    return new ServerError(Status.NOT_FOUND, 'ERR_MODEL_FILE_NOT_FOUND', `${where}: ${reason}`);
  }
  return new ServerError(Status.INTERNAL, 'ERR_INSTANCE_LOAD', `${where}: ${reason}`);
}

function toTensorMetadata(meta: NativeValueMetadata): TensorMetadata {
  if (!meta.isTensor || meta.type === null) return { name: meta.name, datatype: null, shape: [] };
  return { name: meta.name, datatype: wireDatatypeOf(meta.type), shape: meta.shape };
}

/**
 * Reads the session's I/O metadata (symbolic dims → -1, ORT types → wire datatypes) and, for
 * string inputs the graph casts to numbers, the text their elements must be.
 */
function readMetadata(session: OrtSession, modelPath: string): ModelFileMetadata {
  const inputs = session.inputMetadata.map(toTensorMetadata);
  const strings = inputs.filter((i) => i.datatype === 'BYTES').map((i) => i.name);
  const rules = findNumericStringInputs(modelPath, strings);
  for (const input of inputs) {
    const rule = rules.get(input.name);
    if (rule !== undefined) input.numericText = rule;
  }
  return { inputs, outputs: session.outputMetadata.map(toTensorMetadata) };
}

/** Runs batches on one session; outputs ordered by `session.outputNames`, never by object key order. */
class OnnxExecutor implements WorkerExecutor {
  private readonly session: OrtSession;
  private readonly where: string;

  constructor(session: OrtSession, init: WorkerInit<OnnxWorkerOptions>) {
    this.session = session;
    this.where = `Cannot execute model "${init.modelName}" on instance "${init.instanceName}"`;
  }

  /** Synchronous on a NativeSession (ring transport); a Promise on a PublicSession. */
  execute(batch: WorkerBatch, timing: ExecutorTiming): Tensor[] | Promise<Tensor[]> {
    const feeds: Record<string, ort.Tensor> = {};
    for (let i = 0; i < batch.inputs.length; i++) {
      const input = batch.inputs[i]!;
      feeds[input.name] = toOrtTensor(input);
    }
    const all = this.session.outputNames;
    const fetches = batch.outputNames.length === 0 ? all : batch.outputNames;
    timing.inferStartNs = nowNs();
    let results: Record<string, ort.Tensor> | Promise<Record<string, ort.Tensor>>;
    try {
      results = this.session.run(feeds, fetches);
    } catch (err) {
      throw this.executionError(err);
    }
    if (results instanceof Promise) return this.settle(results, fetches, timing);
    timing.inferEndNs = nowNs();
    return this.outputsOf(results, fetches);
  }

  private async settle(
    pending: Promise<Record<string, ort.Tensor>>,
    fetches: readonly string[],
    timing: ExecutorTiming,
  ): Promise<Tensor[]> {
    let results: Record<string, ort.Tensor>;
    try {
      results = await pending;
    } catch (err) {
      throw this.executionError(err);
    }
    timing.inferEndNs = nowNs();
    return this.outputsOf(results, fetches);
  }

  private executionError(err: unknown): ServerError {
    return new ServerError(Status.INTERNAL, 'ERR_MODEL_EXECUTION', `${this.where}: ${errorMessage(err)}`);
  }

  /** The fetched outputs in the session's output order. */
  private outputsOf(results: Record<string, ort.Tensor>, fetches: readonly string[]): Tensor[] {
    const all = this.session.outputNames;
    const outputs: Tensor[] = [];
    for (let i = 0; i < all.length; i++) {
      const name = all[i]!;
      const value = results[name];
      if (value !== undefined && fetches.includes(name)) outputs.push(fromOrtTensor(name, value));
    }
    return outputs;
  }
}

serveWorker<OnnxWorkerOptions>(async (init, log) => {
  const session = await createSession(init, log);
  return {
    executor: new OnnxExecutor(session, init),
    metadata: readMetadata(session, init.options.modelPath),
  };
});
