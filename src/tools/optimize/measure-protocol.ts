/**
 * Messages between the optimizer (main thread) and its measurement worker: how a session is opened,
 * the requests (run, time, observe, ranges) and their answers, and the tensor form they carry.
 * Types only, plus the worker's file name; no thread is started here.
 */

/** A tensor as exchanged with the worker: ORT type name, dims and a typed array. */
export interface WireTensor {
  /** Tensor name. */
  name: string;
  /** onnxruntime-node type name ('float32', 'int64', 'float16', ...). */
  type: string;
  /** Shape. */
  dims: number[];
  /** Values (Uint16Array of raw bits for float16, BigInt64Array for int64). */
  data: ArrayLike<number> | ArrayLike<bigint>;
}

/** A model input or output as ORT reports it. */
export interface ModelIo {
  /** Name. */
  name: string;
  /** ORT type name, or '' for non-tensors. */
  type: string;
  /** Dims: numbers, or strings / -1 for symbolic ones. */
  shape: (number | string)[];
}

/** What the worker is started with (workerData). */
export interface MeasureWorkerInit {
  /** The model's bytes or file path. */
  model: Uint8Array | string;
  /** ORT graph optimisation level; default 'all'. */
  graphOptimizationLevel: 'disabled' | 'basic' | 'extended' | 'layout' | 'all';
  /** Intra-op threads of the session. */
  intraOpNumThreads: number;
  /** When set, ORT writes the optimised model to this path while loading. */
  optimizedModelFilePath?: string;
}

/** A request to the worker. */
export type MeasureRequest =
  | { id: number; op: 'run'; feeds: WireTensor[]; fetch: string[] }
  | { id: number; op: 'time'; feeds: WireTensor[]; durationMs: number; minIterations: number; warmup: number }
  | { id: number; op: 'observe'; feeds: WireTensor[]; names: string[] }
  | { id: number; op: 'ranges'; method: 'minmax' | 'percentile'; percentile: number };

/** An answer from the worker (`error` set on failure). */
export interface MeasureResponse {
  /** The request id (-1 for the load answer). */
  id: number;
  /** Failure message, when the request failed. */
  error?: string;
  /** Outputs of `run`. */
  outputs?: WireTensor[];
  /** Per-run latencies of `time`, in milliseconds. */
  latenciesMs?: number[];
  /** [min, max] by tensor name from `ranges`. */
  ranges?: [string, [number, number]][];
  /** Model inputs (load answer). */
  inputs?: ModelIo[];
  /** Model outputs (load answer). */
  outputNames?: ModelIo[];
}

/** The worker entry, relative to this folder. */
export const MEASURE_WORKER_FILE = './measure-worker.js';
