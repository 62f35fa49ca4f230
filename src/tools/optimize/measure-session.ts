/**
 * MeasureSession: the main-thread handle of one model loaded in a measurement worker (see
 * measure-worker.ts). It runs inputs, times runs, collects calibration ranges and closes the
 * worker; requests are answered in order. It never loads ONNX Runtime on the calling thread.
 */
import { Worker } from 'node:worker_threads';
import { internal, resolveWorkerUrl } from '../../common/index.js';
import {
  MEASURE_WORKER_FILE,
  type MeasureRequest,
  type MeasureResponse,
  type MeasureWorkerInit,
  type ModelIo,
  type WireTensor,
} from './measure-protocol.js';
import type { CalibrationMethod } from './quantize-math.js';

/** Options of `MeasureSession.open`. */
export interface MeasureSessionOptions {
  /** ORT graph optimisation level; default 'all'. */
  graphOptimizationLevel?: MeasureWorkerInit['graphOptimizationLevel'];
  /** Intra-op threads; default 1 (two sessions measured side by side on a shared machine). */
  intraOpNumThreads?: number;
  /** Write ORT's optimised model to this path while loading; default none. */
  optimizedModelFilePath?: string;
  /** Label used in error messages; default 'model'. */
  label?: string;
}

type Pending = { resolve: (r: MeasureResponse) => void; reject: (e: Error) => void };

/** One model in its own worker thread. */
export class MeasureSession {
  /** Model inputs as ORT reports them. */
  readonly inputs: ModelIo[];
  /** Model outputs as ORT reports them, in session order. */
  readonly outputs: ModelIo[];
  private readonly worker: Worker;
  private readonly label: string;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  private constructor(worker: Worker, label: string, ready: MeasureResponse) {
    this.worker = worker;
    this.label = label;
    this.inputs = ready.inputs ?? [];
    this.outputs = ready.outputNames ?? [];
    worker.on('message', (res: MeasureResponse) => {
      const p = this.pending.get(res.id);
      if (!p) return;
      this.pending.delete(res.id);
      if (res.error !== undefined)
        p.reject(internal('ERR_OPTIMIZE_RUN', `Cannot run ${this.label}: ${res.error}`));
      else p.resolve(res);
    });
    worker.on('error', (err) => this.failAll(err));
    worker.on('exit', () => this.failAll(new Error('the worker exited')));
  }

  /** Loads `model` (bytes or path) in a new worker; throws ERR_OPTIMIZE_LOAD when ORT rejects it */
  static async open(
    model: Uint8Array | string,
    options: MeasureSessionOptions = {},
  ): Promise<MeasureSession> {
    const label = options.label ?? 'model';
    const init: MeasureWorkerInit = {
      model,
      graphOptimizationLevel: options.graphOptimizationLevel ?? 'all',
      intraOpNumThreads: options.intraOpNumThreads ?? 1,
    };
    if (options.optimizedModelFilePath) init.optimizedModelFilePath = options.optimizedModelFilePath;
    const worker = new Worker(resolveWorkerUrl(MEASURE_WORKER_FILE, import.meta.url), { workerData: init });
    const ready = await new Promise<MeasureResponse>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    if (ready.error !== undefined) {
      await worker.terminate();
      throw internal('ERR_OPTIMIZE_LOAD', `Cannot load ${label} in ONNX Runtime: ${ready.error}`);
    }
    return new MeasureSession(worker, label, ready);
  }

  /** Runs `feeds` and returns the outputs named in `fetch` (all, in session order, when empty). */
  async run(feeds: WireTensor[], fetch: string[] = []): Promise<WireTensor[]> {
    return (await this.request({ id: 0, op: 'run', feeds, fetch })).outputs ?? [];
  }

  /** Runs `feeds` repeatedly for at least `durationMs` and `minIterations`; per-run latencies in ms. */
  async time(feeds: WireTensor[], durationMs: number, minIterations = 5, warmup = 2): Promise<number[]> {
    return (
      (await this.request({ id: 0, op: 'time', feeds, durationMs, minIterations, warmup })).latenciesMs ?? []
    );
  }

  /** Runs `feeds` and adds the values of tensors `names` to the calibration statistics. */
  async observe(feeds: WireTensor[], names: string[]): Promise<void> {
    await this.request({ id: 0, op: 'observe', feeds, names });
  }

  /** The calibrated [min, max] of each observed tensor. */
  async ranges(method: CalibrationMethod, percentile = 99.99): Promise<Map<string, [number, number]>> {
    const res = await this.request({ id: 0, op: 'ranges', method, percentile });
    return new Map(res.ranges ?? []);
  }

  /** Stops the worker. */
  async close(): Promise<void> {
    await this.worker.terminate();
  }

  private request(req: MeasureRequest): Promise<MeasureResponse> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...req, id });
    });
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values())
      p.reject(internal('ERR_OPTIMIZE_RUN', `Cannot run ${this.label}: ${err.message}`));
    this.pending.clear();
  }
}
