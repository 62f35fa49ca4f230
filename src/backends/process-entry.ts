/**
 * The child-process side of a process host (process-host.ts): waits for the init message on the
 * IPC channel, installs it as the worker's HostPort (host-port.ts), then starts the worker entry,
 * which runs exactly as it would on a thread. It also makes sure the process never outlives the
 * server: it exits when the channel closes, and a watchdog thread kills it when its parent
 * changes (the server died while the model was stuck in a busy loop and the channel event could
 * not run). Runs only in a child process forked by ProcessHost.
 */
import { Worker } from 'node:worker_threads';
import { type HostPort, installHostPort } from './host-port.js';
import { type FatalMessage, MessageType, type WorkerInit } from './worker-protocol.js';

/** How often (ms) the watchdog thread checks that the parent process is still the one that forked it. */
export const PARENT_CHECK_INTERVAL_MS = 250;

// A CommonJS script for an eval'd worker thread: once the parent is gone the process is
// re-parented (to init or a subreaper) and process.ppid changes; SIGKILL ends the whole process
// even when its main thread is stuck, which process.exit from this thread could not.
const WATCHDOG_SOURCE = `
const { workerData } = require('node:worker_threads');
setInterval(() => {
  if (process.ppid !== workerData.ppid) process.kill(process.pid, 'SIGKILL');
}, workerData.intervalMs);
`;

function ignoreSendError(): void {
  // The parent is gone: the disconnect handler ends this process.
}

/** The IPC channel as a HostPort (messages are copied with V8 serialization). */
class ProcessPort implements HostPort {
  readonly copies = true;

  postMessage(message: unknown): void {
    if (process.connected) process.send!(message, undefined, undefined, ignoreSendError);
  }

  on(event: 'message', listener: (message: any) => void): unknown {
    return process.on(event, listener);
  }
}

function reportFatal(err: unknown): void {
  const message: FatalMessage = {
    type: MessageType.FATAL,
    message: err instanceof Error ? err.message : String(err),
  };
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  if (process.connected) process.send!(message, undefined, undefined, () => process.exit(1));
  else process.exit(1);
}

/** Waits for the init message, then calls `start` (the worker entry) with the port installed. */
export function serveInProcess(start: () => void): void {
  if (typeof process.send !== 'function') {
    throw new Error('A process-host entry must run in a child process forked with an IPC channel');
  }
  process.on('disconnect', () => process.exit(0));
  process.on('uncaughtException', reportFatal);
  const watchdog = new Worker(WATCHDOG_SOURCE, {
    eval: true,
    workerData: { ppid: process.ppid, intervalMs: PARENT_CHECK_INTERVAL_MS },
  });
  watchdog.unref();
  process.once('message', (init: WorkerInit) => {
    installHostPort(new ProcessPort(), init);
    start();
  });
}
