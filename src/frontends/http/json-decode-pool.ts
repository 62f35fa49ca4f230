/**
 * The pool of worker threads that decode large JSON inference bodies off the main thread, shared
 * by every model of an HTTP frontend. A body goes to the thread holding the fewest bytes, its
 * ArrayBuffer transferred; the decoded request comes back with its tensors' buffers transferred.
 * The bytes the pool holds are bounded (503 + Retry-After past the bound), threads start at the
 * first body, and a thread that dies fails its bodies with 503 and is replaced at the next one.
 * Which bodies come here is the exchange's choice (minBytes); decoding rules are protocol's.
 * Bodies headed here are received into reusable SharedArrayBuffers (borrowBody): no fresh 0.5 MB
 * buffer, no chunk concatenation and no transfer per body, and the buffer comes back with the reply.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import {
  invalidArg,
  resolveWorkerUrl,
  reviveServerError,
  type ServerError,
  unavailable,
} from '../../common/index.js';
import { DEFAULT_JSON_SCAN_MIN_BYTES, type DecodedHttpInferRequest } from '../../protocol/index.js';
import { nonNegative } from './http-limits.js';
import type { JsonDecodeJob, JsonDecodeReply } from './json-decode-messages.js';

/**
 * Default smallest JSON part (bytes) decoded in the pool: below it the hand-off (two messages and
 * a thread switch, ~0.1 ms) costs about what decoding saves (bench:json, BENCHMARKS.md).
 */
export const DEFAULT_JSON_DECODE_MIN_BYTES = 32 * 1024;

/** Most threads the default pool size takes, however many cores there are. */
export const MAX_DEFAULT_JSON_DECODE_THREADS = 4;

/**
 * Most bytes of free receive buffers kept for reuse: 56 buffers of a 543 KB image, more than a
 * few dozen connections keep in flight at once. Past it, returned buffers are dropped.
 */
export const MAX_FREE_BODY_BYTES = 32 * 1024 * 1024;

/** Largest receive buffer kept for reuse (bytes); larger bodies get a buffer of their own. */
export const MAX_POOLED_BODY_BYTES = 4 * 1024 * 1024;

/** Receive buffer sizes are rounded up to this (bytes), so one buffer fits bodies of near sizes. */
const BODY_BUFFER_GRAIN_BYTES = 64 * 1024;

/** Seconds a client refused by a full or failed pool is told to wait (`Retry-After`). */
export const JSON_DECODE_RETRY_AFTER_S = 1;

/** The default pool size: one thread per core, at most MAX_DEFAULT_JSON_DECODE_THREADS. */
export function defaultJsonDecodeThreads(): number {
  return Math.max(1, Math.min(MAX_DEFAULT_JSON_DECODE_THREADS, availableParallelism()));
}

/** Options of the decode pool (HttpFrontendOptions carries them). */
export interface JsonDecodePoolOptions {
  /** Worker threads [--http-json-decode-threads]; default (and -1) defaultJsonDecodeThreads(); 0 = no pool. */
  jsonDecodeThreads?: number;
  /** Smallest JSON part, bytes, decoded in the pool [--http-json-decode-min-bytes]; default DEFAULT_JSON_DECODE_MIN_BYTES. */
  jsonDecodeMinBytes?: number;
  /** Most body bytes the pool holds at once [--http-json-decode-max-bytes]; default (and 0) 2 × --http-max-input-size. */
  jsonDecodeMaxBytes?: number;
  /**
   * Smallest JSON part, bytes, whose tensor `data` is read by the byte scanner, on either thread
   * (no flag: tests set +Infinity to compare with JSON.parse); default DEFAULT_JSON_SCAN_MIN_BYTES.
   */
  jsonScanMinBytes?: number;
}

/** The resolved pool settings. */
export interface ResolvedJsonDecodePool {
  /** Worker threads; 0 = every body is decoded on the main thread. */
  readonly threads: number;
  /** Smallest JSON part, bytes, decoded in the pool. */
  readonly minBytes: number;
  /** Most body bytes the pool holds at once. */
  readonly maxBytes: number;
  /** Smallest JSON part, bytes, read by the byte scanner (+Infinity: never). */
  readonly scanMinBytes: number;
}

/** Validates and defaults the pool options; `maxInputSizeBytes` is --http-max-input-size. */
export function resolveJsonDecodePool(
  options: JsonDecodePoolOptions,
  maxInputSizeBytes: number,
): ResolvedJsonDecodePool {
  const requested = options.jsonDecodeThreads ?? -1;
  const threads =
    requested === -1 ? defaultJsonDecodeThreads() : nonNegative('--http-json-decode-threads', requested);
  const minBytes = nonNegative(
    '--http-json-decode-min-bytes',
    options.jsonDecodeMinBytes ?? DEFAULT_JSON_DECODE_MIN_BYTES,
  );
  const maxBytes =
    nonNegative('--http-json-decode-max-bytes', options.jsonDecodeMaxBytes ?? 0) || 2 * maxInputSizeBytes;
  if (maxBytes < maxInputSizeBytes) {
    throw invalidArg(
      'ERR_BAD_HTTP_LIMIT',
      `--http-json-decode-max-bytes must be >= --http-max-input-size: received ${maxBytes} < ${maxInputSizeBytes}`,
    );
  }
  const scanMinBytes = options.jsonScanMinBytes ?? DEFAULT_JSON_SCAN_MIN_BYTES;
  if (!(scanMinBytes >= 0)) {
    throw invalidArg('ERR_BAD_HTTP_LIMIT', `jsonScanMinBytes must be >= 0: received ${scanMinBytes}`);
  }
  return { threads, minBytes, maxBytes, scanMinBytes };
}

/** Receives the outcome of one body: exactly one of the two is called, once. */
export interface JsonDecodeSink {
  /** The body decoded; its tensors' bytes are now owned by the main thread. */
  onDecoded(request: DecodedHttpInferRequest): void;
  /** Decoding refused the body (same error as the main thread's decoder) or its thread died (503). */
  onDecodeError(err: ServerError): void;
}

/** The compiled worker entry: next to this module, or under dist/ when running from sources. */
function decodeWorkerUrl(): URL {
  return resolveWorkerUrl('./json-decode-worker.js', import.meta.url);
}

/** A body in a thread: whom to answer, how many bytes it holds, its shared receive buffer if any. */
class PendingDecode {
  constructor(
    readonly sink: JsonDecodeSink,
    readonly bytes: number,
    readonly shared: SharedArrayBuffer | null,
  ) {}
}

/** One worker thread and the bodies it holds. */
class DecodeThread {
  readonly worker: Worker;
  readonly pending = new Map<number, PendingDecode>();
  heldBytes = 0;
  /** The uncaught error that killed the thread, if any (named in the 503). */
  failure: Error | null = null;

  constructor(url: URL) {
    this.worker = new Worker(url);
    // Idle threads must not keep the process alive; the HTTP server does that.
    this.worker.unref();
  }
}

/** The pool. */
export class JsonDecodePool {
  /** The resolved settings. */
  readonly settings: ResolvedJsonDecodePool;
  /** Body bytes held by the threads now (of settings.maxBytes). */
  heldBytes: number;
  private readonly slots: (DecodeThread | null)[];
  private url: URL | null;
  private nextId: number;
  private closed: boolean;
  /** Receive buffers back from the threads, ready for the next body. */
  private readonly freeBodies: SharedArrayBuffer[];
  /** Bytes of freeBodies (at most MAX_FREE_BODY_BYTES). */
  private freeBodyBytes: number;

  constructor(settings: ResolvedJsonDecodePool) {
    this.settings = settings;
    this.heldBytes = 0;
    this.freeBodies = [];
    this.freeBodyBytes = 0;
    this.slots = new Array<DecodeThread | null>(settings.threads).fill(null);
    this.url = null;
    this.nextId = 1;
    this.closed = false;
  }

  /** Bodies being decoded now. */
  get pendingDecodes(): number {
    let n = 0;
    for (const t of this.slots) if (t !== null) n += t.pending.size;
    return n;
  }

  /** Receive buffers ready for reuse (diagnostics and tests). */
  get freeBodyBuffers(): number {
    return this.freeBodies.length;
  }

  /** The running worker threads (diagnostics and tests). */
  get workers(): readonly Worker[] {
    const list: Worker[] = [];
    for (const t of this.slots) if (t !== null) list.push(t.worker);
    return list;
  }

  /**
   * A buffer of exactly `bytes` bytes to receive a body headed here into (collectBody), over a
   * reused SharedArrayBuffer. Whoever holds it owns it: decode() hands it to a thread and takes
   * the memory back when the thread answers; a body that never comes here just drops it. The
   * in-flight byte budget still counts the body's bytes as they arrive.
   */
  borrowBody(bytes: number): Buffer {
    const free = this.freeBodies;
    for (let i = free.length - 1; i >= 0; i--) {
      const sab = free[i]!;
      if (sab.byteLength >= bytes) {
        free[i] = free[free.length - 1]!;
        free.pop();
        this.freeBodyBytes -= sab.byteLength;
        return Buffer.from(sab, 0, bytes);
      }
    }
    const capacity = Math.ceil(bytes / BODY_BUFFER_GRAIN_BYTES) * BODY_BUFFER_GRAIN_BYTES;
    return Buffer.from(new SharedArrayBuffer(Math.max(capacity, BODY_BUFFER_GRAIN_BYTES)), 0, bytes);
  }

  /** Keeps a receive buffer a thread is done with for the next body, within MAX_FREE_BODY_BYTES. */
  private returnBody(sab: SharedArrayBuffer): void {
    if (sab.byteLength > MAX_POOLED_BODY_BYTES || this.closed) return;
    if (this.freeBodyBytes + sab.byteLength > MAX_FREE_BODY_BYTES) return;
    this.freeBodies.push(sab);
    this.freeBodyBytes += sab.byteLength;
  }

  /**
   * Sends `body` to the least loaded thread; `sink` hears the outcome. A body over a
   * SharedArrayBuffer (borrowBody) is shared with the thread and its buffer reused after the
   * answer; any other body's ArrayBuffer is transferred (copied first when `body` does not own all
   * of it). Either way the caller must not read `body` afterwards. Throws UNAVAILABLE
   * (ERR_JSON_DECODE_BUSY, Retry-After) when the pool holds too many bytes to take it.
   */
  decode(body: Uint8Array, headerLength: number | undefined, modelName: string, sink: JsonDecodeSink): void {
    const bytes = body.length;
    if (this.closed || this.heldBytes + bytes > this.settings.maxBytes) {
      throw unavailable(
        'ERR_JSON_DECODE_BUSY',
        `Cannot decode a ${bytes}-byte JSON request body now: ${this.heldBytes} of ${this.settings.maxBytes} bytes are being decoded (--http-json-decode-max-bytes)`,
        JSON_DECODE_RETRY_AFTER_S,
      );
    }
    const thread = this.leastLoaded();
    const id = this.nextId++;
    const shared = body.buffer instanceof SharedArrayBuffer ? body.buffer : null;
    const owned =
      shared !== null || (body.byteOffset === 0 && body.byteLength === body.buffer.byteLength)
        ? body
        : new Uint8Array(body);
    const job: JsonDecodeJob = {
      id,
      body: owned,
      headerLength,
      modelName,
      scanMinBytes: this.settings.scanMinBytes,
    };
    thread.pending.set(id, new PendingDecode(sink, bytes, shared));
    thread.heldBytes += bytes;
    this.heldBytes += bytes;
    if (shared !== null) thread.worker.postMessage(job);
    else thread.worker.postMessage(job, [owned.buffer as ArrayBuffer]);
  }

  /** Stops the threads; bodies still in them are answered 503. */
  async close(): Promise<void> {
    this.closed = true;
    const running = this.workers;
    await Promise.all(running.map((w) => w.terminate()));
  }

  private leastLoaded(): DecodeThread {
    let best = -1;
    let bestBytes = Number.POSITIVE_INFINITY;
    for (let i = 0; i < this.slots.length; i++) {
      const t = this.slots[i]!;
      // A free slot (never started, or its thread died) is the least loaded of all.
      if (t === null) {
        best = i;
        break;
      }
      if (t.heldBytes < bestBytes) {
        best = i;
        bestBytes = t.heldBytes;
      }
    }
    return this.slots[best] ?? this.start(best);
  }

  private start(slot: number): DecodeThread {
    this.url ??= decodeWorkerUrl();
    const thread = new DecodeThread(this.url);
    this.slots[slot] = thread;
    thread.worker.on('message', (reply: JsonDecodeReply) => this.onReply(thread, reply));
    thread.worker.on('error', (err: Error) => {
      thread.failure = err;
    });
    thread.worker.on('exit', (code: number) => this.onExit(slot, thread, code));
    return thread;
  }

  private onReply(thread: DecodeThread, reply: JsonDecodeReply): void {
    const pending = thread.pending.get(reply.id);
    if (pending === undefined) return;
    thread.pending.delete(reply.id);
    thread.heldBytes -= pending.bytes;
    this.heldBytes -= pending.bytes;
    // The thread copied out whatever it returns: the receive buffer is free again.
    if (pending.shared !== null) this.returnBody(pending.shared);
    const e = reply.error;
    if (e === null) pending.sink.onDecoded(reply.request!);
    else
      pending.sink.onDecodeError(
        reviveServerError(e.status, e.code, e.message, { retryAfterS: e.retryAfterS }),
      );
  }

  /** A thread ended (crash, out of memory, terminate): its bodies are answered 503, its slot freed. */
  private onExit(slot: number, thread: DecodeThread, code: number): void {
    if (this.slots[slot] === thread) this.slots[slot] = null;
    if (thread.pending.size === 0) return;
    const why = this.closed
      ? 'the server is shutting down'
      : thread.failure !== null
        ? `it failed with ${(thread.failure as NodeJS.ErrnoException).code ?? thread.failure.name}`
        : `it exited with code ${code}`;
    const error = unavailable(
      'ERR_JSON_DECODE_WORKER',
      `Cannot decode the JSON request body: its decode thread stopped before answering (${why})`,
      JSON_DECODE_RETRY_AFTER_S,
    );
    const pending = [...thread.pending.values()];
    thread.pending.clear();
    for (const p of pending) {
      this.heldBytes -= p.bytes;
      if (p.shared !== null) this.returnBody(p.shared);
      p.sink.onDecodeError(error);
    }
    thread.heldBytes = 0;
  }
}
