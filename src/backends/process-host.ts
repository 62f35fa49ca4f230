/**
 * ProcessHost: runs a worker entry in a child process instead of a thread (process isolation), as
 * a WorkerHost, so WorkerInstance drives it unchanged. The child is forked with an IPC channel in
 * V8 ("advanced") serialization, which carries the worker protocol's messages and their
 * ArrayBuffers as they are (copied, not transferred); it has its own heap limit and a minimal
 * environment, and it is killed when this process exits. The child side is process-entry.ts.
 * Shared memory (the ring transport) cannot cross processes, so it is refused here.
 */
import { type ChildProcess, fork, type Serializable } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { ServerError, Status } from '../common/index.js';
import type { WorkerHost, WorkerHostFactory } from './worker-host.js';
import { MessageType, type WorkerInit } from './worker-protocol.js';

/** Options of processHost. */
export interface ProcessHostOptions {
  /** The compiled child entry (a module calling serveInProcess), e.g. js-process.js. */
  entryUrl: URL;
  /** V8 old-space limit of the child in MB (`--max-old-space-size`); 0 = node's default. Default 0. */
  maxOldSpaceMb?: number;
  /** The child's whole environment (nothing of this process's is passed unless listed). Default {}. */
  env?: Readonly<Record<string, string>>;
}

/** Environment variables a child process gets from the server's environment by default. */
export const DEFAULT_CHILD_ENV: readonly string[] = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR'];

/**
 * The environment of a child process: DEFAULT_CHILD_ENV and the `extra` names, with the values
 * they have in `from` (names absent there are left out).
 */
export function childEnvironment(
  extra: readonly string[],
  from: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of [...DEFAULT_CHILD_ENV, ...extra]) {
    const value = from[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/** Live children, killed when this process exits however it exits (bar SIGKILL: see process-entry.ts). */
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

function killLiveChildren(): void {
  for (const child of liveChildren) child.kill('SIGKILL');
}

/** Ms to wait after a child's exit for its stdio to close (its last stderr lines say why it died). */
const STDIO_DRAIN_MS = 200;

const OUT_OF_MEMORY = /JavaScript heap out of memory|Reached heap limit/;

function ignoreSendError(): void {
  // The child is gone: its 'exit' event reports it.
}

/** One child process running a worker entry. */
class ProcessHost extends EventEmitter implements WorkerHost {
  readonly threadId: number;
  readonly stdout: Readable;
  readonly stderr: Readable;
  private readonly child: ChildProcess;
  private readonly maxOldSpaceMb: number;
  private exitSignal: NodeJS.Signals | null = null;
  private outOfMemory = false;
  private exited = false;
  private readonly exitedPromise: Promise<void>;
  private resolveExited: () => void = noop;

  constructor(options: ProcessHostOptions, init: WorkerInit) {
    super();
    if (init.rings !== null) {
      throw new ServerError(
        Status.INTERNAL,
        'ERR_PROCESS_HOST_SHARED_MEMORY',
        `Instance "${init.instanceName}" of model "${init.modelName}" cannot run in a child process: it needs shared memory (ring transport)`,
      );
    }
    this.maxOldSpaceMb = options.maxOldSpaceMb ?? 0;
    this.exitedPromise = new Promise((resolve) => {
      this.resolveExited = resolve;
    });
    this.child = fork(fileURLToPath(options.entryUrl), [], {
      execArgv: this.maxOldSpaceMb > 0 ? [`--max-old-space-size=${this.maxOldSpaceMb}`] : [],
      env: { ...options.env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    liveChildren.add(this.child);
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.on('exit', killLiveChildren);
    }
    this.threadId = this.child.pid ?? -1;
    this.stdout = this.child.stdout!;
    this.stderr = this.child.stderr!;
    this.stderr.on('data', this.onStderr);
    this.child.on('message', this.onChildMessage);
    this.child.on('error', this.onChildError);
    this.child.on('exit', this.onChildExit);
    this.child.send(init, undefined, undefined, ignoreSendError);
  }

  postMessage(message: unknown): void {
    if (this.child.connected) this.child.send(message as Serializable, undefined, undefined, ignoreSendError);
  }

  terminate(): Promise<void> {
    if (!this.exited) this.child.kill('SIGKILL');
    return this.exitedPromise;
  }

  describeExit(code: number): string {
    if (this.outOfMemory) {
      return this.maxOldSpaceMb > 0
        ? `process ran out of memory (heap limit ${this.maxOldSpaceMb} MB)`
        : 'process ran out of memory';
    }
    if (this.exitSignal !== null) return `process was killed by ${this.exitSignal}`;
    return `process exited with code ${code}`;
  }

  private readonly onStderr = (chunk: Buffer | string): void => {
    if (!this.outOfMemory && OUT_OF_MEMORY.test(String(chunk))) this.outOfMemory = true;
  };

  private readonly onChildMessage = (message: { type?: number; message?: string }): void => {
    if (message?.type === MessageType.FATAL) {
      this.emit('error', new Error(String(message.message)));
      return;
    }
    this.emit('message', message);
  };

  private readonly onChildError = (err: Error): void => {
    // Spawning failed (no 'exit' follows) or a signal could not be sent.
    if (this.child.pid === undefined && !this.exited) {
      this.emit('error', err);
      this.finish(1);
    }
  };

  private readonly onChildExit = (code: number | null, signal: NodeJS.Signals | null): void => {
    this.exitSignal = signal;
    const exitCode = code ?? 1;
    if (this.stderr.readableEnded) {
      this.finish(exitCode);
      return;
    }
    const timer = setTimeout(this.finish, STDIO_DRAIN_MS, exitCode);
    this.stderr.once('end', () => {
      clearTimeout(timer);
      this.finish(exitCode);
    });
  };

  private readonly finish = (code: number): void => {
    if (this.exited) return;
    this.exited = true;
    liveChildren.delete(this.child);
    this.emit('exit', code);
    this.resolveExited();
  };
}

function noop(): void {}

/** A factory of child-process hosts running `options.entryUrl`. */
export function processHost(options: ProcessHostOptions): WorkerHostFactory {
  return (_workerUrl, init) => new ProcessHost(options, init);
}
