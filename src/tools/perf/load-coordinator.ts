/**
 * The main-thread side of load generation: starts N load worker threads, splits a concurrency
 * or a request rate over them, closes measurement windows on all of them at once ("rotate") and
 * gathers their samples, and stops them, summing their totals. It measures nothing itself;
 * turning samples into statistics is window-stats.ts's job.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { internal } from '../../common/index.js';
import type { LoadJob, WindowSample, WorkerCommand, WorkerMessage, WorkerTotals } from './worker-protocol.js';

/** A job without the per-worker fields the coordinator fills in. */
export type LoadJobTemplate = Omit<LoadJob, 'workerIndex' | 'seed' | 'sequence'> & {
  /** Sequence settings for the whole run (ids and sequence count are split over workers), or null. */
  sequence: LoadJob['sequence'];
};

/** The compiled worker entry: next to this module, or under dist/ when running from sources. */
export function loadWorkerUrl(): URL {
  const sibling = new URL('./load-worker.js', import.meta.url);
  const path = fileURLToPath(sibling);
  if (existsSync(path)) return sibling;
  const marker = '/src/tools/perf/';
  const at = path.lastIndexOf(marker);
  const compiled = at < 0 ? path : `${path.slice(0, at)}/dist${path.slice(at)}`;
  if (existsSync(compiled)) return pathToFileURL(compiled);
  throw internal(
    'ERR_PERF_WORKER_NOT_BUILT',
    `Cannot find the perf worker script "${path}" nor "${compiled}": run "npm run build"`,
  );
}

/** Splits `total` into `parts` integers that differ by at most one. */
export function splitEvenly(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}

interface Pending<T> {
  resolve: (value: T) => void;
  reject: (err: Error) => void;
}

interface WorkerHandle {
  worker: Worker;
  waiting: Map<number, Pending<WindowSample>>;
  stopped: Pending<WorkerTotals> | null;
}

/** N load workers driven together (see the file header). */
export class LoadCoordinator {
  private readonly handles: WorkerHandle[];
  private rotateId = 0;
  private failure: Error | null = null;
  private readonly failureListeners: ((err: Error) => void)[] = [];

  private constructor(handles: WorkerHandle[]) {
    this.handles = handles;
  }

  /** Starts `threads` workers on `template` and waits until each has its client ready. */
  static async start(template: LoadJobTemplate, threads: number, seed = 1): Promise<LoadCoordinator> {
    const url = loadWorkerUrl();
    const handles: WorkerHandle[] = [];
    const seq = template.sequence;
    const idSpan = seq === null ? 0 : Math.floor((seq.idEnd - seq.idStart) / threads);
    const counts = seq === null ? [] : splitEvenly(seq.count, threads);
    const ready: Promise<void>[] = [];
    for (let i = 0; i < threads; i++) {
      const job: LoadJob = {
        ...template,
        workerIndex: i,
        seed: seed * 7919 + i,
        sequence:
          seq === null
            ? null
            : {
                ...seq,
                idStart: seq.idStart + i * idSpan,
                idEnd: seq.idStart + (i + 1) * idSpan,
                count: Math.max(1, counts[i]!),
              },
      };
      const worker = new Worker(url, { workerData: job });
      const handle: WorkerHandle = { worker, waiting: new Map(), stopped: null };
      handles.push(handle);
      ready.push(
        new Promise<void>((resolve, reject) => {
          worker.once('message', (m: WorkerMessage) =>
            m.type === 'ready' ? resolve() : reject(new Error(m.type === 'failed' ? m.message : m.type)),
          );
          worker.once('error', reject);
        }),
      );
    }
    try {
      await Promise.all(ready);
    } catch (err) {
      await Promise.all(handles.map((h) => h.worker.terminate()));
      throw internal('ERR_PERF_WORKER', `A perf load worker failed to start: ${(err as Error).message}`, err);
    }
    const coordinator = new LoadCoordinator(handles);
    for (const handle of handles) coordinator.listen(handle);
    return coordinator;
  }

  /** Number of worker threads. */
  get threads(): number {
    return this.handles.length;
  }

  /** Calls `listener` when a worker fails (once per failure). */
  onFailure(listener: (err: Error) => void): void {
    this.failureListeners.push(listener);
  }

  /** Keeps `total` requests in flight over all workers. */
  setConcurrency(total: number): void {
    const per = splitEvenly(total, this.handles.length);
    for (let i = 0; i < this.handles.length; i++) {
      this.send(this.handles[i]!, { type: 'concurrency', slots: per[i]! });
    }
  }

  /** Sends `perSecond` requests per second over all workers. */
  setRate(perSecond: number, distribution: 'constant' | 'poisson'): void {
    const per = perSecond / this.handles.length;
    for (const h of this.handles) this.send(h, { type: 'rate', perSecond: per, distribution });
  }

  /** Closes the current window on every worker and returns their samples. */
  rotate(): Promise<WindowSample[]> {
    if (this.failure !== null) return Promise.reject(this.failure);
    const id = ++this.rotateId;
    return Promise.all(
      this.handles.map(
        (h) =>
          new Promise<WindowSample>((resolve, reject) => {
            h.waiting.set(id, { resolve, reject });
            this.send(h, { type: 'rotate', id });
          }),
      ),
    );
  }

  /** Stops every worker after its in-flight requests finish; returns the summed totals. */
  async stop(): Promise<WorkerTotals> {
    if (this.failure !== null) throw this.failure;
    const all = await Promise.all(
      this.handles.map(
        (h) =>
          new Promise<WorkerTotals>((resolve, reject) => {
            h.stopped = { resolve, reject };
            this.send(h, { type: 'stop' });
          }),
      ),
    );
    await this.terminate();
    const sum: WorkerTotals = { sent: 0, completed: 0, errors: 0, responses: 0 };
    for (const t of all) {
      sum.sent += t.sent;
      sum.completed += t.completed;
      sum.errors += t.errors;
      sum.responses += t.responses;
    }
    return sum;
  }

  /** Terminates every worker at once (requests in flight are dropped). */
  async terminate(): Promise<void> {
    await Promise.all(this.handles.map((h) => h.worker.terminate()));
  }

  private send(handle: WorkerHandle, command: WorkerCommand): void {
    handle.worker.postMessage(command);
  }

  private listen(handle: WorkerHandle): void {
    handle.worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'window') {
        const pending = handle.waiting.get(m.id);
        handle.waiting.delete(m.id);
        pending?.resolve(m.sample);
      } else if (m.type === 'stopped') {
        handle.stopped?.resolve(m.totals);
      } else if (m.type === 'failed') {
        this.fail(new Error(m.message));
      }
    });
    handle.worker.on('error', (err) => this.fail(err));
  }

  private fail(err: Error): void {
    if (this.failure !== null) return;
    this.failure = internal('ERR_PERF_WORKER', `A perf load worker failed: ${err.message}`, err);
    for (const handle of this.handles) {
      for (const pending of handle.waiting.values()) pending.reject(this.failure);
      handle.waiting.clear();
      handle.stopped?.reject(this.failure);
    }
    for (const listener of this.failureListeners) listener(this.failure);
  }
}
