/**
 * Writes Triton's JSON trace file (`--trace-config triton,file=PATH`). With log_frequency 0 every
 * trace is appended to PATH as the elements of one JSON array (`[` at the first trace, `]` when
 * the server stops); with log_frequency N each N traces go to their own complete array in
 * `PATH.0`, `PATH.1`, ... as Triton does. Files are opened on first use and written through
 * streams, never blocking the main thread. Bounded: traces that would put more than
 * MAX_PENDING_BYTES behind a slow disk are dropped (and counted in a throttled warning).
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { Clock, Logger } from '../../common/index.js';
import { RateLimitedLog } from '../../common/index.js';

/** Most bytes of traces waiting to be written (per file and for the indexed batch) before traces are dropped. */
export const MAX_PENDING_BYTES = 16 * 1024 * 1024;

/** Most indexed files being written at once; a batch past it is dropped (the disk is behind). */
export const MAX_PENDING_FILES = 8;

/** Appends finished traces to Triton's trace file(s). */
export class TraceFileWriter {
  /** The file path (PATH). */
  readonly path: string;
  /** Traces written so far (handed to the file streams). */
  written = 0;
  /** Traces dropped (the disk fell behind, or the file could not be opened). */
  dropped = 0;
  private stream: WriteStream | null = null;
  private failed = false;
  /** Indexed mode: traces waiting for the next `PATH.i`, their bytes and the next index. */
  private batch: string[] = [];
  private batchBytes = 0;
  private nextIndex = 0;
  private readonly pendingWrites = new Set<Promise<void>>();
  private readonly logger: Logger;
  private readonly warnings: RateLimitedLog;

  constructor(path: string, logger: Logger, clock: Clock) {
    this.path = path;
    this.logger = logger;
    this.warnings = new RateLimitedLog(logger, clock, 10_000);
  }

  /** Writes one trace's entries (traceEntries) under `logFrequency` (0 = one file). */
  write(entries: string, logFrequency: number): void {
    if (logFrequency > 0) {
      this.batch.push(entries);
      this.batchBytes += entries.length;
      this.written++;
      if (this.batch.length >= logFrequency || this.batchBytes >= MAX_PENDING_BYTES) this.flushBatch();
      return;
    }
    const stream = this.openStream();
    if (stream === null || stream.writableLength > MAX_PENDING_BYTES) {
      this.drop();
      return;
    }
    stream.write(this.written === 0 ? `[${entries}` : `,${entries}`);
    this.written++;
  }

  /** Writes what is left (the last indexed batch, the closing `]`) and closes the files. */
  async close(): Promise<void> {
    if (this.batch.length > 0) this.flushBatch();
    const stream = this.stream;
    this.stream = null;
    if (stream !== null) {
      await new Promise<void>((resolve) => {
        stream.end(']', resolve);
      });
    }
    await Promise.all(this.pendingWrites);
  }

  private openStream(): WriteStream | null {
    if (this.stream !== null) return this.stream;
    if (this.failed) return null;
    const stream = createWriteStream(this.path, { flags: 'w' });
    stream.on('error', (err: NodeJS.ErrnoException) => {
      this.failed = true;
      this.stream = null;
      this.logger.logError(`Cannot write the trace file '${this.path}': ${err.code ?? err.message}`);
    });
    this.stream = stream;
    return stream;
  }

  private flushBatch(): void {
    const traces = this.batch;
    this.batch = [];
    this.batchBytes = 0;
    if (this.pendingWrites.size >= MAX_PENDING_FILES) {
      this.written -= traces.length;
      for (let i = 0; i < traces.length; i++) this.drop();
      return;
    }
    const file = `${this.path}.${this.nextIndex++}`;
    const text = `[${traces.join(',')}]`;
    const done = writeFile(file, text).then(
      () => {},
      (err: NodeJS.ErrnoException) => {
        this.logger.logError(`Cannot write the trace file '${file}': ${err.code ?? err.message}`);
      },
    );
    this.pendingWrites.add(done);
    void done.then(() => this.pendingWrites.delete(done));
  }

  private drop(): void {
    this.dropped++;
    this.warnings.warn(
      `Dropped a trace: the trace file '${this.path}' is more than ${MAX_PENDING_BYTES} bytes behind or cannot be written`,
    );
  }
}
