/**
 * WorkerHost: what a WorkerInstance needs from the thing that runs its worker entry, the part of
 * node's Worker it uses. A worker thread is the default host (threadHost); process-host.ts runs
 * the same entry in a child process. Messages, their order and meaning are the same on both;
 * nothing here knows the protocol (worker-protocol.ts) or any model framework.
 */
import type { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import type { WorkerInit } from './worker-protocol.js';

/** A running worker entry (thread or process) as WorkerInstance drives it. */
export interface WorkerHost {
  /** Thread id or process id, for logs. */
  readonly threadId: number;
  /** The entry's stdout and stderr, read as log lines. */
  readonly stdout: Readable;
  readonly stderr: Readable;
  /**
   * Sends a message. Thread hosts move the `transfer` buffers (detached here); process hosts copy
   * the whole message and leave the buffers as they were.
   */
  postMessage(message: unknown, transfer: ArrayBuffer[]): void;
  /** Ends the entry at once (even inside a busy loop); resolves once it has exited. */
  terminate(): Promise<unknown>;
  /** 'message' (one message), 'error' (an uncaught error, before 'exit'), 'exit' (the exit code). */
  on(event: 'message', listener: (message: any) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  /** Why the entry exited with `code`, for error messages; absent: "worker exited with code N". */
  describeExit?(code: number): string;
}

/** Starts a worker entry with its init data; the host kinds WorkerInstance can run on. */
export type WorkerHostFactory = (workerUrl: URL, init: WorkerInit) => WorkerHost;

/** Options of threadHost. */
export interface ThreadHostOptions {
  /** V8 old-generation heap limit of the thread in MB (the thread alone dies past it); 0 = none. Default 0. */
  maxOldGenerationSizeMb?: number;
}

/** A factory of worker-thread hosts (the default). */
export function threadHost(options: ThreadHostOptions = {}): WorkerHostFactory {
  const maxOld = options.maxOldGenerationSizeMb ?? 0;
  return (workerUrl, init) =>
    new Worker(workerUrl, {
      workerData: init,
      stdout: true,
      stderr: true,
      ...(maxOld > 0 ? { resourceLimits: { maxOldGenerationSizeMb: maxOld } } : {}),
    });
}
