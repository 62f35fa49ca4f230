/**
 * NativeSession: one ONNX Runtime session driven through onnxruntime-node's own native binding
 * (`onnxruntime-node/dist/binding.js`, typed in its `binding.d.ts` as "a simple synchronized
 * inference session object wrap"), so a model worker runs the model with one synchronous call.
 *
 * Why not `ort.InferenceSession.run`: the public API wraps that same synchronous native call in a
 * Promise resolved from a `setImmediate`, plus argument checks and a second Tensor wrapping of
 * every output. On a worker thread that has nothing else to do that costs an extra event-loop
 * turn and ~7 µs of CPU per execution (measured on `simple`: 17.6 µs per run through the public
 * API, 9.9 µs through the binding), more than the run itself for small models. Loading goes
 * through the same binding with the same options the public `InferenceSession.create` passes
 * (execution providers filtered to the backends onnxruntime-node registers, as it does). The
 * binding is private: ort-binding.ts checks it at startup, and PublicSession stands in when it is
 * not what this file expects. Runs only in ONNX workers.
 */
import type * as ort from 'onnxruntime-node';
import { ServerError, Status } from '../../common/errors.js';
import { loadOrtBinding, type OrtBindingModule } from './ort-binding.js';

/**
 * ORT type names by ONNX `TensorProto.DataType` number (the `type` the binding reports in its
 * metadata); the same table onnxruntime-node keeps privately.
 */
const ORT_TYPE_BY_ELEMENT_TYPE: readonly (string | undefined)[] = [
  undefined,
  'float32',
  'uint8',
  'int8',
  'uint16',
  'int16',
  'int32',
  'int64',
  'string',
  'bool',
  'float16',
  'float64',
  'uint32',
  'uint64',
  undefined,
  undefined,
  'bfloat16',
  undefined,
  undefined,
  undefined,
  undefined,
  'uint4',
  'int4',
];

/** One input or output of a loaded session. */
export interface NativeValueMetadata {
  /** Name in the graph. */
  name: string;
  /** False for sequences and maps. */
  isTensor: boolean;
  /** ORT type name (`float32`, `string`, ...), or null when it has none we know. */
  type: string | null;
  /** Dimensions; -1 where symbolic or unknown. */
  shape: number[];
}

type NativeHandle = InstanceType<OrtBindingModule['binding']['InferenceSession']>;

/** A loaded session as the ONNX worker uses it: NativeSession, or PublicSession as the fallback. */
export interface OrtSession {
  /** Input names in graph order. */
  readonly inputNames: readonly string[];
  /** Output names in graph order. */
  readonly outputNames: readonly string[];
  /** Inputs' metadata. */
  readonly inputMetadata: readonly NativeValueMetadata[];
  /** Outputs' metadata. */
  readonly outputMetadata: readonly NativeValueMetadata[];
  /** Providers dropped from the options because onnxruntime-node has no backend for them. */
  readonly droppedProviders: readonly string[];
  /** Runs the model (synchronously for NativeSession); `fetches` empty = every output. */
  run(
    feeds: Record<string, ort.Tensor>,
    fetches: readonly string[],
  ): Record<string, ort.Tensor> | Promise<Record<string, ort.Tensor>>;
  /** Frees the session. */
  dispose(): void;
}

/** The checked binding, or a load error that names what is wrong with it. */
function checkedBinding(): OrtBindingModule {
  const check = loadOrtBinding();
  if (check.module !== null) return check.module;
  throw new ServerError(
    Status.INTERNAL,
    'ERR_ORT_BINDING',
    `onnxruntime-node's native binding is not what Nereid expects: ${check.problem}`,
  );
}

function toMetadata(raw: NativeHandle['inputMetadata'][number]): NativeValueMetadata {
  return {
    name: raw.name,
    isTensor: raw.isTensor,
    type: raw.isTensor ? (ORT_TYPE_BY_ELEMENT_TYPE[raw.type] ?? null) : null,
    shape: raw.isTensor ? raw.shape.map((d) => (d >= 0 ? d : -1)) : [],
  };
}

/** The execution providers onnxruntime-node can load on this platform (`cpu`, `cuda`, ...). */
function supportedProviders(binding: OrtBindingModule['binding']): Set<string> {
  return new Set(binding.listSupportedBackends().map((b) => b.name));
}

/** A loaded ONNX Runtime session that runs synchronously on the calling (worker) thread. */
export class NativeSession implements OrtSession {
  /** Input names in graph order. */
  readonly inputNames: readonly string[];
  /** Output names in graph order. */
  readonly outputNames: readonly string[];
  /** Inputs' metadata. */
  readonly inputMetadata: readonly NativeValueMetadata[];
  /** Outputs' metadata. */
  readonly outputMetadata: readonly NativeValueMetadata[];
  /** Providers dropped from the options because onnxruntime-node has no backend for them. */
  readonly droppedProviders: readonly string[];
  private readonly handle: NativeHandle;
  private readonly allFetches: Record<string, null>;

  /**
   * Loads `modelPath` with `options`; throws onnxruntime's own error (file missing, bad graph,
   * provider library missing, ...). Blocks the calling thread: workers only.
   */
  constructor(modelPath: string, options: ort.InferenceSession.SessionOptions) {
    const { binding, initOrt } = checkedBinding();
    initOrt();
    const supported = supportedProviders(binding);
    const dropped: string[] = [];
    const providers = (options.executionProviders ?? []).filter((p) => {
      const name = typeof p === 'string' ? p : p.name;
      if (supported.has(name)) return true;
      dropped.push(name);
      return false;
    });
    this.droppedProviders = dropped;
    if (providers.length === 0 && dropped.length > 0) {
      // As the public API does when no requested provider has a backend.
      throw new Error(
        `no available backend found. ERR: ${dropped.map((name) => `[${name}] backend not found.`).join(', ')}`,
      );
    }
    this.handle = new binding.InferenceSession();
    this.handle.loadModel(modelPath, { ...options, executionProviders: providers });
    this.inputMetadata = this.handle.inputMetadata.map(toMetadata);
    this.outputMetadata = this.handle.outputMetadata.map(toMetadata);
    this.inputNames = this.inputMetadata.map((m) => m.name);
    this.outputNames = this.outputMetadata.map((m) => m.name);
    this.allFetches = Object.fromEntries(this.outputNames.map((n) => [n, null]));
  }

  /**
   * Runs the model synchronously. `fetches` lists the outputs to compute (all when empty); every
   * name in it must be an output of the model. Returns the outputs by name.
   */
  run(feeds: Record<string, ort.Tensor>, fetches: readonly string[]): Record<string, ort.Tensor> {
    let wanted = this.allFetches;
    if (fetches.length > 0) {
      wanted = {};
      for (let i = 0; i < fetches.length; i++) wanted[fetches[i]!] = null;
    }
    // Without a third argument the binding uses the session's default run options instead of
    // building and parsing new ones on every call (~0.3 µs of a ~9.5 µs run of `simple`).
    const run = this.handle.run as (feeds: unknown, fetches: unknown) => unknown;
    return run.call(this.handle, feeds, wanted) as Record<string, ort.Tensor>;
  }

  /** Frees the native session. */
  dispose(): void {
    this.handle.dispose();
  }
}
