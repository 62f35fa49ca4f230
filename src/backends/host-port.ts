/**
 * The worker side's channel to the main thread, whichever host runs it: `parentPort` and
 * `workerData` inside a worker thread, or the IPC channel and the init message inside a child
 * process (installed by serveInProcess, process-entry.ts). Kept on `globalThis` under a registered
 * symbol so that every copy of the model API a model imports finds the same channel.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { WorkerInit } from './worker-protocol.js';

/** Sends messages to the main thread and receives its messages. */
export interface HostPort {
  /**
   * True when messages are copied (a child process): transferred buffers stay with the sender,
   * so there is no point in handing input buffers back for reuse.
   */
  readonly copies: boolean;
  /** Sends a message; `transfer` buffers move with it when the port can move them. */
  postMessage(message: unknown, transfer?: ArrayBuffer[]): void;
  /** Listens to the main thread's messages. */
  on(event: 'message', listener: (message: any) => void): unknown;
}

/** What serveInProcess installs on globalThis. */
interface InstalledHost {
  port: HostPort;
  init: WorkerInit;
}

const HOST_KEY = Symbol.for('nereid.backend.hostPort');

/** Installs the process host's port and init (process-entry.ts); threads never call it. */
export function installHostPort(port: HostPort, init: WorkerInit): void {
  (globalThis as Record<symbol, InstalledHost | undefined>)[HOST_KEY] = { port, init };
}

function installed(): InstalledHost | undefined {
  return (globalThis as Record<symbol, InstalledHost | undefined>)[HOST_KEY];
}

/** A worker thread's parentPort as a HostPort. */
class ThreadPort implements HostPort {
  readonly copies = false;
  constructor(private readonly port: NonNullable<typeof parentPort>) {}

  postMessage(message: unknown, transfer?: ArrayBuffer[]): void {
    this.port.postMessage(message, transfer);
  }

  on(event: 'message', listener: (message: any) => void): unknown {
    return this.port.on(event, listener);
  }
}

let threadPort: ThreadPort | null = null;

/** The channel to the main thread, or null outside a model worker (e.g. in a model's unit test). */
export function hostPort(): HostPort | null {
  const host = installed();
  if (host !== undefined) return host.port;
  if (parentPort === null) return null;
  threadPort ??= new ThreadPort(parentPort);
  return threadPort;
}

/** The init data the main thread started this worker with. */
export function hostInit<TOptions>(): WorkerInit<TOptions> {
  return (installed()?.init ?? workerData) as WorkerInit<TOptions>;
}
